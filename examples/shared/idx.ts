// Reader for IDX files (MNIST / Fashion-MNIST format) from disk; the byte parser is idx_parse.ts (browser-safe).
import {existsSync, readFileSync} from 'node:fs';
import {IdxArray, parseIdx} from './idx_parse';

export {FASHION_CLASSES, parseIdx} from './idx_parse';
export type {IdxArray} from './idx_parse';

export function readIdx(path: string): IdxArray {
  if (!existsSync(path)) throw new Error(`IDX file not found: ${path}`);
  return parseIdx(new Uint8Array(readFileSync(path)), path);
}

export interface ImageSet { images: Uint8Array; labels: Uint8Array; count: number; height: number; width: number; }

/** Loads `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]` from `dir`. */
export function loadMnistLike(dir: string, prefix: 'train' | 't10k'): ImageSet {
  const find = (kind: string) => {
    for (const ext of ['.gz', '']) {
      const p = `${dir}/${prefix}-${kind}${ext}`;
      if (existsSync(p)) return p;
    }
    throw new Error(`missing ${prefix}-${kind}[.gz] in ${dir} (expected Fashion-MNIST IDX files)`);
  };
  const img = readIdx(find('images-idx3-ubyte'));
  const lab = readIdx(find('labels-idx1-ubyte'));
  if (img.dims.length !== 3) throw new Error(`${prefix} images: expected rank 3 [n, h, w], got [${img.dims}]`);
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0]) {
    throw new Error(`${prefix}: ${img.dims[0]} images but labels have dims [${lab.dims}]`);
  }
  return {images: img.data, labels: lab.data, count: img.dims[0], height: img.dims[1], width: img.dims[2]};
}

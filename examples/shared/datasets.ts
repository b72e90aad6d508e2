// Dataset loading for the examples: Fashion-MNIST IDX files and ImageNet-style folders of JPEG/PNG images.
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import jpeg from 'jpeg-js';
import {PNG} from 'pngjs';
import type {Dataset} from './trainer';
import {FASHION_CLASSES, loadMnistLike} from './idx';
import {resizeBytes} from './task_input';

export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
export const BUNDLED_FASHION_MNIST = new URL('../data/fashion-mnist', import.meta.url).pathname;

export interface NamedDataset extends Dataset { classes: string[]; }

/** Fashion-MNIST split from `dir` (Debian's install path by default), grayscale repeated to `channels`. */
export function fashionMnist(dir: string, split: 'train' | 'test', channels: 1 | 3, limit = 0): NamedDataset {
  if (!existsSync(dir)) {
    throw new Error(`Fashion-MNIST not found at ${dir}: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data <dir with the IDX files>`);
  }
  const s = loadMnistLike(dir, split === 'train' ? 'train' : 't10k');
  const count = limit ? Math.min(limit, s.count) : s.count;
  const px = s.height * s.width;
  const images = new Uint8Array(count * px * channels);
  for (let i = 0; i < count * px; i++) for (let c = 0; c < channels; c++) images[i * channels + c] = s.images[i];
  return {images, labels: s.labels.slice(0, count), count, height: s.height, width: s.width, channels, classes: FASHION_CLASSES};
}

/** Decodes a JPEG or PNG file to RGB bytes. */
export function decodeImage(path: string): {data: Uint8Array; width: number; height: number} {
  const bytes = readFileSync(path);
  let rgba: Uint8Array, width: number, height: number;
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, {useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024});
    ({width, height} = img);
    rgba = img.data;
  } else if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    const img = PNG.sync.read(bytes);
    ({width, height} = img);
    rgba = img.data;
  } else {
    throw new Error(`${path}: not a JPEG or PNG file`);
  }
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = rgba[i * 4 + c];
  return {data, width, height};
}

/** An ImageNet-style folder `<root>/<split>/<class>/*.{jpg,jpeg,png}`, each image resized to size×size RGB. */
export function imageFolder(root: string, split: string, size: number, classes?: string[]): NamedDataset {
  const dir = join(root, split);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`image folder ${dir} does not exist (expected <data>/${split}/<class>/*.jpg)`);
  const names = classes ?? readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort();
  if (names.length === 0) throw new Error(`${dir} has no class sub-folders`);
  const files: [string, number][] = [];
  names.forEach((cls, label) => {
    const cdir = join(dir, cls);
    if (!existsSync(cdir)) return;
    for (const f of readdirSync(cdir).sort()) if (/\.(jpe?g|png)$/i.test(f)) files.push([join(cdir, f), label]);
  });
  if (files.length === 0) throw new Error(`${dir} holds no .jpg/.jpeg/.png images`);
  const images = new Uint8Array(files.length * size * size * 3);
  const labels = new Uint16Array(files.length);
  files.forEach(([path, label], i) => {
    const img = decodeImage(path);
    images.set(resizeBytes(img.data, img.width, img.height, 3, size, size), i * size * size * 3);
    labels[i] = label;
  });
  return {images, labels, count: files.length, height: size, width: size, channels: 3, classes: names};
}

/** Train and test splits of a dataset named on the command line. */
export function loadSplits(dataset: string, data: string | undefined, size: number, trainLimit: number, testLimit: number): {trainSet: NamedDataset; testSet: NamedDataset} {
  if (dataset === 'fashion-mnist') {
    const dir = data ?? DEBIAN_FASHION_MNIST;
    return {trainSet: fashionMnist(dir, 'train', 3, trainLimit), testSet: fashionMnist(dir, 'test', 3, testLimit)};
  }
  if (!data) throw new Error('--dataset folder needs --data <root> (with train/<class>/*.jpg and val/<class>/*.jpg)');
  const trainSet = imageFolder(data, 'train', size);
  const testSet = imageFolder(data, 'val', size, trainSet.classes);
  return {trainSet, testSet};
}

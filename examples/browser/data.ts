// The bundled Fashion-MNIST subset, fetched from the built page's assets and parsed with the examples' IDX parser.
import trainImagesUrl from '../data/fashion-mnist/train-images-idx3-ubyte.gz?url';
import trainLabelsUrl from '../data/fashion-mnist/train-labels-idx1-ubyte.gz?url';
import testImagesUrl from '../data/fashion-mnist/t10k-images-idx3-ubyte.gz?url';
import testLabelsUrl from '../data/fashion-mnist/t10k-labels-idx1-ubyte.gz?url';
import {parseIdx} from '../shared/idx_parse';
import type {Dataset} from '../shared/trainer';

async function idx(url: string, what: string) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`fetching ${what} (${url}) failed: HTTP ${r.status}`);
  return parseIdx(new Uint8Array(await r.arrayBuffer()), what);
}

/** Loads a split (first `limit` images) as a one-channel 28×28 Dataset. */
async function split(imagesUrl: string, labelsUrl: string, name: string): Promise<Dataset> {
  const [img, lab] = await Promise.all([idx(imagesUrl, `${name} images`), idx(labelsUrl, `${name} labels`)]);
  if (img.dims.length !== 3 || lab.dims[0] !== img.dims[0]) throw new Error(`${name}: images [${img.dims}] and labels [${lab.dims}] do not match`);
  return {images: img.data, labels: lab.data, count: img.dims[0], height: img.dims[1], width: img.dims[2], channels: 1};
}

export async function loadFashionMnist(): Promise<{train: Dataset; test: Dataset}> {
  const [train, test] = await Promise.all([split(trainImagesUrl, trainLabelsUrl, 'train'), split(testImagesUrl, testLabelsUrl, 'test')]);
  return {train, test};
}

/** The first `n` images of a dataset (views, no copies). */
export function head(ds: Dataset, n: number): Dataset {
  const count = Math.min(n, ds.count), px = ds.height * ds.width * ds.channels;
  return {...ds, count, images: ds.images.subarray(0, count * px), labels: ds.labels.subarray(0, count)};
}

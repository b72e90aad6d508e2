// Evaluates a trained or converted classifier: top-1 / top-5, per-class accuracy and a confusion matrix.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import * as pacc from '../../src/index';
import {parseArgs, runMain, UsageError} from '../shared/args';
import {decodeImage, DEBIAN_FASHION_MNIST, loadSplits} from '../shared/datasets';
import {makeBatch} from '../shared/trainer';
import {ProgressBar} from '../shared/progress';

const SPEC = {
  model: {type: 'string', help: 'folder with model.json written by train.ts or the converter (e.g. out/train/model)'},
  checkpoint: {type: 'string', help: 'an official PyTorch .pt checkpoint to convert and evaluate (with --arch)'},
  arch: {type: 'string', choices: pacc.converters.TORCH_ARCHS, help: 'architecture of --checkpoint'},
  dataset: {type: 'string', default: 'fashion-mnist', choices: ['fashion-mnist', 'folder'], help: 'Fashion-MNIST IDX files or an ImageNet-style folder (val/<class>/*.jpg)'},
  data: {type: 'string', help: `data location (fashion-mnist: ${DEBIAN_FASHION_MNIST}; folder: <root>)`},
  size: {type: 'number', help: 'input side (default: the model input, else 32 / 256)'},
  official: {type: 'boolean', help: 'official ImageNet eval preprocessing (BGR, shorter side 288, centre crop 256, /255); default with --checkpoint'},
  batch: {type: 'number', default: 50, help: 'batch size'},
  limit: {type: 'number', default: 0, help: 'evaluate only the first N images (0 = all)'},
  backend: {type: 'string', default: 'wasm', choices: ['wasm', 'cpu'], help: 'tfjs backend'},
} as const;

/** Official-pipeline batches straight from image files (decoded at full resolution, then pacc.models.preprocessImage). */
function* officialBatches(root: string, classes: string[] | undefined, batch: number, limit: number) {
  const dir = join(root, 'val');
  const names = classes ?? readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort();
  const files = names.flatMap((c, label) => readdirSync(join(dir, c)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => [join(dir, c, f), label] as const));
  const n = limit ? Math.min(limit, files.length) : files.length;
  for (let s = 0; s < n; s += batch) {
    const part = files.slice(s, Math.min(n, s + batch));
    const x = tf.tidy(() => tf.concat(part.map(([f]) => {
      const img = decodeImage(f);
      return pacc.models.preprocessImage(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'));
    })));
    yield {x, labels: part.map(([, l]) => l), total: n, classes: names};
  }
}

runMain(async () => {
  const a = parseArgs(process.argv.slice(2), SPEC, 'usage: npx tsx examples/classification/eval.ts (--model <dir> | --checkpoint <file.pt> --arch <arch>) [options]');
  await tf.setBackend(a.backend);
  let model: tfl.LayersModel;
  if (a.checkpoint) {
    if (!a.arch) throw new Error(`--checkpoint needs --arch (${pacc.converters.TORCH_ARCHS.join(', ')})`);
    if (!existsSync(a.checkpoint)) throw new Error(`checkpoint not found: ${a.checkpoint}`);
    model = await pacc.converters.fromTorchCheckpoint(new Uint8Array(readFileSync(a.checkpoint)), {arch: a.arch});
  } else if (a.model) {
    if (!existsSync(join(a.model, 'model.json'))) throw new Error(`no model.json in ${a.model}`);
    model = await tfl.loadLayersModel(pacc.io.fileSystem(a.model));
  } else {
    throw new Error('give --model <dir> or --checkpoint <file.pt> --arch <arch>');
  }
  const official = a.official || Boolean(a.checkpoint);
  // The official pipeline reads image files (BGR, resize, centre crop); IDX data has no such
  // preprocessing, so --official there would be ignored: say so instead.
  if (official && a.dataset !== 'folder') {
    throw new UsageError(`${a.official ? '--official' : '--checkpoint (official preprocessing)'} needs --dataset folder (ImageNet-style images); --dataset ${a.dataset} has its own preprocessing`);
  }
  const inShape = model.inputs[0].shape;
  const size = a.size ?? (typeof inShape[1] === 'number' ? inShape[1] : official ? 256 : 32);
  const channels = inShape[3] ?? 3;
  const numClasses = (model.outputs[0].shape[1] ?? 0) as number;
  const confusion: number[][] = [];
  let top1 = 0, top5 = 0, seen = 0, classes: string[] = [];
  const score = (logits: tf.Tensor, labels: ArrayLike<number>) => {
    const k = Math.min(5, numClasses);
    const idx = tf.tidy(() => tf.topk(logits, k).indices.arraySync() as number[][]);
    idx.forEach((top, i) => {
      const y = labels[i];
      if (top[0] === y) top1++;
      if (top.includes(y)) top5++;
      (confusion[y] ??= new Array(numClasses).fill(0))[top[0]]++;
    });
    seen += idx.length;
  };
  if (official && a.dataset === 'folder') {
    if (!a.data) throw new Error('--dataset folder needs --data <root>');
    let bar: ProgressBar | undefined;
    for (const b of officialBatches(a.data, undefined, a.batch, a.limit)) {
      classes = b.classes;
      bar ??= new ProgressBar('eval', b.total);
      const logits = model.predict(b.x) as tf.Tensor;
      score(logits, b.labels);
      tf.dispose([logits, b.x]);
      bar.update(seen);
    }
  } else {
    const {testSet} = loadSplits(a.dataset, a.data, size, 1, a.limit);
    if (testSet.channels !== channels && channels === 1) throw new Error(`model expects ${channels} channel(s), the data has ${testSet.channels}`);
    classes = testSet.classes;
    const bar = new ProgressBar('eval', testSet.count);
    for (let s = 0; s < testSet.count; s += a.batch) {
      const idx = Array.from({length: Math.min(a.batch, testSet.count - s)}, (_, i) => s + i);
      tf.tidy(() => {
        const {x, y} = makeBatch(testSet, idx, size);
        score(model.predict(x) as tf.Tensor, y.dataSync());
      });
      bar.update(seen);
    }
  }
  console.log(`\n${seen} images: top-1 ${(100 * top1 / seen).toFixed(2)}%  top-5 ${(100 * top5 / seen).toFixed(2)}%`);
  if (numClasses <= 20) {
    const w = 6;
    console.log(`\nconfusion matrix (rows: true class, columns: predicted)\n${' '.repeat(14)}${classes.map((_, j) => String(j).padStart(w)).join('')}   acc`);
    classes.forEach((c, i) => {
      const row = confusion[i] ?? new Array(numClasses).fill(0);
      const total = row.reduce((x, y) => x + y, 0);
      console.log(`${`${i} ${c}`.slice(0, 13).padEnd(14)}${row.map((v) => String(v).padStart(w)).join('')}  ${total ? (100 * row[i] / total).toFixed(1) : '-'}%`);
    });
  }
});

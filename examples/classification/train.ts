// Trains a classifier (PaCC-Net, MobileViT or a surgered zoo model) with the official recipe; checkpoints and --resume.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {resolve} from 'node:path';
import * as pacc from '../../src/index';
import {parseArgs, runMain} from '../shared/args';
import {hasCheckpoint, loadCheckpoint, saveCheckpoint} from '../shared/checkpoint';
import {DEBIAN_FASHION_MNIST, loadSplits} from '../shared/datasets';
import {buildModel, MODEL_NAMES} from '../shared/models';
import {seedEverything} from '../shared/seed';
import {EpochStats, train} from '../shared/trainer';

const TRAIN_SPEC = {
  model: {type: 'string', default: 'paccnet-xs', choices: MODEL_NAMES, help: 'network (zoo models get replaceBlocks)'},
  'no-surgery': {type: 'boolean', help: 'train a zoo model as is, without replaceBlocks'},
  dataset: {type: 'string', default: 'fashion-mnist', choices: ['fashion-mnist', 'folder'], help: 'Fashion-MNIST IDX files or an ImageNet-style folder'},
  data: {type: 'string', help: `data location (fashion-mnist: ${DEBIAN_FASHION_MNIST}; folder: <root> with train/ and val/)`},
  size: {type: 'number', help: 'input side length (default 32 for fashion-mnist, 224 for folders)'},
  epochs: {type: 'number', default: 10, help: 'epochs'},
  batch: {type: 'number', default: 64, help: 'batch size'},
  lr: {type: 'number', default: 0.002, help: 'peak learning rate (official: AdamW 0.002, cosine)'},
  'weight-decay': {type: 'number', default: 0.025, help: 'decoupled weight decay (AdamW)'},
  'warmup-epochs': {type: 'number', default: 1, help: 'linear warm-up length'},
  'label-smoothing': {type: 'number', default: 0.1, help: 'label smoothing'},
  ema: {type: 'number', default: 0.9995, help: 'EMA decay of the weights (0 disables); evaluation uses the EMA'},
  backend: {type: 'string', default: 'wasm', choices: ['wasm', 'cpu'], help: 'tfjs backend'},
  out: {type: 'string', default: 'out/train', help: 'checkpoint folder (written every epoch)'},
  resume: {type: 'boolean', help: 'continue from the checkpoint in --out'},
  'train-limit': {type: 'number', default: 0, help: 'use only the first N training images (0 = all)'},
  'test-limit': {type: 'number', default: 0, help: 'use only the first N test images (0 = all)'},
  'max-batches': {type: 'number', default: 0, help: 'stop each epoch after N batches (0 = all)'},
  'tfjs-kernels': {type: 'boolean', help: "train with tfjs-wasm's own kernels, gradients and Adam instead of tfjs-pacc's fast ones (for comparison)"},
  seed: {type: 'number', default: 1, help: 'random seed'},
} as const;

runMain(async () => {
  const a = parseArgs(process.argv.slice(2), TRAIN_SPEC, 'usage: npx tsx examples/classification/train.ts [options]');
  const size = a.size ?? (a.dataset === 'fashion-mnist' ? 32 : 224);
  if (!Number.isInteger(size) || size < 8) throw new Error(`--size must be an integer >= 8, got ${size}`);
  seedEverything(a.seed);
  await tf.setBackend(a.backend);
  // tfjs-wasm 4.22's own conv input gradient is a scalar loop; ours is SIMD (same results, ~2x faster steps).
  // The fast wasm training kernels are on from the import; this flag is the way back to tfjs's.
  if (a['tfjs-kernels']) pacc.useFastWasmTrainingKernels(false);
  const {trainSet, testSet} = loadSplits(a.dataset, a.data, size, a['train-limit'], a['test-limit']);
  if (trainSet.height > size) throw new Error(`--size ${size} is smaller than the images (${trainSet.height}×${trainSet.width})`);
  const numClasses = trainSet.classes.length;
  const out = resolve(a.out);
  const optimizer = tf.train.adam(a.lr);
  let model, startEpoch = 0, history: EpochStats[] = [], emaInit: tf.Tensor[] | undefined;
  if (a.resume) {
    if (!hasCheckpoint(out)) throw new Error(`--resume: no checkpoint in ${out} (state.json missing)`);
    const ck = await loadCheckpoint(out, optimizer);
    ({model} = ck);
    startEpoch = ck.state.epoch;
    history = ck.state.history;
    emaInit = ck.ema;
    console.log(`resumed ${out} at epoch ${startEpoch}`);
  } else {
    model = buildModel(a.model, [size, size, 3], numClasses, !a['no-surgery']);
  }
  console.log(`${a.model}: ${model.countParams().toLocaleString('en')} params, ${trainSet.count} train / ${testSet.count} test images, ${numClasses} classes, ${size}×${size}, backend ${tf.getBackend()}`);
  const cfg = {
    epochs: a.epochs, batchSize: a.batch, lr: a.lr, weightDecay: a['weight-decay'], warmupEpochs: a['warmup-epochs'],
    labelSmoothing: a['label-smoothing'], emaDecay: a.ema, numClasses, size, maxBatches: a['max-batches'],
  };
  await train(model, trainSet, testSet, cfg, {
    title: a.model, startEpoch, optimizer, emaInit,
    onEpoch: async (stats, ema) => {
      history.push(stats);
      await saveCheckpoint(out, model, optimizer, ema?.tensors, {epoch: stats.epoch, history, args: {...a}});
      process.stderr.write(`  checkpoint: ${out}\n`);
    },
  });
  const last = history[history.length - 1];
  console.log(`done: test accuracy ${last ? (100 * last.testAcc).toFixed(2) : 'n/a'}% after ${history.length} epochs; checkpoint in ${out}`);
});

// DeepLabV3 segmentation example: data, training (official recipe, head LR ×10, CE ignoring 255), mIoU evaluation, trivial baselines and overlays.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {mkdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import * as pacc from '../../src/index';
import {hasCheckpoint, loadCheckpoint, loadOptimizers, saveCheckpoint} from '../shared/checkpoint';
import {BUNDLED_FASHION_MNIST} from '../shared/datasets';
import {hconcat, overlayMask, upscale} from '../shared/draw';
import {writeRgbPng} from '../shared/image_io';
import {VOID, vocColormap} from '../shared/scenes';
import {permutation, seedEverything} from '../shared/seed';
import {parseDataArg, sceneSplit} from '../shared/task_data';
import {resizeBytes, resizeLabels, SegmentationSample, toModelInput} from '../shared/task_input';
import {buildSegmenter, TASK_BACKBONE_CHOICES} from '../shared/task_models';
import {GroupedAdamW, TaskEpoch, taskLoop} from '../shared/task_trainer';
import {readVoc, sceneSegmentationSamples} from '../shared/voc';

export const SEG_DATA_OPTIONS = {
  data: {type: 'string', default: 'synthetic', help: "'synthetic' (scenes of Fashion-MNIST items) or voc:<dir> (JPEGImages/, SegmentationClass/, ImageSets/Segmentation/)"},
  'num-classes': {type: 'number', default: 21, int: true, min: 2, help: 'classes incl. background for voc:<dir> data (VOC: 21); synthetic data has 11'},
  'train-split': {type: 'string', default: 'train', help: 'VOC split used for training'},
  'val-split': {type: 'string', default: 'val', help: 'VOC split used for evaluation'},
  items: {type: 'string', default: BUNDLED_FASHION_MNIST, help: 'Fashion-MNIST IDX folder the synthetic scenes take their items from'},
  'train-scenes': {type: 'number', default: 2000, int: true, min: 1, help: 'synthetic training scenes (or first N VOC training images)'},
  'val-scenes': {type: 'number', default: 300, int: true, min: 1, help: 'synthetic validation scenes (or first N VOC val images)'},
  'scene-size': {type: 'number', default: 128, int: true, min: 16, help: 'side of the synthetic canvases'},
  'scene-seed': {type: 'number', default: 1, int: true, help: 'seed of the synthetic scenes'},
  backend: {type: 'string', default: 'wasm', choices: ['wasm', 'cpu'], help: 'tfjs backend'},
} as const;

export interface SegData { samples: SegmentationSample[]; names: string[]; numClasses: number; }

export function loadSegData(a: {data: string; 'num-classes': number; 'train-split': string; 'val-split': string; items: string; 'train-scenes': number; 'val-scenes': number; 'scene-size': number; 'scene-seed': number}, split: 'train' | 'val'): SegData {
  const d = parseDataArg(a.data, ['voc']);
  const limit = split === 'train' ? a['train-scenes'] : a['val-scenes'];
  if (d.kind === 'voc') {
    const n = a['num-classes'];
    const samples = readVoc(resolve(d.dir!), split === 'train' ? a['train-split'] : a['val-split'], n, limit);
    const names = n === pacc.segmentation.PASCAL_VOC_LABELS.length ? pacc.segmentation.PASCAL_VOC_LABELS.slice() : vocNames(n);
    return {samples, names, numClasses: n};
  }
  const set = sceneSplit(split, {items: a.items, count: limit, size: a['scene-size'], seed: a['scene-seed']});
  return {samples: sceneSegmentationSamples(set, split), names: ['background', ...set.categories], numClasses: set.categories.length + 1};
}

function vocNames(n: number): string[] { return Array.from({length: n}, (_, k) => (k === 0 ? 'background' : `class ${k}`)); }

interface Prepared { rgb: Uint8Array; mask: Uint8Array; }

/** Images bilinear and masks nearest to the training size, once (the official pipeline crops and resizes per step). */
function prepare(samples: SegmentationSample[], size: number): Prepared[] {
  return samples.map((s) => ({rgb: resizeBytes(s.rgb, s.width, s.height, 3, size, size), mask: resizeLabels(s.mask, s.width, s.height, size, size)}));
}

interface SegBatch { x: tf.Tensor4D; y: tf.Tensor3D; dispose(): void; }

function makeBatch(prep: Prepared[], idx: ArrayLike<number>, size: number, augment: boolean): SegBatch {
  const n = idx.length, px = size * size;
  const x = new Float32Array(n * px * 3), y = new Int32Array(n * px);
  for (let b = 0; b < n; b++) {
    const p = prep[idx[b]];
    const flip = augment && Math.random() < 0.5;
    toModelInput(p.rgb, size, size, size, x, b * px * 3, flip);
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) y[b * px + i * size + j] = p.mask[i * size + (flip ? size - 1 - j : j)];
  }
  const t = {x: tf.tensor4d(x, [n, size, size, 3]), y: tf.tensor3d(y, [n, size, size], 'int32')};
  return {...t, dispose: () => tf.dispose([t.x, t.y])};
}

export const SEG_TRAIN_OPTIONS = {
  backbone: {type: 'string', default: 'scene', choices: TASK_BACKBONE_CHOICES, help: "'scene' = PaCC-Net XS design scaled to 128 px with a 64-wide ASPP, or a registry backbone for pacc.models.deeplabV3"},
  size: {type: 'number', default: 128, int: true, min: 16, help: 'training / evaluation input side, a multiple of 16 (official 512)'},
  epochs: {type: 'number', default: 10, int: true, min: 1, help: 'epochs (official 50)'},
  batch: {type: 'number', default: 16, int: true, min: 1, help: 'batch size (official 8 per GPU × 4)'},
  lr: {type: 'number', default: 0.002, min: 0, help: 'peak learning rate of the backbone (official 0.0009)'},
  'head-lr-mult': {type: 'number', default: 10, min: 0, help: 'learning-rate multiplier of the seg_head.* layers (official 10)'},
  'min-lr': {type: 'number', default: 1e-6, min: 0, help: 'cosine floor (official 1e-6)'},
  'warmup-steps': {type: 'number', default: 500, int: true, min: 0, help: 'linear warm-up iterations from lr/10 (official 500; at most half the run)'},
  'weight-decay': {type: 'number', default: 0.01, min: 0, help: 'AdamW decoupled weight decay on all parameters (official 0.01)'},
  ema: {type: 'number', default: 0.9995, min: 0, help: 'EMA decay of the trainable weights (official 0.9995, BN statistics included; 0 disables)'},
  'no-augment': {type: 'boolean', help: 'no horizontal flip'},
  out: {type: 'string', default: 'out/segmentation', help: 'checkpoint folder (written every epoch)'},
  resume: {type: 'boolean', help: 'continue from the checkpoint in --out'},
  'max-batches': {type: 'number', default: 0, int: true, min: 0, help: 'stop each epoch after N batches (0 = all)'},
  seed: {type: 'number', default: 1, int: true, help: 'random seed (initialisation, shuffles, augmentation)'},
  ...SEG_DATA_OPTIONS,
} as const;

export type SegTrainArgs = {[K in keyof typeof SEG_TRAIN_OPTIONS]: (typeof SEG_TRAIN_OPTIONS)[K]['type'] extends 'number' ? number : (typeof SEG_TRAIN_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string};

/** Layer-name prefix of the DeepLabV3 head (the official seg_head.* parameters that get the LR multiplier). */
const HEAD_PREFIX = 'seg_head.';

export async function trainSegmentation(a: SegTrainArgs): Promise<{model: LayersModel; history: TaskEpoch[]; names: string[]; out: string}> {
  seedEverything(a.seed);
  await tf.setBackend(a.backend);
  // tfjs-wasm 4.22's own conv input gradient is a scalar loop; ours is SIMD (same results, faster steps).
  if (a.backend === 'wasm') pacc.useFastWasmConv2DBackpropInput();
  const out = resolve(a.out);
  const t0 = performance.now();
  const data = loadSegData(a, 'train');
  const {numClasses} = data;
  console.log(`segmentation data: ${data.samples.length} training images (${a.data}), ${numClasses} classes incl. background, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let model: LayersModel, opt: GroupedAdamW, startEpoch = 0, history: TaskEpoch[] = [], emaInit: tf.Tensor[] | undefined;
  const groups = {headPrefixes: [HEAD_PREFIX], headLrMult: a['head-lr-mult']};
  if (a.resume) {
    if (!hasCheckpoint(out)) throw new Error(`--resume: no checkpoint in ${out} (state.json missing)`);
    const ck = await loadCheckpoint<TaskEpoch>(out, []);
    const saved = ck.state.args as {backbone?: string; size?: number; numClasses?: number};
    if (saved.backbone !== a.backbone || saved.size !== a.size || saved.numClasses !== numClasses) {
      throw new Error(`--resume: ${out} holds a ${saved.backbone} DeepLabV3 at ${saved.size} px with ${saved.numClasses} classes; this run asks for ${a.backbone} at ${a.size} px with ${numClasses}`);
    }
    model = ck.model;
    opt = new GroupedAdamW(model, a['weight-decay'], groups);
    await loadOptimizers(out, opt.optimizers);
    startEpoch = ck.state.epoch; history = ck.state.history; emaInit = ck.ema;
    console.log(`resumed ${out} at epoch ${startEpoch}`);
  } else {
    model = buildSegmenter(a.backbone, numClasses, a.size);
    opt = new GroupedAdamW(model, a['weight-decay'], groups);
  }
  const headParams = opt.groups[1]?.vars.reduce((s, w) => s + tf.util.sizeFromShape(w.shape as number[]), 0) ?? 0;
  console.log(`DeepLabV3 (${a.backbone}): ${model.countParams().toLocaleString('en')} params (head ${headParams.toLocaleString('en')} at LR ×${a['head-lr-mult']}), input ${a.size}×${a.size}, backend ${tf.getBackend()}`);
  const prep = prepare(data.samples, a.size);
  const cfg = {epochs: a.epochs, batchSize: a.batch, lr: a.lr, minLr: a['min-lr'], warmupInit: a.lr / 10, warmupSteps: a['warmup-steps'], emaDecay: a.ema, maxBatches: a['max-batches']};
  const state = {backbone: a.backbone, size: a.size, numClasses, names: data.names};
  const {ema} = await taskLoop(model, prep.length, cfg, opt,
    (idx) => makeBatch(prep, idx, a.size, !a['no-augment']),
    (b) => pacc.segmentation.crossEntropyLoss(model.apply(b.x, {training: true}) as tf.Tensor, b.y, {ignoreIndex: VOID, validate: false}),
    {title: `DeepLabV3 ${a.backbone}`, startEpoch, emaInit, shuffle: permutation, onEpoch: async (s, e) => {
      history.push(s);
      await saveCheckpoint(out, model, opt.optimizers, e?.tensors, {epoch: s.epoch, history, args: {...a, ...state}});
      process.stderr.write(`  checkpoint: ${out}\n`);
    }});
  // Leave the EMA weights in the returned model (what eval.ts loads from the checkpoint too).
  if (ema) { model.trainableWeights.forEach((w, i) => w.write(ema.tensors[i])); ema.dispose(); }
  tf.dispose(emaInit ?? []);
  opt.dispose();
  return {model, history, names: data.names, out};
}

/** Loads a training checkpoint for evaluation: the model with the EMA weights (unless `live`) and the saved settings. */
export async function loadSegmenter(dir: string, live = false): Promise<{model: LayersModel; size: number; names: string[]; numClasses: number; backbone: string; args: Record<string, unknown>}> {
  if (!hasCheckpoint(dir)) throw new Error(`--checkpoint: no training checkpoint in ${dir} (state.json missing; run examples/segmentation/train.ts first)`);
  const ck = await loadCheckpoint<TaskEpoch>(dir, []);
  const s = ck.state.args as {size: number; names: string[]; numClasses: number; backbone: string};
  if (ck.ema && !live) {
    if (ck.ema.length !== ck.model.trainableWeights.length) throw new Error(`${dir}: EMA holds ${ck.ema.length} tensors, the model ${ck.model.trainableWeights.length} trainable weights (a checkpoint of an older version? evaluate it with --live)`);
    ck.model.trainableWeights.forEach((w, i) => w.write(ck.ema![i]));
  }
  tf.dispose(ck.ema ?? []);
  return {model: ck.model, size: s.size, names: s.names, numClasses: s.numClasses, backbone: s.backbone, args: ck.state.args};
}

/**
 * Predicted label maps at each image's own size, as the official evaluation: the image resized to the
 * input size (BGR, /255), logits → argmax, then nearest resizing to the original size (the official
 * code resizes the logits with nearest before the argmax, which picks the same pixels).
 */
export function segment(model: LayersModel, samples: SegmentationSample[], size: number, batchSize = 16): Uint8Array[] {
  const preds: Uint8Array[] = [];
  const px = size * size * 3;
  for (let s = 0; s < samples.length; s += batchSize) {
    const part = samples.slice(s, s + batchSize);
    const x = new Float32Array(part.length * px);
    part.forEach((smp, b) => toModelInput(smp.rgb, smp.width, smp.height, size, x, b * px));
    const am = tf.tidy(() => tf.argMax(model.predict(tf.tensor4d(x, [part.length, size, size, 3])) as tf.Tensor, -1).dataSync());
    part.forEach((smp, b) => {
      const lab = Uint8Array.from(am.subarray(b * size * size, (b + 1) * size * size));
      preds.push(resizeLabels(lab, size, size, smp.width, smp.height));
    });
  }
  return preds;
}

/** mIoU over samples (official: one confusion matrix over all pixels, 255 skipped). */
export function scoreMasks(preds: Uint8Array[], samples: SegmentationSample[], numClasses: number): pacc.metrics.MeanIoUResult {
  return pacc.metrics.meanIoU(preds.map((p, i) => ({data: p, shape: [samples[i].height, samples[i].width]})),
    samples.map((s) => ({data: s.mask, shape: [s.height, s.width]})), numClasses, {ignoreIndex: VOID});
}

/**
 * Trivial baselines: 'all background' (the majority class of every pixel), and 'threshold': pixels
 * brighter than their image's median by 40 grey levels get the most frequent foreground class of the
 * training masks (finds the items without telling them apart).
 */
export function baselines(train: SegmentationSample[], val: SegmentationSample[], numClasses: number): {background: pacc.metrics.MeanIoUResult; threshold: pacc.metrics.MeanIoUResult; topClass: number} {
  const counts = new Float64Array(numClasses);
  for (const s of train) for (const v of s.mask) if (v < numClasses) counts[v]++;
  let topClass = 1;
  for (let c = 1; c < numClasses; c++) if (counts[c] > counts[topClass]) topClass = c;
  const bg = val.map((s) => new Uint8Array(s.width * s.height));
  const thr = val.map((s) => {
    const grey = new Float32Array(s.width * s.height).map((_, i) => (s.rgb[3 * i] + s.rgb[3 * i + 1] + s.rgb[3 * i + 2]) / 3);
    const median = Float32Array.from(grey).sort()[grey.length >> 1];
    return Uint8Array.from(grey, (g) => (g > median + 40 ? topClass : 0));
  });
  return {background: scoreMasks(bg, val, numClasses), threshold: scoreMasks(thr, val, numClasses), topClass};
}

/** Per-class IoU table (markdown). */
export function iouTable(r: pacc.metrics.MeanIoUResult, names: string[]): string {
  const rows = r.iou.map((v, c) => `| ${(names[c] ?? `class ${c}`).padEnd(12)} | ${Number.isNaN(v) ? '   n/a' : (100 * v).toFixed(2).padStart(6)} |`);
  return `| class        |  IoU % |\n|--------------|-------:|\n${rows.join('\n')}\n| **mIoU**     | ${(100 * r.mIoU).toFixed(2).padStart(6)} |`;
}

/** Writes `<dir>/seg_<name>.png`: image | ground truth overlay | prediction overlay, upscaled to ~384 px. */
export function drawOverlays(dir: string, samples: SegmentationSample[], preds: Uint8Array[], count = 6): string[] {
  mkdirSync(dir, {recursive: true});
  const cmap = vocColormap();
  return samples.slice(0, count).map((s, i) => {
    const img = {data: s.rgb, width: s.width, height: s.height};
    const k = Math.max(1, Math.round(384 / Math.max(s.width, s.height)));
    const row = hconcat([upscale(img, k), upscale(overlayMask(img, s.mask, cmap), k), upscale(overlayMask(img, preds[i], cmap), k)]);
    const file = join(dir, `seg_${s.name}.png`);
    writeRgbPng(file, row.data, row.width, row.height);
    return file;
  });
}

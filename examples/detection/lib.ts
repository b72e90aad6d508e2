// SSD detection example: data, training (official recipe, reduced augmentation), COCO evaluation, a trivial baseline and drawings.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {mkdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import * as pacc from '../../src/index';
import {BUNDLED_FASHION_MNIST} from '../shared/datasets';
import {hasCheckpoint, loadCheckpoint, loadOptimizers, saveCheckpoint} from '../shared/checkpoint';
import {CocoDataset, readCoco, sceneDetectionSamples} from '../shared/coco';
import {drawBox, drawText, hconcat, Rgb, textWidth, upscale} from '../shared/draw';
import {writeRgbPng} from '../shared/image_io';
import {permutation, seedEverything} from '../shared/seed';
import {CocoJson, toCoco, vocColormap} from '../shared/scenes';
import {parseDataArg, sceneSplit} from '../shared/task_data';
import {DetectionSample, normalisedCorners, resizeBytes, toModelInput} from '../shared/task_input';
import {buildDetector, TASK_BACKBONE_CHOICES} from '../shared/task_models';
import {GroupedAdamW, TaskEpoch, taskLoop} from '../shared/task_trainer';

/** Options shared by train.ts, eval.ts and demo.ts (node:util parseArgs specs). */
export const DATA_OPTIONS = {
  data: {type: 'string', default: 'synthetic', help: "'synthetic' (scenes of Fashion-MNIST items) or coco:<dir> (annotations/instances_<split>.json + <split>/ images)"},
  'train-split': {type: 'string', default: 'train', help: 'COCO split used for training (e.g. train2017)'},
  'val-split': {type: 'string', default: 'val', help: 'COCO split used for evaluation (e.g. val2017)'},
  items: {type: 'string', default: BUNDLED_FASHION_MNIST, help: 'Fashion-MNIST IDX folder the synthetic scenes take their items from'},
  'train-scenes': {type: 'number', default: 2000, int: true, min: 1, help: 'synthetic training scenes (or the first N COCO training images)'},
  'val-scenes': {type: 'number', default: 300, int: true, min: 1, help: 'synthetic validation scenes (or the first N COCO val images)'},
  'scene-size': {type: 'number', default: 128, int: true, min: 16, help: 'side of the synthetic canvases'},
  'scene-seed': {type: 'number', default: 1, int: true, help: 'seed of the synthetic scenes'},
  backend: {type: 'string', default: 'wasm', choices: ['wasm', 'cpu'], help: 'tfjs backend'},
} as const;

export interface DetData { samples: DetectionSample[]; gt: CocoJson; names: string[]; categoryIds: number[]; }

/** Loads one split of the data named by --data. */
export function loadDetData(a: {data: string; 'train-split': string; 'val-split': string; items: string; 'train-scenes': number; 'val-scenes': number; 'scene-size': number; 'scene-seed': number}, split: 'train' | 'val'): DetData {
  const d = parseDataArg(a.data, ['coco']);
  const limit = split === 'train' ? a['train-scenes'] : a['val-scenes'];
  if (d.kind === 'coco') {
    const c: CocoDataset = readCoco(resolve(d.dir!), split === 'train' ? a['train-split'] : a['val-split'], limit);
    return c;
  }
  const set = sceneSplit(split, {items: a.items, count: limit, size: a['scene-size'], seed: a['scene-seed']});
  return {samples: sceneDetectionSamples(set), gt: toCoco(set, split), names: set.categories, categoryIds: set.categories.map((_, k) => k + 1)};
}

/** A sample resized once to the training size (bytes) with its normalised corner boxes. */
interface Prepared { rgb: Uint8Array; corners: Float32Array; flipped: Float32Array; labels: Int32Array; }

function prepare(samples: DetectionSample[], size: number): Prepared[] {
  return samples.map((s) => ({
    rgb: resizeBytes(s.rgb, s.width, s.height, 3, size, size), corners: normalisedCorners(s), flipped: normalisedCorners(s, true), labels: s.labels,
  }));
}

/** Reduced photometric distortion: brightness ±32 and contrast 0.5–1.5, each with p = 0.5 (official also jitters saturation, hue and swaps channels). */
function photometric(x: Float32Array, offset: number, n: number) {
  const delta = Math.random() < 0.5 ? (Math.random() * 64 - 32) / 255 : 0;
  const contrast = Math.random() < 0.5 ? 0.5 + Math.random() : 1;
  if (delta === 0 && contrast === 1) return;
  for (let i = offset; i < offset + n; i++) x[i] = Math.min(1, Math.max(0, (x[i] + delta) * contrast));
}

interface DetBatch { x: tf.Tensor4D; labels: tf.Tensor2D; locations: tf.Tensor3D; dispose(): void; }

/** Inputs (BGR, /255, random flip + photometric when `augment`) and matched prior targets of a batch. */
function makeBatch(prep: Prepared[], idx: ArrayLike<number>, size: number, priors: Float32Array, augment: boolean): DetBatch {
  const a = priors.length / 4, n = idx.length, px = size * size * 3;
  const x = new Float32Array(n * px), labels = new Int32Array(n * a), locs = new Float32Array(n * a * 4);
  for (let b = 0; b < n; b++) {
    const p = prep[idx[b]];
    const flip = augment && Math.random() < 0.5;
    toModelInput(p.rgb, size, size, size, x, b * px, flip);
    if (augment) photometric(x, b * px, px);
    const m = pacc.detection.matchPriors(flip ? p.flipped : p.corners, p.labels, priors);
    labels.set(m.labels, b * a);
    locs.set(m.locations, b * a * 4);
  }
  const batch = {x: tf.tensor4d(x, [n, size, size, 3]), labels: tf.tensor2d(labels, [n, a], 'int32'), locations: tf.tensor3d(locs, [n, a, 4])};
  return {...batch, dispose: () => tf.dispose([batch.x, batch.labels, batch.locations])};
}

/** The official SSD recipe (config/detection/edgeformer/ssd_edgeformer_s.yaml) and what the short runs change. */
export const TRAIN_OPTIONS = {
  backbone: {type: 'string', default: 'scene', choices: TASK_BACKBONE_CHOICES, help: "'scene' = PaCC-Net XS design scaled to 128 px (examples/shared/task_models.ts) or a registry backbone for pacc.models.ssd"},
  size: {type: 'number', default: 128, int: true, min: 32, help: 'training / evaluation input side (official 320)'},
  epochs: {type: 'number', default: 10, int: true, min: 1, help: 'epochs (official 200)'},
  batch: {type: 'number', default: 16, int: true, min: 1, help: 'batch size (official 32 per GPU × 4)'},
  lr: {type: 'number', default: 0.003, min: 0, help: 'peak learning rate (official 0.0009; short from-scratch runs need more)'},
  'min-lr': {type: 'number', default: 1e-6, min: 0, help: 'cosine floor (official 1e-6)'},
  'warmup-steps': {type: 'number', default: 500, int: true, min: 0, help: 'linear warm-up iterations from lr/10 (official 500; at most half the run)'},
  'weight-decay': {type: 'number', default: 0.02, min: 0, help: 'AdamW decoupled weight decay on all parameters (official 0.02)'},
  'neg-pos': {type: 'number', default: 3, min: 0, help: 'hard negatives per positive in the multibox loss (official 3)'},
  ema: {type: 'number', default: 0.9995, min: 0, help: 'EMA decay of the trainable weights (official 0.9995, BN statistics included; 0 disables)'},
  'no-augment': {type: 'boolean', help: 'no flip / photometric distortion'},
  out: {type: 'string', default: 'out/detection', help: 'checkpoint folder (written every epoch)'},
  resume: {type: 'boolean', help: 'continue from the checkpoint in --out'},
  'max-batches': {type: 'number', default: 0, int: true, min: 0, help: 'stop each epoch after N batches (0 = all)'},
  seed: {type: 'number', default: 1, int: true, help: 'random seed (initialisation, shuffles, augmentation)'},
  ...DATA_OPTIONS,
} as const;

export type TrainArgs = {[K in keyof typeof TRAIN_OPTIONS]: (typeof TRAIN_OPTIONS)[K]['type'] extends 'number' ? number : (typeof TRAIN_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string};

export interface DetTrainResult { model: LayersModel; history: TaskEpoch[]; names: string[]; categoryIds: number[]; out: string; }

async function setupBackend(name: string) {
  await tf.setBackend(name);
  // tfjs-wasm 4.22's own conv input gradient is a scalar loop; ours is SIMD (same results, faster steps).
  if (name === 'wasm') pacc.useFastWasmConv2DBackpropInput();
  await tf.ready();
}

/** Trains (or resumes) a detector; writes `<out>/{model,optimizer*,ema,state.json}` after every epoch. */
export async function trainDetection(a: TrainArgs): Promise<DetTrainResult> {
  seedEverything(a.seed);
  await setupBackend(a.backend);
  const out = resolve(a.out);
  const t0 = performance.now();
  const data = loadDetData(a, 'train');
  if (data.samples.length === 0) throw new Error('the training split holds no images');
  const numClasses = data.names.length + 1;
  console.log(`detection data: ${data.samples.length} training images (${a.data}), ${numClasses - 1} classes + background, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let model: LayersModel, opt: GroupedAdamW, startEpoch = 0, history: TaskEpoch[] = [], emaInit: tf.Tensor[] | undefined;
  if (a.resume) {
    if (!hasCheckpoint(out)) throw new Error(`--resume: no checkpoint in ${out} (state.json missing)`);
    const ck = await loadCheckpoint<TaskEpoch>(out, []);
    const saved = ck.state.args as {backbone?: string; size?: number; numClasses?: number};
    if (saved.backbone !== a.backbone || saved.size !== a.size || saved.numClasses !== numClasses) {
      throw new Error(`--resume: ${out} holds a ${saved.backbone} SSD at ${saved.size} px with ${saved.numClasses} classes; this run asks for ${a.backbone} at ${a.size} px with ${numClasses}`);
    }
    model = ck.model;
    opt = new GroupedAdamW(model, a['weight-decay']);
    await loadOptimizers(out, opt.optimizers);
    startEpoch = ck.state.epoch; history = ck.state.history; emaInit = ck.ema;
    console.log(`resumed ${out} at epoch ${startEpoch}`);
  } else {
    model = buildDetector(a.backbone, numClasses, a.size);
    opt = new GroupedAdamW(model, a['weight-decay']);
  }
  const outShapes = model.outputs.map((o) => o.shape);
  const priors = pacc.detection.ssdAnchors(a.size, a.size);
  if (outShapes[0][1] !== priors.length / 4) throw new Error(`the model predicts ${outShapes[0][1]} priors but the SSD anchors at ${a.size}×${a.size} are ${priors.length / 4}`);
  console.log(`SSD (${a.backbone}): ${model.countParams().toLocaleString('en')} params, input ${a.size}×${a.size}, ${priors.length / 4} priors, backend ${tf.getBackend()}`);
  const prep = prepare(data.samples, a.size);
  const cfg = {epochs: a.epochs, batchSize: a.batch, lr: a.lr, minLr: a['min-lr'], warmupInit: a.lr / 10, warmupSteps: a['warmup-steps'], emaDecay: a.ema, maxBatches: a['max-batches']};
  const state = {backbone: a.backbone, size: a.size, numClasses, names: data.names, categoryIds: data.categoryIds};
  await taskLoop(model, prep.length, cfg, opt,
    (idx) => makeBatch(prep, idx, a.size, priors, !a['no-augment']),
    (b) => {
      const [conf, loc] = model.apply(b.x, {training: true}) as tf.Tensor[];
      return pacc.detection.multiboxLoss(conf, loc, b.labels, b.locations, {negPosRatio: a['neg-pos']});
    },
    {title: `SSD ${a.backbone}`, startEpoch, emaInit, shuffle: permutation, onEpoch: async (s, ema) => {
      history.push(s);
      await saveCheckpoint(out, model, opt.optimizers, ema?.tensors, {epoch: s.epoch, history, args: {...a, ...state}});
      process.stderr.write(`  checkpoint: ${out}\n`);
    }}).then(({ema}) => {
    // Leave the EMA weights in the returned model (what eval.ts loads from the checkpoint too).
    if (ema) { model.trainableWeights.forEach((w, i) => w.write(ema.tensors[i])); ema.dispose(); }
  });
  tf.dispose(emaInit ?? []);
  return {model, history, names: data.names, categoryIds: data.categoryIds, out};
}

/** Loads a training checkpoint for evaluation: the model with the EMA weights (unless `live`), and the saved settings. */
export async function loadDetector(dir: string, live = false): Promise<{model: LayersModel; size: number; names: string[]; categoryIds: number[]; backbone: string}> {
  if (!hasCheckpoint(dir)) throw new Error(`--checkpoint: no training checkpoint in ${dir} (state.json missing; run examples/detection/train.ts first)`);
  const ck = await loadCheckpoint<TaskEpoch>(dir, []);
  const s = ck.state.args as {size: number; names: string[]; categoryIds: number[]; backbone: string};
  if (ck.ema && !live) {
    if (ck.ema.length !== ck.model.trainableWeights.length) throw new Error(`${dir}: EMA holds ${ck.ema.length} tensors, the model ${ck.model.trainableWeights.length} trainable weights (a checkpoint of an older version? evaluate it with --live)`);
    ck.model.trainableWeights.forEach((w, i) => w.write(ck.ema![i]));
  }
  tf.dispose(ck.ema ?? []);
  return {model: ck.model, size: s.size, names: s.names, categoryIds: s.categoryIds, backbone: s.backbone};
}

export type DetOutput = {image_id: number | string; category_id: number; bbox: number[]; score: number};

/**
 * Runs the detector on samples as the official evaluation: each image resized to the input size
 * (BGR, /255), `pacc.detection.postprocess` (softmax, decode, per-class threshold + NMS 0.5 + top 200),
 * boxes scaled to the image's own size and clipped, COCO [x, y, w, h], contiguous label → category id.
 */
export function detect(model: LayersModel, samples: DetectionSample[], size: number, categoryIds: number[], opts: {confidenceThreshold?: number; batchSize?: number} = {}): DetOutput[] {
  const priors = pacc.detection.ssdAnchors(size, size);
  const results: DetOutput[] = [];
  const bs = opts.batchSize ?? 32, px = size * size * 3;
  for (let s = 0; s < samples.length; s += bs) {
    const part = samples.slice(s, s + bs);
    const x = new Float32Array(part.length * px);
    part.forEach((smp, b) => toModelInput(smp.rgb, smp.width, smp.height, size, x, b * px));
    const input = tf.tensor4d(x, [part.length, size, size, 3]);
    const [conf, loc] = model.predict(input) as tf.Tensor[];
    const dets = pacc.detection.postprocess(conf, loc, priors, {confidenceThreshold: opts.confidenceThreshold ?? 0.05, nmsIouThreshold: 0.5, topK: 200});
    tf.dispose([input, conf, loc]);
    dets.forEach((d, b) => {
      const smp = part[b];
      const boxes = d.boxes.dataSync(), scores = d.scores.dataSync(), labels = d.labels.dataSync();
      for (let k = 0; k < scores.length; k++) {
        const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
        const x1 = clip(boxes[4 * k] * smp.width, smp.width), y1 = clip(boxes[4 * k + 1] * smp.height, smp.height);
        const x2 = clip(boxes[4 * k + 2] * smp.width, smp.width), y2 = clip(boxes[4 * k + 3] * smp.height, smp.height);
        results.push({image_id: smp.imageId, category_id: categoryIds[labels[k] - 1], bbox: [x1, y1, x2 - x1, y2 - y1], score: scores[k]});
      }
      tf.dispose([d.boxes, d.scores, d.labels]);
    });
  }
  return results;
}

/**
 * The trivial baseline: one box per image, of the most frequent training class, centred, with the
 * mean training box size (relative to the image); what a detector that ignores the pixels would do.
 */
export function centreBoxBaseline(train: DetectionSample[], categoryIds: number[], val: DetectionSample[]): DetOutput[] {
  const counts = new Map<number, number>();
  let rw = 0, rh = 0, n = 0;
  for (const s of train) {
    s.labels.forEach((l, i) => {
      counts.set(l, (counts.get(l) ?? 0) + 1);
      rw += s.boxes[4 * i + 2] / s.width; rh += s.boxes[4 * i + 3] / s.height; n++;
    });
  }
  const top = [...counts.entries()].sort((p, q) => q[1] - p[1] || p[0] - q[0])[0]?.[0] ?? 1;
  rw /= Math.max(1, n); rh /= Math.max(1, n);
  return val.map((s) => ({image_id: s.imageId, category_id: categoryIds[top - 1], bbox: [(0.5 - rw / 2) * s.width, (0.5 - rh / 2) * s.height, rw * s.width, rh * s.height], score: 1}));
}

/**
 * The prior-only baseline: how often each (prior, class) pair is a positive match on the training
 * images, turned into the same 100 scored boxes for every validation image; it knows where objects of
 * each class tend to be and how big, but never looks at the pixels.
 */
export function priorOnlyBaseline(train: DetectionSample[], val: DetectionSample[], categoryIds: number[], size: number, keep = 100): DetOutput[] {
  const priors = pacc.detection.ssdAnchors(size, size), a = priors.length / 4, k = categoryIds.length + 1;
  const freq = new Float64Array(a * k);
  for (const s of train) {
    const m = pacc.detection.matchPriors(normalisedCorners(s), s.labels, priors);
    m.labels.forEach((l, p) => { if (l > 0) freq[p * k + l]++; });
  }
  const top = Array.from(freq.keys()).filter((i) => freq[i] > 0).sort((p, q) => freq[q] - freq[p] || p - q).slice(0, keep);
  return val.flatMap((s) => top.map((i) => {
    const p = Math.floor(i / k), [cx, cy, w, h] = priors.subarray(4 * p, 4 * p + 4);
    const x1 = Math.max(0, cx - w / 2) * s.width, y1 = Math.max(0, cy - h / 2) * s.height;
    const x2 = Math.min(1, cx + w / 2) * s.width, y2 = Math.min(1, cy + h / 2) * s.height;
    return {image_id: s.imageId, category_id: categoryIds[(i % k) - 1], bbox: [x1, y1, x2 - x1, y2 - y1], score: freq[i] / train.length};
  }));
}

function boxIou(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0])), ih = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  return iw * ih / (a[2] * a[3] + b[2] * b[3] - iw * ih || 1);
}

export const COCO_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;
const COCO_LABELS = [
  'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]', 'Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]',
  'Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]', 'Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]',
  'Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]', 'Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]',
];

/** The 12 COCO numbers in pycocotools' summary layout. */
export function formatCoco(stats: pacc.metrics.CocoStats): string {
  return COCO_NAMES.map((k, i) => ` ${COCO_LABELS[i]} = ${stats[k].toFixed(3)}`).join('\n');
}

/**
 * Draws the first `count` images (upscaled to ~384 px): ground truth on the left (thin white), on the
 * right the `maxPerImage` best detections with score ≥ `minScore` that do not overlap a better one,
 * in their class colour with "NAME .87"; writes `<dir>/det_<id>.png`.
 */
export function drawDetections(dir: string, samples: DetectionSample[], dets: DetOutput[], names: string[], categoryIds: number[], count = 6, minScore = 0.1, maxPerImage = 5): string[] {
  mkdirSync(dir, {recursive: true});
  const cmap = vocColormap();
  const files: string[] = [];
  for (const s of samples.slice(0, count)) {
    const k = Math.max(1, Math.round(384 / Math.max(s.width, s.height)));
    const pred = upscale({data: s.rgb, width: s.width, height: s.height}, k);
    const gt: Rgb = {...pred, data: pred.data.slice()};
    for (let i = 0; i < s.labels.length; i++) {
      const [x, y, w, h] = s.boxes.subarray(4 * i, 4 * i + 4);
      drawBox(gt, k * x, k * y, k * (x + w) - 1, k * (y + h) - 1, [255, 255, 255], 1);
      drawText(gt, k * x, Math.max(1, k * y - 9), names[s.labels[i] - 1], [255, 255, 255]);
    }
    // For the eye only: the best few boxes, one per place (class-agnostic overlap > 0.5 dropped), lowest drawn first.
    const shown: DetOutput[] = [];
    for (const d of dets.filter((d) => d.image_id === s.imageId && d.score >= minScore).sort((p, q) => q.score - p.score)) {
      if (shown.length < maxPerImage && !shown.some((e) => boxIou(e.bbox, d.bbox) > 0.5)) shown.push(d);
    }
    for (const d of shown.reverse()) {
      const label = categoryIds.indexOf(d.category_id) + 1;
      const color = [cmap[3 * label], cmap[3 * label + 1], cmap[3 * label + 2]].map((v) => Math.max(v, 90));
      const [x, y, w, h] = d.bbox;
      drawBox(pred, k * x, k * y, k * (x + w) - 1, k * (y + h) - 1, color, 2);
      const text = `${names[label - 1]} ${d.score.toFixed(2).replace(/^0/, '')}`;
      drawText(pred, Math.min(k * x, pred.width - textWidth(text)), Math.max(1, k * y - 9), text, [0, 0, 0], color);
    }
    const file = join(dir, `det_${String(s.imageId)}.png`);
    const both = hconcat([gt, pred]);
    writeRgbPng(file, both.data, both.width, both.height);
    files.push(file);
  }
  return files;
}

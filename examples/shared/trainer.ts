// A training loop with the official recipe's pieces: AdamW, cosine schedule with warm-up, label smoothing, weight EMA.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel, LayerVariable} from '@tensorflow/tfjs-layers';
import {ProgressBar} from './progress';
import {permutation} from './seed';

/** In-memory labelled images, uint8 HW(C) per image. */
export interface Dataset { images: Uint8Array; labels: Uint8Array | Uint16Array; count: number; height: number; width: number; channels: number; }

export interface TrainConfig {
  epochs: number; batchSize: number; lr: number; weightDecay: number; warmupEpochs: number;
  labelSmoothing: number; emaDecay: number; numClasses: number;
  /** Side length the images are zero-padded (centred) to, e.g. 28 -> 32. */
  size: number;
  /** Stop each epoch after this many batches (tests / quick runs); 0 = all. */
  maxBatches?: number;
}

export interface EpochStats {
  epoch: number; loss: number; trainAcc: number; testAcc: number; seconds: number; imagesPerSec: number;
  /** [fractional epoch, mean loss of the last ~1/10 epoch] for training curves. */
  lossCurve: [number, number][];
  /** [fractional epoch, test accuracy on the first `evalImages` test images] every `evalEvery` epoch (with that option). */
  accCurve?: [number, number][];
}

/** Float32 batch [B, size, size, C] in [0,1] and int labels, images centred in the padded square. */
export function makeBatch(ds: Dataset, idx: ArrayLike<number>, size: number): {x: tf.Tensor4D; y: tf.Tensor1D} {
  const {height: h, width: w, channels: c} = ds;
  const oy = Math.floor((size - h) / 2), ox = Math.floor((size - w) / 2);
  const buf = new Float32Array(idx.length * size * size * c);
  const labels = new Int32Array(idx.length);
  for (let b = 0; b < idx.length; b++) {
    const src = idx[b] * h * w * c;
    labels[b] = ds.labels[idx[b]];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w * c; j++) buf[((b * size + i + oy) * size + ox) * c + j] = ds.images[src + i * w * c + j] / 255;
    }
  }
  return {x: tf.tensor4d(buf, [idx.length, size, size, c]), y: tf.tensor1d(labels, 'int32')};
}

/** Learning rate at `step`: linear warm-up, then cosine decay to 0 (the official schedule's shape). */
export function cosineLr(base: number, step: number, warmup: number, total: number): number {
  if (step < warmup) return base * (step + 1) / warmup;
  const t = (step - warmup) / Math.max(1, total - warmup);
  return 0.5 * base * (1 + Math.cos(Math.PI * Math.min(1, t)));
}

/** Exponential moving average of the trainable weights, swapped in for evaluation. */
export class WeightEma {
  private shadow: tf.Variable[];
  /** `initial` restores a saved EMA (resume); otherwise it starts from the live weights. */
  constructor(private readonly weights: LayerVariable[], private readonly decay: number, initial?: tf.Tensor[]) {
    this.shadow = weights.map((w, i) => tf.variable(initial?.[i] ?? w.read(), false));
  }
  get tensors(): tf.Tensor[] { return this.shadow; }
  update() {
    tf.tidy(() => this.weights.forEach((w, i) => this.shadow[i].assign(tf.add(tf.mul(this.shadow[i], this.decay), tf.mul(w.read(), 1 - this.decay)))));
  }
  /** Runs `fn` with the EMA weights in the model, then restores the live weights. */
  async withEma<T>(fn: () => Promise<T> | T): Promise<T> {
    const live = this.weights.map((w) => w.read().clone());
    this.weights.forEach((w, i) => w.write(this.shadow[i]));
    try {
      return await fn();
    } finally {
      this.weights.forEach((w, i) => w.write(live[i]));
      tf.dispose(live);
    }
  }
  dispose() { tf.dispose(this.shadow); }
}

/** Top-1 accuracy (and logits-based predictions) over a dataset, in batches. */
export function evaluate(model: LayersModel, ds: Dataset, size: number, batchSize = 100, maxBatches = 0): {acc: number; predictions: Int32Array; msPerImage: number} {
  const n = maxBatches ? Math.min(ds.count, maxBatches * batchSize) : ds.count;
  const predictions = new Int32Array(n);
  let correct = 0;
  const t0 = performance.now();
  for (let s = 0; s < n; s += batchSize) {
    const idx = Array.from({length: Math.min(batchSize, n - s)}, (_, i) => s + i);
    const pred = tf.tidy(() => {
      const {x} = makeBatch(ds, idx, size);
      return tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync() as Int32Array;
    });
    pred.forEach((p: number, i: number) => {
      predictions[s + i] = p;
      if (p === ds.labels[s + i]) correct++;
    });
  }
  return {acc: correct / n, predictions, msPerImage: (performance.now() - t0) / n};
}

/**
 * One optimisation step on a batch (disposed here): AdamW at rate `lr` (decoupled decay of the
 * `decayed` weights), label-smoothed cross-entropy. Returns the batch loss and correct count.
 * Shared by `train` below and the browser demo's step-by-step loop.
 */
export function trainStep(
    model: LayersModel, optimizer: tf.Optimizer, batch: {x: tf.Tensor4D; y: tf.Tensor1D},
    cfg: Pick<TrainConfig, 'numClasses' | 'labelSmoothing' | 'weightDecay'>, lr: number,
    decayed: LayerVariable[] = model.trainableWeights.filter((w) => w.shape.length > 1)): {loss: number; hits: number} {
  const weights = model.trainableWeights;
  // tfjs optimizers keep the rate in a protected field read at every step.
  (optimizer as unknown as {learningRate: number}).learningRate = lr;
  return tf.tidy(() => {
    const {x, y} = batch;
    const onehot = tf.oneHot(y, cfg.numClasses);
    let hitsT: tf.Tensor | undefined;
    const value = optimizer.minimize(() => {
      const logits = model.apply(x, {training: true}) as tf.Tensor;
      // minimize() disposes everything but the loss, so the accuracy count is kept explicitly.
      hitsT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'int32')));
      return tf.losses.softmaxCrossEntropy(onehot, logits, undefined, cfg.labelSmoothing) as tf.Scalar;
    }, true, weights.map((w) => (w as unknown as {val: tf.Variable}).val))!;
    const hits = hitsT!.dataSync()[0];
    hitsT!.dispose();
    if (cfg.weightDecay > 0) for (const w of decayed) w.write(tf.mul(w.read(), 1 - lr * cfg.weightDecay));
    tf.dispose([x, y]);
    return {loss: value.dataSync()[0], hits};
  });
}

/**
 * Trains `model` in place. Weight decay is decoupled (AdamW) and skips rank-1
 * weights (biases, BN, pe vectors) as timm/cvnets do. Returns per-epoch stats.
 */
export async function train(
    model: LayersModel, trainSet: Dataset, testSet: Dataset, cfg: TrainConfig,
    opts: {
      title?: string; onEpoch?: (s: EpochStats, ema?: WeightEma) => Promise<void> | void; startEpoch?: number; optimizer?: tf.AdamOptimizer; emaInit?: tf.Tensor[];
      /** Also evaluate every this fraction of an epoch (e.g. 0.25) on the first `evalImages` test images (default 500), for accuracy curves. */
      evalEvery?: number; evalImages?: number;
    } = {}): Promise<{history: EpochStats[]; ema?: WeightEma; optimizer: tf.AdamOptimizer}> {
  const optimizer = opts.optimizer ?? tf.train.adam(cfg.lr, 0.9, 0.999, 1e-8);
  const weights = model.trainableWeights;
  const decayed = weights.filter((w) => w.shape.length > 1);
  const ema = cfg.emaDecay > 0 ? new WeightEma(weights, cfg.emaDecay, opts.emaInit) : undefined;
  const perEpoch = Math.ceil(trainSet.count / cfg.batchSize);
  const batches = cfg.maxBatches ? Math.min(cfg.maxBatches, perEpoch) : perEpoch;
  const totalSteps = cfg.epochs * batches;
  const warmup = Math.round(cfg.warmupEpochs * batches);
  const history: EpochStats[] = [];
  for (let epoch = opts.startEpoch ?? 0; epoch < cfg.epochs; epoch++) {
    const order = permutation(trainSet.count);
    const bar = new ProgressBar(`${opts.title ?? 'train'} epoch ${epoch + 1}/${cfg.epochs}`, batches);
    const t0 = performance.now();
    let lossSum = 0, correct = 0, seen = 0, chunkSum = 0, chunkN = 0, evalMs = 0;
    const lossCurve: [number, number][] = [];
    const chunk = Math.max(1, Math.round(batches / 10));
    const accCurve: [number, number][] = [];
    const evalChunk = opts.evalEvery ? Math.max(1, Math.round(batches * opts.evalEvery)) : 0;
    const subsetAcc = () => evaluate(model, testSet, cfg.size, 100, Math.ceil((opts.evalImages ?? 500) / 100)).acc;
    for (let b = 0; b < batches; b++) {
      const step = epoch * batches + b;
      const lr = cosineLr(cfg.lr, step, warmup, totalSteps);
      const idx = order.subarray(b * cfg.batchSize, Math.min((b + 1) * cfg.batchSize, trainSet.count));
      const {loss, hits} = trainStep(model, optimizer, makeBatch(trainSet, idx, cfg.size), cfg, lr, decayed);
      ema?.update();
      lossSum += loss * idx.length;
      chunkSum += loss;
      chunkN++;
      if (chunkN === chunk || b === batches - 1) {
        lossCurve.push([epoch + (b + 1) / batches, chunkSum / chunkN]);
        chunkSum = chunkN = 0;
      }
      // Within-epoch evaluation points (the end of the epoch gets one too, on the same subset).
      if (evalChunk && ((b + 1) % evalChunk === 0 || b === batches - 1)) {
        const e0 = performance.now();
        accCurve.push([epoch + (b + 1) / batches, ema ? await ema.withEma(subsetAcc) : subsetAcc()]);
        evalMs += performance.now() - e0; // not training time
      }
      correct += hits;
      seen += idx.length;
      const secs = (performance.now() - t0 - evalMs) / 1000;
      bar.update(b + 1, {loss: lossSum / seen, acc: correct / seen, 'img/s': seen / secs, lr});
    }
    const seconds = (performance.now() - t0 - evalMs) / 1000;
    const evalModel = () => evaluate(model, testSet, cfg.size, 100, cfg.maxBatches ? 2 : 0).acc;
    const testAcc = ema ? await ema.withEma(evalModel) : evalModel();
    const stats: EpochStats = {epoch: epoch + 1, loss: lossSum / seen, trainAcc: correct / seen, testAcc, seconds, imagesPerSec: seen / seconds, lossCurve, ...(evalChunk ? {accCurve} : {})};
    history.push(stats);
    process.stderr.write(`  epoch ${epoch + 1}: loss ${stats.loss.toFixed(4)}  train acc ${stats.trainAcc.toFixed(4)}  test acc ${testAcc.toFixed(4)}${ema ? ' (EMA weights)' : ''}\n`);
    await opts.onEpoch?.(stats, ema);
  }
  return {history, ema, optimizer};
}

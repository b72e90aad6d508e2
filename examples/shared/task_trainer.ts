// Training pieces shared by the detection and segmentation examples: AdamW with parameter groups (head LR ×k), the official warm-up + cosine schedule, epoch loop with progress and loss curve.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel, LayerVariable} from '@tensorflow/tfjs-layers';
import {ProgressBar} from './progress';
import {WeightEma} from './trainer';

/**
 * The official task schedule (cvnets cosine with warm-up): linear from `warmupInit` to `base` over
 * `warmupSteps`, then cosine from `base` to `min` over the remaining steps. The official cosine steps
 * once per epoch; here it steps every iteration (the short runs have few epochs).
 */
export function taskLr(step: number, o: {base: number; min: number; warmupInit: number; warmupSteps: number; totalSteps: number}): number {
  if (step < o.warmupSteps) return o.warmupInit + (o.base - o.warmupInit) * step / o.warmupSteps;
  const t = Math.min(1, (step - o.warmupSteps) / Math.max(1, o.totalSteps - o.warmupSteps));
  return o.min + 0.5 * (o.base - o.min) * (1 + Math.cos(Math.PI * t));
}

interface Group { vars: LayerVariable[]; optimizer: tf.AdamOptimizer; lrMult: number; }

/**
 * AdamW (β 0.9 / 0.999, eps 1e-8, decoupled weight decay `p ← p − lr·wd·p` as torch.optim.AdamW) over
 * parameter groups: the trainable weights whose layer name starts with one of `headPrefixes` get
 * `headLrMult` × the learning rate (the official segmentation head's `lr_multiplier: 10`). Each group
 * has its own Adam state, so a checkpoint stores one optimizer per group (`optimizers`).
 */
export class GroupedAdamW {
  readonly groups: Group[];

  constructor(model: LayersModel, private readonly weightDecay: number, opts: {headPrefixes?: string[]; headLrMult?: number} = {}) {
    const isHead = (w: LayerVariable) => (opts.headPrefixes ?? []).some((p) => w.originalName.startsWith(p) || w.name.startsWith(p));
    const head = model.trainableWeights.filter(isHead), body = model.trainableWeights.filter((w) => !isHead(w));
    this.groups = [{vars: body, optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-8), lrMult: 1}];
    if (head.length) this.groups.push({vars: head, optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-8), lrMult: opts.headLrMult ?? 1});
    if (opts.headPrefixes?.length && !head.length) throw new Error(`GroupedAdamW: no trainable weight starts with ${opts.headPrefixes.join(' or ')}`);
  }

  get optimizers(): tf.AdamOptimizer[] { return this.groups.map((g) => g.optimizer); }

  /** One step on `loss()` at base rate `lr`; returns the loss value. The loss function's tensors are disposed. */
  step(loss: () => tf.Scalar, lr: number): number {
    return tf.tidy(() => {
      const all = this.groups.flatMap((g) => g.vars.map((w) => (w as unknown as {val: tf.Variable}).val));
      const {value, grads} = tf.variableGrads(loss, all);
      for (const g of this.groups) {
        const rate = lr * g.lrMult;
        // tfjs optimizers keep the rate in a protected field read at every step.
        (g.optimizer as unknown as {learningRate: number}).learningRate = rate;
        const mine: {name: string; tensor: tf.Tensor}[] = [];
        for (const w of g.vars) {
          const v = (w as unknown as {val: tf.Variable}).val;
          mine.push({name: v.name, tensor: grads[v.name]});
        }
        g.optimizer.applyGradients(mine);
        if (this.weightDecay > 0) for (const w of g.vars) w.write(tf.mul(w.read(), 1 - rate * this.weightDecay));
      }
      return value.dataSync()[0];
    });
  }

  dispose() { this.optimizers.forEach((o) => o.dispose()); }
}

export interface TaskEpoch { epoch: number; loss: number; seconds: number; cpuSeconds: number; imagesPerSec: number; lossCurve: [number, number][]; lr: number; }

export interface TaskLoopConfig {
  epochs: number; batchSize: number; lr: number; minLr: number; warmupInit: number; warmupSteps: number; emaDecay: number;
  /** Stop each epoch after this many batches (tests / quick runs); 0 = all. */
  maxBatches?: number;
}

/**
 * The epoch loop of both task examples: shuffled batches from `makeBatch(indices)` → `lossOf(batch)`,
 * one GroupedAdamW step each, EMA of the trainable weights, a progress bar and a loss curve (~10 points per epoch). `onEpoch` saves checkpoints.
 */
export async function taskLoop<B extends {dispose(): void}>(
    model: LayersModel, count: number, cfg: TaskLoopConfig, optimizer: GroupedAdamW,
    makeBatch: (idx: Int32Array) => B, lossOf: (batch: B) => tf.Scalar,
    opts: {title: string; startEpoch?: number; emaInit?: tf.Tensor[]; onEpoch?: (s: TaskEpoch, ema?: WeightEma) => Promise<void> | void; shuffle: (n: number) => Int32Array}): Promise<{ema?: WeightEma}> {
  const perEpoch = Math.ceil(count / cfg.batchSize);
  const batches = cfg.maxBatches ? Math.min(cfg.maxBatches, perEpoch) : perEpoch;
  const totalSteps = cfg.epochs * batches;
  // EMA of the trainable weights only: the official EMA also averages the BN statistics, but with these
  // short runs that collapsed both demos to near-trivial scores (docs/examples.md has the numbers).
  const ema = cfg.emaDecay > 0 ? new WeightEma(model.trainableWeights, cfg.emaDecay, opts.emaInit) : undefined;
  const sched = {base: cfg.lr, min: cfg.minLr, warmupInit: cfg.warmupInit, warmupSteps: Math.min(cfg.warmupSteps, Math.floor(totalSteps / 2)), totalSteps};
  for (let epoch = opts.startEpoch ?? 0; epoch < cfg.epochs; epoch++) {
    const order = opts.shuffle(count);
    const bar = new ProgressBar(`${opts.title} epoch ${epoch + 1}/${cfg.epochs}`, batches);
    const t0 = performance.now(), c0 = process.cpuUsage();
    let lossSum = 0, seen = 0, chunkSum = 0, chunkN = 0, lr = 0;
    const lossCurve: [number, number][] = [];
    const chunk = Math.max(1, Math.round(batches / 10));
    for (let b = 0; b < batches; b++) {
      lr = taskLr(epoch * batches + b, sched);
      const idx = order.subarray(b * cfg.batchSize, Math.min((b + 1) * cfg.batchSize, count));
      const batch = makeBatch(idx);
      let loss: number;
      try {
        loss = optimizer.step(() => lossOf(batch), lr);
      } finally {
        batch.dispose();
      }
      if (!Number.isFinite(loss)) throw new Error(`${opts.title}: the loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1} (learning rate ${lr.toExponential(2)}); try a lower --lr`);
      ema?.update();
      lossSum += loss * idx.length; seen += idx.length; chunkSum += loss; chunkN++;
      if (chunkN === chunk || b === batches - 1) { lossCurve.push([epoch + (b + 1) / batches, chunkSum / chunkN]); chunkSum = chunkN = 0; }
      bar.update(b + 1, {loss: lossSum / seen, 'img/s': seen / ((performance.now() - t0) / 1000), lr});
    }
    const seconds = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
    const stats: TaskEpoch = {epoch: epoch + 1, loss: lossSum / seen, seconds, cpuSeconds: (c.user + c.system) / 1e6, imagesPerSec: seen / seconds, lossCurve, lr};
    process.stderr.write(`  epoch ${epoch + 1}: loss ${stats.loss.toFixed(4)}  ${seconds.toFixed(1)} s (CPU ${stats.cpuSeconds.toFixed(1)} s)\n`);
    await opts.onEpoch?.(stats, ema);
  }
  return {ema};
}

// Helpers for the training tests: the same model, weights and batches trained on two backends, loss by loss.
import * as tf from '@tensorflow/tfjs';
import {expect} from 'vitest';
import {rng} from '../util/compare';

export interface Trajectory { losses: number[]; leaked: number; }

/**
 * Trains `model` from its current weights for `steps` SGD steps on `backend` (a fresh
 * optimizer, the same batch each step) and restores those weights afterwards, so two
 * calls start from the same point. `leaked` is the change of tf.memory().numTensors
 * between the end of step 1 and the end of the last step (optimizer state is made in step 1).
 */
export async function trainOn(
    backend: string, model: tf.LayersModel, xs: Float32Array, ys: Float32Array, batchShape: number[], classes: number,
    steps: number, logits: boolean, lr = 0.01): Promise<Trajectory> {
  expect(await tf.setBackend(backend)).toBe(true);
  const initial = model.getWeights().map((w) => ({values: w.dataSync().slice(), shape: w.shape}));
  // Re-create the weights on this backend: tfjs-wasm 4.22 kernels that go straight to a heap
  // view (Identity via a no-op Transpose) crash with "detached ArrayBuffer" when their input
  // still lives on another backend and moving it grows the heap.
  const here = initial.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(here);
  tf.dispose(here);
  const loss = logits ? (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp) : 'categoricalCrossentropy';
  model.compile({optimizer: tf.train.sgd(lr), loss});
  const x = tf.tensor(xs, batchShape), y = tf.tensor2d(ys, [batchShape[0], classes]);
  const losses: number[] = [];
  let afterFirst = 0;
  for (let s = 0; s < steps; s++) {
    losses.push(await model.trainOnBatch(x, y) as number);
    if (s === 0) afterFirst = tf.memory().numTensors;
  }
  const leaked = tf.memory().numTensors - afterFirst;
  tf.dispose([x, y]);
  (model.optimizer as tf.Optimizer).dispose();
  const restore = initial.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(restore);
  tf.dispose(restore);
  return {losses, leaked};
}

/** A random batch: normal inputs and one-hot labels cycling through the classes. */
export function randomBatch(seed: number, batchShape: number[], classes: number) {
  const r = rng(seed);
  const xs = r.normal(batchShape.reduce((a, b) => a * b));
  const ys = new Float32Array(batchShape[0] * classes);
  for (let i = 0; i < batchShape[0]; i++) ys[i * classes + (i % classes)] = 1;
  return {xs, ys};
}

/**
 * Dropout draws different masks on each backend, so the two trajectories could never
 * agree: set every dropout rate of the model (tfjs Dropout's `rate`, our layers'
 * `ffnDropout` / `attnDropout` / `dropout`) to 0. Returns how many were changed.
 */
export function disableDropout(model: tf.LayersModel): number {
  let changed = 0;
  for (const layer of model.layers) {
    const l = layer as unknown as Record<string, unknown>;
    for (const key of ['rate', 'ffnDropout', 'attnDropout', 'dropout']) {
      if (typeof l[key] === 'number' && l[key] !== 0) { l[key] = 0; changed++; }
    }
  }
  return changed;
}

/**
 * Trains on cpu then wasm from the same weights and checks the loss trajectories agree and
 * nothing leaks. `logits`: the model outputs logits (softmax cross-entropy), else probabilities.
 */
export async function expectSameTrajectory(
    model: tf.LayersModel, batchShape: number[], classes: number, steps: number, rtol: number, logits: boolean,
    lr = 0.01, seed = 7) {
  const {xs, ys} = randomBatch(seed, batchShape, classes);
  const cpu = await trainOn('cpu', model, xs, ys, batchShape, classes, steps, logits, lr);
  const wasm = await trainOn('wasm', model, xs, ys, batchShape, classes, steps, logits, lr);
  for (let s = 0; s < steps; s++) {
    const rel = Math.abs(wasm.losses[s] - cpu.losses[s]) / Math.abs(cpu.losses[s]);
    expect(rel, `step ${s}: wasm loss ${wasm.losses[s]} vs cpu ${cpu.losses[s]}`).toBeLessThanOrEqual(rtol);
  }
  // The steps did train: the loss moved (so equal trajectories are not two frozen models).
  expect(cpu.losses[steps - 1]).not.toBe(cpu.losses[0]);
  expect(wasm.leaked, 'tensors leaked per wasm training step').toBe(0);
  expect(cpu.leaked, 'tensors leaked per cpu training step').toBe(0);
  return {cpu: cpu.losses, wasm: wasm.losses};
}

/**
 * Gradients of every trainable weight for softmax cross-entropy (logits) or categorical
 * cross-entropy (probabilities) at the model's current weights, in training mode, on `backend`.
 */
export async function weightGrads(
    backend: string, model: tf.LayersModel, xs: Float32Array, ys: Float32Array, batchShape: number[], classes: number,
    logits: boolean, training = true): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const values = model.getWeights().map((w) => ({values: w.dataSync().slice(), shape: w.shape}));
  const here = values.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(here);
  tf.dispose(here);
  return tf.tidy(() => {
    const x = tf.tensor(xs, batchShape), y = tf.tensor2d(ys, [batchShape[0], classes]);
    const loss = () => {
      const out = model.apply(x, {training}) as tf.Tensor;
      return (logits ? tf.losses.softmaxCrossEntropy(y, out) : tf.metrics.categoricalCrossentropy(y, out).mean()) as tf.Scalar;
    };
    const vars = model.trainableWeights.map((w) => (w as unknown as {val: tf.Variable}).val);
    const {grads} = tf.variableGrads(loss, vars);
    return vars.map((v) => grads[v.name].dataSync().slice() as Float32Array);
  });
}

/** max |a - b| over all gradients, divided by max |b|: the inf-norm relative error of the whole gradient. */
export function gradError(a: Float32Array[], b: Float32Array[]): number {
  let diff = 0, scale = 0;
  b.forEach((g, k) => g.forEach((v, i) => {
    const d = Math.abs(a[k][i] - v);
    if (!(d <= diff)) diff = d;
    scale = Math.max(scale, Math.abs(v));
  }));
  return diff / Math.max(scale, 1e-12);
}

export {seeded} from '../util/compare';

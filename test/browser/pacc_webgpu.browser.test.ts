// webgpu in the page (SwiftShader adapter): the shared op spec, one pipeline per program, no leaks, PaCC-Net-XS vs cpu.
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {
  PositionAwareCircularConv, PositionAwareCircularConvBackpropBiasPe, PositionAwareCircularConvBackpropFilter,
  PositionAwareCircularConvBackpropInput,
} from '../../ops/pacc/kernel_names';
import type {PaccDirection} from '../../ops/pacc/kernel_names';
import {paccBackwardRef, paccForwardRef} from '../../ops/pacc/reference';
import {paccOpSpec} from '../op/pacc.spec';
import {expectClose, relError, rng} from '../util/compare';
import {
  expectChainMatchesReference, expectPaccMatchesReference as expectCaseMatches, randomPaccCase, Shape4 as Shape,
} from '../util/pacc_check';
import {FWD_RTOL, GRAD_RTOL, LOGITS_ATOL} from '../util/tolerances';
type GpuMemory = tf.MemoryInfo & {numBytesInGPU: number; numBytesAllocatedInGPU: number};

describe('webgpu in the page', () => {
  it('has a WebGPU adapter (SwiftShader) and the native PaCC kernels', async () => {
    expect('gpu' in navigator, 'navigator.gpu (flags in tools/browser/chromium.ts, secure context)').toBe(true);
    expect(await tf.setBackend('webgpu'), 'webgpu backend').toBe(true);
    for (const name of [PositionAwareCircularConv, PositionAwareCircularConvBackpropInput, PositionAwareCircularConvBackpropFilter,
      PositionAwareCircularConvBackpropBiasPe]) {
      expect(tf.getKernel(name, 'webgpu'), `${name} registered for webgpu`).toBeDefined();
    }
  });
});

paccOpSpec('webgpu');

/** Keys of our compiled pipelines (every shaderKey starts with `pacc_`). */
const paccPipelines = () =>
  Object.keys((tf.backend() as unknown as {pipelineCache: Record<string, unknown>}).pipelineCache).filter((k) => k.startsWith('pacc_'));

/** Forward + every gradient through the public op (bias and pe on), read back and checked against reference.ts. */
const expectMatchesReference = (shape: Shape, direction: PaccDirection, seed: number) =>
  expectCaseMatches(randomPaccCase(shape, direction, seed));

describe('native webgpu kernels', () => {
  it('one pipeline per program variant: new sizes compile nothing of ours', async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    // Warm-up: both channel widths (vec4 when C % 4 == 0, scalar otherwise); tfjs
    // also keys pipelines by which binding axes are 1, so batch 1 and > 1.
    for (const shape of [[2, 6, 5, 8], [1, 5, 6, 8], [2, 6, 5, 7], [1, 5, 6, 7]] as Shape[]) {
      for (const direction of ['h', 'w'] as PaccDirection[]) expectMatchesReference(shape, direction, 1);
    }
    const warm = paccPipelines();
    expect(warm.length).toBeGreaterThan(0);
    for (const [i, shape] of ([[1, 8, 12, 16], [3, 31, 7, 9], [2, 5, 33, 6], [1, 40, 40, 24], [3, 9, 13, 17], [2, 14, 10, 40]] as Shape[]).entries()) {
      for (const direction of ['h', 'w'] as PaccDirection[]) {
        expectMatchesReference(shape, direction, 10 + i);
        const added = paccPipelines().filter((k) => !warm.includes(k));
        expect(added, `pipelines compiled for x[${shape}] ${direction}`).toEqual([]);
      }
    }
  });

  it('more than 65535 workgroups (tfjs folds the dispatch into 2-D)', async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    // 4,208,000 scalar work items (odd C) / 64 per workgroup = 65,750 workgroups > the 65,535 limit;
    // a short 'w' axis keeps the reference cheap. Forward and input gradient (the two programs over x's size).
    const shape: Shape = [2, 2000, 4, 263];
    const r = rng(71);
    const size = shape.reduce((a, b) => a * b);
    const x = r.normal(size), f = r.normal(4 * 263), dy = r.normal(size);
    const x4 = tf.tensor4d(x, shape), f2 = tf.tensor2d(f, [4, 263]), dy4 = tf.tensor4d(dy, shape);
    const y = pacc.positionAwareCircularConv(x4, f2, {direction: 'w'});
    const dx = tf.engine().runKernel(PositionAwareCircularConvBackpropInput, {dy: dy4, filter: f2}, {direction: 'w'}) as tf.Tensor;
    const [yv, dxv] = await Promise.all([y.data(), dx.data()]);
    tf.dispose([x4, f2, dy4, y, dx]);
    const s = {n: 2, h: 2000, w: 4, c: 263};
    expectClose(yv, paccForwardRef(x, s, f, 'w'), FWD_RTOL, 'y');
    expectClose(dxv, paccBackwardRef(x, s, f, 'w', dy).dx, GRAD_RTOL, 'dx');
  });

  it('outputs feed later ops (pacc after pacc, then a stock op)', async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    expectChainMatchesReference([2, 6, 6, 8], 41);
  });

  it('no tensor or GPU buffer leaks across repeated forward and backward calls', async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    const run = () => { expectMatchesReference([2, 9, 7, 12], 'w', 51); expectMatchesReference([1, 7, 9, 5], 'h', 52); };
    run();
    const before = tf.memory() as GpuMemory;
    for (let i = 0; i < 4; i++) run();
    const after = tf.memory() as GpuMemory;
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytesInGPU, 'bytes of GPU buffers in use').toBe(before.numBytesInGPU);
    // The buffer manager reuses freed buffers, so a steady state allocates nothing new.
    expect(after.numBytesAllocatedInGPU, 'bytes of GPU buffers allocated').toBe(before.numBytesAllocatedInGPU);
  });
});

/** Runs `build` with Math.random seeded, so tfjs initialisers draw the same weights every run. */
function seeded<T>(seed: number, build: () => T): T {
  const original = Math.random;
  Math.random = rng(seed).next;
  try { return build(); } finally { Math.random = original; }
}

/** The model's weights re-created on the current backend (so nothing reads across backends). */
function moveWeights(model: tfl.LayersModel, values: {v: Float32Array; shape: number[]}[]) {
  const here = values.map((w) => tf.tensor(w.v, w.shape));
  model.setWeights(here);
  tf.dispose(here);
}

/** Logits, the loss' weight gradients (BN in inference mode) and one SGD step's loss and weights on `backend`. */
async function modelRun(
    backend: string, model: tfl.LayersModel, init: {v: Float32Array; shape: number[]}[], xs: Float32Array, ys: Float32Array, shape: Shape,
    checkLeaks: boolean) {
  expect(await tf.setBackend(backend)).toBe(true);
  moveWeights(model, init);
  const x = tf.tensor4d(xs, shape), y = tf.tensor2d(ys, [shape[0], 10]);
  // Asynchronous reads: tfjs-webgpu's dataSync goes through a canvas and costs ~10-100 ms per tensor on SwiftShader.
  const out = model.predict(x) as tf.Tensor;
  const logits = await out.data() as Float32Array;
  out.dispose();
  const vars = model.trainableWeights.map((w) => (w as unknown as {val: tf.Variable}).val);
  const {value, grads: g} = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, {training: false}) as tf.Tensor) as tf.Scalar, vars);
  const grads = await Promise.all(vars.map((v) => g[v.name].data() as Promise<Float32Array>));
  tf.dispose([value, ...Object.values(g)]);
  model.compile({optimizer: tf.train.sgd(0.01), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp)});
  const loss1 = await model.trainOnBatch(x, y) as number;
  const weights = await Promise.all(model.getWeights().map((w) => w.data() as Promise<Float32Array>));
  // A second step only where leaks are checked (the first one creates the training function's state).
  let loss2 = NaN, leaked = 0, leakedBytes = 0;
  if (checkLeaks) {
    const tensorsAfterFirst = tf.memory().numTensors;
    const bytesAfterFirst = (tf.memory() as GpuMemory).numBytesInGPU;
    loss2 = await model.trainOnBatch(x, y) as number;
    leaked = tf.memory().numTensors - tensorsAfterFirst;
    leakedBytes = (tf.memory() as GpuMemory).numBytesInGPU - bytesAfterFirst;
  }
  tf.dispose([x, y]);
  (model.optimizer as tf.Optimizer).dispose();
  return {logits, grads, losses: [loss1, loss2], weights, leaked, leakedBytes};
}

/** relError (max |a - b| / max |b|) over every array of a list at once. */
const concat = (list: Float32Array[]) => {
  const out = new Float32Array(list.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of list) { out.set(a, at); at += a.length; }
  return out;
};
const listError = (a: Float32Array[], b: Float32Array[]) => relError(concat(a), concat(b));

describe('PaCC-Net-XS on webgpu equals cpu', () => {
  // 48x48 as in the wasm training test: at 32x32 the last stage is 1x1 and its
  // training-mode batch norms amplify rounding; seeded weights keep it deterministic.
  it('predict, weight gradients and an SGD step (48x48, batch 2), no leaks', async () => {
    await tf.setBackend('cpu');
    const model = seeded(1, () => pacc.models.paccNet({variant: 'xs', inputShape: [48, 48, 3], numClasses: 10}));
    // Dropout masks differ per backend: zero every rate (tfjs Dropout's and our layers').
    let dropouts = 0;
    for (const layer of model.layers) {
      const l = layer as unknown as Record<string, unknown>;
      for (const key of ['rate', 'ffnDropout', 'attnDropout', 'dropout']) {
        if (typeof l[key] === 'number' && l[key] !== 0) { l[key] = 0; dropouts++; }
      }
    }
    expect(dropouts).toBeGreaterThan(0);
    const init = model.getWeights().map((w) => ({v: w.dataSync().slice() as Float32Array, shape: w.shape}));
    const shape: Shape = [2, 48, 48, 3];
    const r = rng(11);
    const xs = r.normal(2 * 48 * 48 * 3), ys = new Float32Array(20);
    ys[3] = 1; ys[17] = 1;
    const cpu = await modelRun('cpu', model, init, xs, ys, shape, false);
    const gpu = await modelRun('webgpu', model, init, xs, ys, shape, true);
    const logitErr = Math.max(...Array.from(gpu.logits, (v, i) => Math.abs(v - cpu.logits[i])));
    expect(logitErr, 'logits, max abs difference').toBeLessThanOrEqual(LOGITS_ATOL);
    const gradErr = listError(gpu.grads, cpu.grads);
    expect(gradErr, 'weight gradients, inf-norm relative').toBeLessThanOrEqual(GRAD_RTOL);
    // Training-mode batch norms: the step's loss and the weights it produced.
    expect(Math.abs(gpu.losses[0] - cpu.losses[0]) / Math.abs(cpu.losses[0]), `loss webgpu ${gpu.losses[0]} cpu ${cpu.losses[0]}`)
        .toBeLessThanOrEqual(GRAD_RTOL);
    expect(listError(gpu.weights, init.map((w) => w.v)), 'the step changed the weights').toBeGreaterThan(0);
    expect(listError(gpu.weights, cpu.weights), 'weights after one SGD step').toBeLessThanOrEqual(GRAD_RTOL);
    expect(Number.isFinite(gpu.losses[1]) && gpu.losses[1] !== gpu.losses[0], `second webgpu step loss ${gpu.losses[1]}`).toBe(true);
    expect(gpu.leaked, 'tensors leaked by a webgpu training step').toBe(0);
    expect(gpu.leakedBytes, 'GPU bytes leaked by a webgpu training step').toBe(0);
    console.log(`PaCC-Net-XS webgpu vs cpu: logits ${logitErr.toExponential(2)}, grads ${gradErr.toExponential(2)}, losses ${gpu.losses} vs ${cpu.losses}`);
    model.dispose();
  }, 300_000);
});

// The fast wasm training kernels that replace tfjs-wasm's (transposed BatchMatMul, Sum/Mean, Identity, FusedBatchNorm) and the fused FusedBatchNorm gradient, against cpu and plain loops.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect, it} from 'vitest';
import {adamRef} from '../../ops/adam/reference';
import {batchNormGradRef, sumRowsRef} from '../../ops/batch_norm_grad/reference';
import {useFastWasmTrainingKernels} from '../../src/index';
import {expectClose, rng} from '../util/compare';

const RTOL = 1e-5;
const GRAD_RTOL = 1e-4;

type Inputs = Record<string, [Float32Array, number[]]>;

/** Runs `f` on fresh tensors made from `data` on `backend`; returns every output's values and shape. */
async function on(backend: string, data: Inputs, f: (t: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[]) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const t = Object.fromEntries(Object.entries(data).map(([k, [v, s]]) => [k, tf.tensor(v, s)]));
    const out = f(t);
    return (Array.isArray(out) ? out : [out]).map((o) => ({values: o.dataSync() as Float32Array, shape: o.shape}));
  });
}

/** `f` on wasm against cpu, output by output; also checks no tensor leaks on wasm. */
async function vsCpu(data: Inputs, f: (t: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[], rtol: number, what: string) {
  const ref = await on('cpu', data, f);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const got = await on('wasm', data, f);
  expect(tf.memory().numTensors, `${what}: leaked tensors`).toBe(before);
  expect(got.length).toBe(ref.length);
  got.forEach((g, i) => {
    expect(g.shape, `${what} output ${i}: shape`).toEqual(ref[i].shape);
    expectClose(g.values, ref[i].values, rtol, `${what} output ${i}`);
  });
  return got;
}

const shapeOf = (r: ReturnType<typeof rng>, rank: number, max: number) => Array.from({length: rank}, () => r.int(1, max));

describe('fast wasm training kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    // Importing the package installs them; calling again is a no-op that lists them.
    expect(useFastWasmTrainingKernels()).toEqual(
        ['Conv2DBackpropInput', 'BatchMatMul', 'Sum', 'Mean', 'Identity', 'Cast', 'FusedBatchNorm',
          'FusedBatchNorm gradient', 'Mean gradient', 'Sum gradient', 'AdamOptimizer.applyGradients', 'swish activation']);
  });

  for (let seed = 1; seed <= 24; seed++) {
    it(`Sum and Mean over leading axes, seed ${seed}`, async () => {
      const r = rng(100 + seed);
      const rank = r.int(2, 4);
      // Up to ~40k elements, so the 512-row blocks of the kernel are crossed.
      const shape = shapeOf(r, rank, rank === 2 ? 700 : 40);
      const k = r.int(1, rank - 1), keepDims = seed % 2 === 0;
      const axes = Array.from({length: k}, (_, i) => i);
      const x = r.normal(shape.reduce((a, b) => a * b));
      const what = `x [${shape}] axes [${axes}] keepDims ${keepDims}`;
      const [sum, mean] = await vsCpu({x: [x, shape]}, (t) => [tf.sum(t.x, axes, keepDims), tf.mean(t.x, axes, keepDims)], RTOL, what);
      const cols = shape.slice(k).reduce((a, b) => a * b, 1);
      expectClose(sum.values, sumRowsRef(x, cols, false), RTOL, `${what}: sum vs plain loops`);
      expectClose(mean.values, sumRowsRef(x, cols, true), RTOL, `${what}: mean vs plain loops`);
    });
  }

  for (let seed = 1; seed <= 8; seed++) {
    it(`Sum and Mean gradients, seed ${seed}`, async () => {
      const r = rng(150 + seed);
      const rank = r.int(2, 4);
      const shape = shapeOf(r, rank, rank === 2 ? 300 : 12);
      const k = r.int(1, rank - 1), keepDims = seed % 2 === 0;
      // Leading axes (ours) and, every third seed, a trailing axis (tfjs's gradient).
      const axes = seed % 3 === 0 ? [rank - 1] : Array.from({length: k}, (_, i) => i);
      const outShape = shape.filter((_, i) => !axes.includes(i)).length ? tf.backend_util.computeOutAndReduceShapes(shape, axes)[0] : [];
      const dyShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : outShape;
      const x = r.normal(shape.reduce((a, b) => a * b)), dy = r.normal(dyShape.reduce((a, b) => a * b, 1));
      await vsCpu({x: [x, shape], dy: [dy, dyShape]}, (t) => [
        tf.grad((v: tf.Tensor) => tf.sum(v, axes, keepDims))(t.x, t.dy),
        tf.grad((v: tf.Tensor) => tf.mean(v, axes, keepDims))(t.x, t.dy),
      ], RTOL, `x [${shape}] axes [${axes}] keepDims ${keepDims}`);
    });
  }

  it('Sum and Mean cases ours leaves to tfjs-wasm (inner or mixed axes, full reduction, int32, negative axes) stay right', async () => {
    const r = rng(7);
    const x = r.normal(3 * 4 * 5);
    await vsCpu({x: [x, [3, 4, 5]]}, (t) => [
      tf.sum(t.x, 2), tf.mean(t.x, [0, 2]), tf.sum(t.x), tf.mean(t.x, [-3, -2]), tf.sum(t.x, [1, 0]),
      tf.sum(tf.cast(t.x, 'int32'), 0), tf.mean(t.x, [0, 1, 2], true),
    ], RTOL, 'fallback reductions');
  });

  for (let seed = 1; seed <= 24; seed++) {
    it(`BatchMatMul with one operand transposed, seed ${seed}`, async () => {
      const r = rng(200 + seed);
      const M = r.int(1, 70), K = r.int(1, seed % 4 === 0 ? 1200 : 90), N = r.int(1, 70);
      const batch = seed % 3 === 0 ? [r.int(2, 3)] : [];
      const tA = seed % 2 === 0, tB = !tA;
      const aShape = [...batch, ...(tA ? [K, M] : [M, K])], bShape = [...batch, ...(tB ? [N, K] : [K, N])];
      const a = r.normal(aShape.reduce((p, q) => p * q)), b = r.normal(bShape.reduce((p, q) => p * q));
      await vsCpu({a: [a, aShape], b: [b, bShape]}, (t) => tf.matMul(t.a, t.b, tA, tB), RTOL,
          `a [${aShape}] b [${bShape}] transposeA ${tA} transposeB ${tB}`);
    });
  }

  it('BatchMatMul cases ours leaves to tfjs-wasm (no / both transposes, broadcast batch) stay right', async () => {
    const r = rng(9);
    const a = r.normal(2 * 5 * 6), b = r.normal(6 * 7), c = r.normal(2 * 6 * 5);
    await vsCpu({a: [a, [2, 5, 6]], b: [b, [6, 7]], c: [c, [2, 6, 5]]}, (t) => [
      tf.matMul(t.a, t.b), tf.matMul(t.c, tf.reshape(t.b, [1, 6, 7]), true, false), tf.matMul(t.a, t.c, true, true),
    ], RTOL, 'fallback matmuls');
  });

  it('Identity and same-dtype Cast share the data: clones read right after the original is disposed, and nothing leaks', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x), z = tf.clone(y);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual([1, 2, 3, 4]);
    z.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const i = tf.tensor([5, 6], [2], 'int32');
    const j = tf.clone(i);
    i.dispose();
    expect(Array.from(j.dataSync())).toEqual([5, 6]);
    expect(j.dtype).toBe('int32');
    j.dispose();
    // Cast to the same dtype shares too; to another dtype it converts.
    const f = tf.tensor([1.5, -2.5]);
    const g = tf.cast(f, 'float32'), h = tf.cast(f, 'int32');
    f.dispose();
    expect(Array.from(g.dataSync())).toEqual([1.5, -2.5]);
    expect(h.dtype).toBe('int32');
    expect(Array.from(h.dataSync())).toEqual([1, -2]);
    tf.dispose([g, h]);
    expect(tf.memory().numTensors).toBe(before);
    // A tensor still on cpu is moved over as usual (ours hands it to tfjs's kernel).
    await tf.setBackend('cpu');
    const c = tf.tensor([7, 8]);
    await tf.setBackend('wasm');
    const d = tf.clone(c);
    expect(Array.from(d.dataSync())).toEqual([7, 8]);
    tf.dispose([c, d]);
  });

  for (let seed = 1; seed <= 12; seed++) {
    it(`FusedBatchNorm gradient w.r.t. every input, seed ${seed}`, async () => {
      const r = rng(300 + seed);
      const rank = [2, 4][seed % 2];
      const shape = shapeOf(r, rank, rank === 2 ? 300 : 9);
      const C = shape[rank - 1], size = shape.reduce((a, b) => a * b);
      const x = r.normal(size), dy = r.normal(size), mean = r.normal(C), scale = r.normal(C), offset = r.normal(C);
      const variance = Float32Array.from(r.normal(C), (v) => v * v + 0.1);
      const eps = 1e-3;
      const data: Inputs = {x: [x, shape], dy: [dy, shape], mean: [mean, [C]], variance: [variance, [C]], scale: [scale, [C]], offset: [offset, [C]]};
      const grads = (t: Record<string, tf.Tensor>) => tf.grads((xi: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
        tf.batchNorm(xi, m, v, o, s, eps))([t.x, t.mean, t.variance, t.offset, t.scale], t.dy);
      const what = `x [${shape}]`;
      const got = await vsCpu(data, grads, GRAD_RTOL, what);
      const ref = batchNormGradRef(x, dy, mean, variance, scale, eps, C);
      const names = ['dx', 'dmean', 'dvar', 'doffset', 'dscale'] as const;
      names.forEach((n, i) => expectClose(got[i].values, ref[n], GRAD_RTOL, `${what}: ${n} vs plain loops`));
    });
  }

  for (let seed = 1; seed <= 12; seed++) {
    it(`FusedBatchNorm forward (SIMD, per-channel statistics), seed ${seed}`, async () => {
      const r = rng(400 + seed);
      const rank = [1, 2, 3, 4][seed % 4];
      const shape = shapeOf(r, rank, rank <= 2 ? 300 : 9);
      const C = shape[rank - 1], size = shape.reduce((a, b) => a * b);
      // Inputs far from zero with a small spread (seed % 3 == 0): x − mean must come first.
      const far = seed % 3 === 0 ? 1000 : 0;
      const mean = r.normal(C).map((v) => v + far), x = r.normal(size).map((v, i) => mean[i % C] + v * (far ? 0.01 : 1));
      const variance = Float32Array.from(r.normal(C), (v) => v * v + 0.1), scale = r.normal(C), offset = r.normal(C);
      const data: Inputs = {x: [x, shape], mean: [mean, [C]], variance: [variance, [C]], scale: [scale, [C]], offset: [offset, [C]]};
      const withScale = seed % 2 === 0, withOffset = seed % 4 < 2;
      const what = `x [${shape}]${withScale ? ' scale' : ''}${withOffset ? ' offset' : ''}${far ? ' far from 0' : ''}`;
      await vsCpu(data, (t) => tf.batchNorm(t.x, t.mean, t.variance, withOffset ? t.offset : undefined, withScale ? t.scale : undefined, 1e-3), RTOL, what);
    });
  }

  it('FusedBatchNorm cases ours leaves to tfjs-wasm (statistics not [C], int32 input) stay right', async () => {
    const r = rng(9);
    const shape = [2, 3, 4, 5], size = 120;
    const data: Inputs = {x: [r.normal(size), shape], m: [r.normal(5), [1, 1, 1, 5]], v: [Float32Array.from(r.normal(5), (a) => a * a + 1), [1, 1, 1, 5]],
      mf: [r.normal(size), shape], vf: [Float32Array.from(r.normal(size), (a) => a * a + 1), shape]};
    await vsCpu(data, (t) => tf.batchNorm(t.x, t.m, t.v), RTOL, 'rank-4 statistics [1,1,1,5]');
    await vsCpu(data, (t) => tf.batchNorm(t.x, t.mf, t.vf), RTOL, 'full-size statistics');
  });

  it('batch-norm training (moments + batchNorm, as tfjs-layers does it) backpropagates like cpu', async () => {
    const r = rng(11);
    const shape = [4, 6, 5, 24], C = 24, size = shape.reduce((a, b) => a * b);
    const data: Inputs = {x: [r.normal(size), shape], dy: [r.normal(size), shape], gamma: [r.normal(C), [C]], beta: [r.normal(C), [C]]};
    await vsCpu(data, (t) => tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const {mean, variance} = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, b, g, 1e-5);
    })([t.x, t.gamma, t.beta], t.dy), GRAD_RTOL, 'moments + batchNorm');
  });

  it('fused Adam on wasm follows tfjs-core\'s Adam on cpu over 4 steps, with the same optimizer state and no leaks', async () => {
    const r = rng(21);
    const shapes = [[7], [3, 5], [2, 3, 4, 5], [1]];
    const init = shapes.map((s) => r.normal(s.reduce((a, b) => a * b)));
    const targets = shapes.map((s) => r.normal(s.reduce((a, b) => a * b)));
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const vars = shapes.map((s, i) => tf.variable(tf.tensor(init[i], s), true, `adam_test_${backend}_${i}`));
      const ts = shapes.map((s, i) => tf.tensor(targets[i], s));
      const opt = tf.train.adam(0.05, 0.8, 0.95, 1e-6);
      const counts: number[] = [];
      for (let step = 0; step < 4; step++) {
        // A loss whose gradients differ per element and change sign over the steps.
        opt.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(tf.sub(v, ts[i])), tf.add(ts[i], 2))))) as tf.Scalar);
        counts.push(tf.memory().numTensors);
      }
      const values = vars.map((v) => v.dataSync().slice());
      const state = (await opt.getWeights()).map((w) => ({name: w.name.replace(`_${backend}_`, '_'), values: w.tensor.dataSync().slice()}));
      opt.dispose();
      tf.dispose([...vars, ...ts]);
      return {values, state, counts};
    };
    const cpu = await run('cpu');
    // Count our kernel's calls, so the test fails if the fused path were not taken.
    const kernel = tf.getKernel('PaccAdamUpdate', 'wasm')!;
    const orig = kernel.kernelFunc;
    let calls = 0;
    (kernel as {kernelFunc: tf.KernelFunc}).kernelFunc = (args) => { calls++; return orig(args); };
    let wasm: Awaited<ReturnType<typeof run>>;
    try {
      wasm = await run('wasm');
    } finally {
      (kernel as {kernelFunc: tf.KernelFunc}).kernelFunc = orig;
    }
    expect(calls, 'fused Adam kernel calls').toBe(4 * shapes.length);
    expect(wasm.counts[3], 'tensors leaked per step').toBe(wasm.counts[1]);
    wasm.values.forEach((v, i) => expectClose(v, cpu.values[i], RTOL, `variable ${i} after 4 steps`));
    expect(wasm.state.map((s) => s.name)).toEqual(cpu.state.map((s) => s.name));
    wasm.state.forEach((s, i) => expectClose(s.values, cpu.state[i].values, RTOL, `optimizer weight ${s.name}`));
  });

  it('fused Adam kernel against the plain-loop Adam step', async () => {
    await tf.setBackend('wasm');
    const r = rng(22);
    const n = 37;
    const value = r.normal(n), m = r.normal(n), g = r.normal(n);
    const v = Float32Array.from(r.normal(n), (x) => x * x);
    const o = {learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, accBeta1: 0.9 ** 3, accBeta2: 0.999 ** 3};
    const inputs = {value: tf.tensor(value), m: tf.tensor(m), v: tf.tensor(v), grad: tf.tensor(g)};
    const outs = tf.engine().runKernel('PaccAdamUpdate', inputs, o as never) as tf.Tensor[];
    tf.dispose(Object.values(inputs));
    const ref = adamRef(value, m, v, g, o);
    expectClose(outs[0].dataSync(), ref.value, RTOL, 'value');
    expectClose(outs[1].dataSync(), ref.m, RTOL, 'm');
    expectClose(outs[2].dataSync(), ref.v, RTOL, 'v');
    tf.dispose(outs);
  });

  it('switches off and on again, restoring tfjs-wasm\'s kernels and gradient', async () => {
    await tf.setBackend('wasm');
    const ours = ['BatchMatMul', 'Sum', 'Identity'].map((n) => tf.getKernel(n, 'wasm'));
    expect(useFastWasmTrainingKernels(false)).toEqual([]);
    const theirs = ['BatchMatMul', 'Sum', 'Identity'].map((n) => tf.getKernel(n, 'wasm'));
    theirs.forEach((k, i) => { expect(k).toBeDefined(); expect(k).not.toBe(ours[i]); });
    // tfjs's kernels and gradient run after the round trip.
    const a = tf.ones([3, 2]), b = tf.ones([3, 4]);
    const c = tf.matMul(a, b, true, false), s = tf.sum(b, 0);
    const g = tf.grad((x: tf.Tensor) => tf.batchNorm(x, tf.zeros([4]), tf.ones([4]), tf.zeros([4]), tf.ones([4]), 0))(b);
    expect(Array.from(c.dataSync())).toEqual(new Array(8).fill(3));
    expect(Array.from(s.dataSync())).toEqual([3, 3, 3, 3]);
    expect(Array.from(g.dataSync())).toEqual(new Array(12).fill(1));
    tf.dispose([a, b, c, s, g]);
    expect(useFastWasmTrainingKernels(true)).toHaveLength(12);
    expect(['BatchMatMul', 'Sum', 'Identity'].map((n) => tf.getKernel(n, 'wasm'))).not.toEqual(theirs);
  });
});

// Our wasm kernels split over worker threads on tfjs's threaded build: every kernel against cpu / references, worker traps, heap growth, a whole model's gradients.
import * as tf from '@tensorflow/tfjs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {setWasmKernelThreads, wasmKernelThreads} from '../../src/index';
import {getPaccWasm} from '../../ops/wasm/module';
import {setMinSliceWork} from '../../ops/wasm/parallel';
import {PaccAdamUpdate} from '../../ops/adam/kernel_names';
import {adamRef} from '../../ops/adam/reference';
import {PaccBatchNormGradSums, PaccBroadcastRows, PaccMulChannels} from '../../ops/batch_norm_grad/kernel_names';
import {batchNormGradRef} from '../../ops/batch_norm_grad/reference';
import {paccNet} from '../../src/models/paccnet';
import {PaccSwish, PaccSwishGrad} from '../../ops/swish/kernel_names';
import {swishGradRef, swishRef} from '../../ops/swish/reference';
import {expectClose, rng} from '../util/compare';
import {disableDropout, gradError, randomBatch, seeded} from '../wasm_training/fit_util';
import {expectPaccMatchesReference, randomPaccCase} from '../util/pacc_check';
import {FWD_RTOL, GRAD_RTOL} from '../util/tolerances';

const THREADS = 3;
let minWork = 0;

type Data = Record<string, [Float32Array, number[]]>;

/** Runs kernel `name` on `backend` with fresh tensors; returns every output's values. */
async function runOn(backend: string, name: string, data: Data, attrs: object = {}): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const inputs = Object.fromEntries(Object.entries(data).map(([k, [v, s]]) => [k, tf.tensor(v, s)]));
    const out = tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

/** Worker tasks the pool has run so far. */
const workerTasks = () => getPaccWasm(tf.findBackend('wasm')!).pool?.workerTasks ?? 0;

/** Runs `fn` on wasm and checks that some of its work ran on the workers. */
async function onWorkers<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  const before = workerTasks();
  const out = await fn();
  expect(workerTasks(), `${what}: no slice ran on a worker`).toBeGreaterThan(before);
  return out;
}

/** The wasm kernel (threaded) against the cpu kernel of the same name. */
async function compareWithCpu(name: string, data: Data, attrs: object, what: string) {
  const [want] = await runOn('cpu', name, data, attrs);
  const numTensors = (await tf.setBackend('wasm'), tf.memory().numTensors);
  const [got] = await onWorkers(what, () => runOn('wasm', name, data, attrs));
  expect(tf.memory().numTensors, `${what}: leaked tensors`).toBe(numTensors);
  expectClose(got, want, GRAD_RTOL, what);
}

const normal = (seed: number, n: number) => rng(seed).normal(n);

describe(`our wasm kernels on ${THREADS} threads (tfjs threaded SIMD build)`, () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
    expect(globalThis.crossOriginIsolated, 'the page must be cross-origin isolated').toBe(true);
    setWasmKernelThreads(THREADS);
    // The production threshold (~100 µs of work per slice) would leave these test-sized calls on one thread.
    minWork = setMinSliceWork(1 << 16);
  });

  afterAll(() => {
    setWasmKernelThreads('auto');
    setMinSliceWork(minWork);
  });

  it(`starts ${THREADS - 1} workers on the shared heap`, async () => {
    expect(await wasmKernelThreads()).toBe(THREADS);
    expect(getPaccWasm(tf.backend()).shared).toBe(true);
  });

  it('rejects a bad thread count, naming the argument', () => {
    expect(() => setWasmKernelThreads(0)).toThrow(/'threads' must be 'auto' or an integer in \[1, 16\], got 0/);
    expect(() => setWasmKernelThreads(2.5)).toThrow(/'threads'/);
  });

  it('Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter (partial sums over the batch) equal cpu', async () => {
    const cases: [number[], number[], [number, number], tf.backend_util.PadInfo['type'] | 'same' | 'valid'][] = [
      [[4, 16, 16, 24], [3, 3, 24, 32], [1, 1], 'same'],
      [[3, 17, 15, 16], [3, 3, 16, 24], [2, 2], 'same'],
      [[5, 12, 12, 40], [1, 1, 40, 48], [1, 1], 'valid'],
    ];
    for (const [i, [xs, fs, strides, pad]] of cases.entries()) {
      const info = tf.backend_util.computeConv2DInfo(xs as never, fs as never, strides, 1, pad as 'same');
      const data: Data = {x: [normal(10 + i, tf.util.sizeFromShape(xs)), xs], dy: [normal(20 + i, tf.util.sizeFromShape(info.outShape)), info.outShape]};
      await compareWithCpu('Conv2DBackpropFilter', data, {strides, pad, dataFormat: 'NHWC', filterShape: fs}, `Conv2DBackpropFilter x[${xs}] f[${fs}]`);
    }
    const xs = [8, 24, 24, 64], fs = [3, 3, 64, 1];
    for (const strides of [[1, 1], [2, 2]] as [number, number][]) {
      const info = tf.backend_util.computeConv2DInfo(xs as never, fs as never, strides, 1, 'same', undefined, true);
      const data: Data = {x: [normal(30, tf.util.sizeFromShape(xs)), xs], dy: [normal(31, tf.util.sizeFromShape(info.outShape)), info.outShape]};
      await compareWithCpu('DepthwiseConv2dNativeBackpropFilter', data, {strides, pad: 'same', dilations: 1, filterShape: fs},
          `DepthwiseConv2dNativeBackpropFilter x[${xs}] stride ${strides}`);
    }
  });

  it('Conv2DBackpropInput and DepthwiseConv2dNativeBackpropInput (disjoint images) equal cpu', async () => {
    for (const [i, [xs, fs, strides]] of ([[[3, 17, 15, 16], [3, 3, 16, 24], [2, 2]], [[4, 16, 16, 32], [3, 3, 32, 32], [1, 1]]] as
        [number[], number[], [number, number]][]).entries()) {
      const info = tf.backend_util.computeConv2DInfo(xs as never, fs as never, strides, 1, 'same');
      const data: Data = {dy: [normal(40 + i, tf.util.sizeFromShape(info.outShape)), info.outShape], filter: [normal(50 + i, tf.util.sizeFromShape(fs)), fs]};
      await compareWithCpu('Conv2DBackpropInput', data, {strides, pad: 'same', dataFormat: 'NHWC', inputShape: xs}, `Conv2DBackpropInput x[${xs}] f[${fs}]`);
    }
    const xs = [5, 20, 20, 64], fs = [3, 3, 64, 1];
    const info = tf.backend_util.computeConv2DInfo(xs as never, fs as never, [1, 1], 1, 'same', undefined, true);
    const data: Data = {dy: [normal(60, tf.util.sizeFromShape(info.outShape)), info.outShape], filter: [normal(61, 576), fs]};
    await compareWithCpu('DepthwiseConv2dNativeBackpropInput', data, {strides: [1, 1], pad: 'same', dilations: 1, inputShape: xs},
        `DepthwiseConv2dNativeBackpropInput x[${xs}]`);
  });

  it('transposed BatchMatMul (1×1 conv gradients over row blocks) equals cpu, batched and not', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[1024, 48], [1024, 40], true, false],
      [[2, 1000, 24], [2, 1000, 36], true, false],
      [[1024, 40], [48, 40], false, true],
      [[2, 1536, 20], [2, 30, 20], false, true],
    ];
    for (const [i, [as, bs, transposeA, transposeB]] of cases.entries()) {
      const data: Data = {a: [normal(70 + i, tf.util.sizeFromShape(as)), as], b: [normal(80 + i, tf.util.sizeFromShape(bs)), bs]};
      await compareWithCpu('BatchMatMul', data, {transposeA, transposeB}, `BatchMatMul a[${as}] b[${bs}] tA ${transposeA} tB ${transposeB}`);
    }
  });

  it('Sum and Mean over leading axes (partial column sums) equal cpu', async () => {
    const x = normal(90, 8 * 32 * 32 * 64);
    for (const [name, keepDims] of [['Sum', false], ['Mean', true]] as const) {
      await compareWithCpu(name, {x: [x, [8, 32, 32, 64]]}, {axis: [0, 1, 2], keepDims}, `${name} over [0,1,2] of [8,32,32,64]`);
    }
  });

  it('FusedBatchNorm forward (row slices) equals cpu; swish and its gradient equal float64', async () => {
    const shape = [8, 32, 32, 64], x = normal(91, 8 * 32 * 32 * 64), r = rng(92);
    const stats = (f: (v: number) => number) => Float32Array.from(r.normal(64), f);
    await compareWithCpu('FusedBatchNorm', {x: [x, shape], mean: [stats((v) => v), [64]], variance: [stats((v) => v * v + 0.1), [64]],
      offset: [stats((v) => v), [64]], scale: [stats((v) => v), [64]]}, {varianceEpsilon: 1e-3}, 'FusedBatchNorm [8,32,32,64]');
    const dy = normal(93, x.length);
    const [y] = await onWorkers('PaccSwish', () => runOn('wasm', PaccSwish, {x: [x, shape]}));
    expectClose(y, swishRef(x), FWD_RTOL, 'swish');
    const [dx] = await onWorkers('PaccSwishGrad', () => runOn('wasm', PaccSwishGrad, {x: [x, shape], dy: [dy, shape]}));
    expectClose(dx, swishGradRef(x, dy), GRAD_RTOL, 'swish gradient');
  });

  it('the batch-norm gradient kernels and Adam equal their float64 references', async () => {
    const rows = 12000, C = 72, r = rng(100);
    const x = r.normal(rows * C), dy = r.normal(rows * C), mean = r.normal(C), k = r.normal(C);
    const [s1, s2] = await onWorkers('PaccBatchNormGradSums', () =>
      runOn('wasm', PaccBatchNormGradSums, {x: [x, [rows, C]], dy: [dy, [rows, C]], mean: [mean, [C]]}));
    const ref = batchNormGradRef(x, dy, mean, new Float32Array(C).fill(0), null, 1, C);
    expectClose(s1, ref.doffset, GRAD_RTOL, 'Σdy');
    expectClose(s2, ref.dscale, GRAD_RTOL, 'Σdy·(x−μ)');
    const [scaled] = await onWorkers('PaccMulChannels', () => runOn('wasm', PaccMulChannels, {x: [x, [rows, C]], k: [k, [C]]}));
    expectClose(scaled, x.map((v, i) => v * k[i % C]), FWD_RTOL, 'x·k');
    const [broadcast] = await onWorkers('PaccBroadcastRows', () =>
      runOn('wasm', PaccBroadcastRows, {dy: [k, [C]]}, {shape: [rows, C], scale: 0.5}));
    expectClose(broadcast, Float32Array.from({length: rows * C}, (_, i) => k[i % C] * 0.5), FWD_RTOL, 'broadcast rows');

    const n = 300_001;
    const value = r.normal(n), m = r.normal(n), v = r.normal(n).map(Math.abs), g = r.normal(n);
    const attrs = {learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, accBeta1: 0.81, accBeta2: 0.998};
    const got = await onWorkers('PaccAdamUpdate', () =>
      runOn('wasm', PaccAdamUpdate, {value: [value, [n]], m: [m, [n]], v: [v, [n]], grad: [g, [n]]}, attrs));
    const want = adamRef(value, m, v, g, attrs);
    expectClose(got[0], want.value, FWD_RTOL, 'Adam value');
    expectClose(got[1], want.m, FWD_RTOL, 'Adam m');
    expectClose(got[2], want.v, FWD_RTOL, 'Adam v');
  });

  it('the PaCC op forward and every gradient (slices of the outer axis) equal the reference', async () => {
    await tf.setBackend('wasm');
    for (const [shape, dir] of [[[6, 24, 20, 32], 'h'], [[3, 20, 24, 36], 'w'], [[5, 16, 16, 30], 'h']] as const) {
      await onWorkers(`pacc ${dir} [${shape}]`, () =>
        expectPaccMatchesReference(randomPaccCase([...shape], dir, shape[0] + shape[3])));
    }
  });

  it('a trap on a worker is an error naming the export, not a hang, and the pool keeps working', async () => {
    await tf.setBackend('wasm');
    const m = getPaccWasm(tf.backend());
    const beyond = 2 ** 32 - 64;
    // The caller's task does nothing (0 rows, 0 columns); the worker's writes past the end of memory.
    expect(() => m.run([{fn: 'sumRows', args: [0, 0, 0, 0, 1]}, {fn: 'sumRows', args: [beyond, beyond, 1, 16, 1]}]))
        .toThrow(/wasm kernel thread 1 failed \(a wasm trap\) in 'sumRows'/);
    expect(m.threads).toBe(THREADS);
    await onWorkers('after a trap', () => expectPaccMatchesReference(randomPaccCase([6, 24, 20, 32], 'h', 7)));
  });

  it('workers see the heap after it grows', async () => {
    await tf.setBackend('wasm');
    const m = getPaccWasm(tf.backend());
    const before = m.memory.buffer.byteLength;
    const big = tf.zeros([before / 4 + (16 << 20)]);
    expect(m.memory.buffer.byteLength).toBeGreaterThan(before);
    // The new tensors live in the grown part of the heap.
    await onWorkers('after growth', () => expectPaccMatchesReference(randomPaccCase([6, 24, 20, 32], 'w', 8)));
    big.dispose();
  });

  // Batch norms in training mode so that their gradient kernels run too; at 64×64 and batch 8
  // (the training benchmark's geometry) the batch statistics are well conditioned. Partial sums
  // round differently from one long sum, hence a tolerance rather than bit equality; the error
  // is relative to the largest gradient entry (a beta feeding a linear conv and another batch
  // norm has an exactly-zero gradient whose float32 noise has no meaningful relative error).
  it(`PaCC-Net-XS gradients of every weight on ${THREADS} threads equal those on 1`, async () => {
    await tf.setBackend('wasm');
    const model = seeded(3, () => paccNet({variant: 'xs', inputShape: [64, 64, 3], numClasses: 10}));
    // Dropout would draw different masks in the two runs.
    expect(disableDropout(model)).toBeGreaterThan(0);
    const shape = [8, 64, 64, 3];
    const {xs, ys} = randomBatch(5, shape, 10);
    const x = tf.tensor4d(xs, shape as [number, number, number, number]), y = tf.tensor2d(ys, [8, 10]);
    const gradients = () => tf.tidy(() => {
      const {grads} = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, {training: true}) as tf.Tensor) as tf.Scalar);
      return Object.keys(grads).sort().map((k) => grads[k].dataSync() as Float32Array);
    });
    const threaded = await onWorkers('PaCC-Net-XS step', gradients);
    setWasmKernelThreads(1);
    expect(await wasmKernelThreads()).toBe(1);
    const numTensors = tf.memory().numTensors;
    const single = gradients();
    expect(tf.memory().numTensors, 'leaked tensors').toBe(numTensors);
    setWasmKernelThreads(THREADS);
    expect(await wasmKernelThreads()).toBe(THREADS);
    expect(single.length).toBe(model.trainableWeights.length);
    const err = gradError(threaded, single);
    console.log(`PaCC-Net-XS gradient, ${THREADS} threads vs 1: inf-norm relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(GRAD_RTOL);
    tf.dispose([x, y]);
    model.dispose();
  });
});

// Each conv backprop kernel we add to wasm against the cpu backend's kernel of the same name, on random geometries.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect, it} from 'vitest';
import {registerKernels, useFastWasmConv2DBackpropInput} from '../../src/index';
import {expectClose, rng} from '../util/compare';

const RTOL = 1e-4;
const CASES = 40;

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Geometry {
  n: number; h: number; w: number; c: number; kh: number; kw: number; stride: [number, number]; pad: Pad;
  /** out-channels (conv2d) or channel multiplier (depthwise). */
  out: number;
}

/** A random geometry: batch 1-4, channels 1-64, sizes 1-33, stride 1 or 2, every padding kind. */
function randomGeometry(seed: number, depthwise: boolean): Geometry {
  const r = rng(seed);
  const n = r.int(1, 4), h = r.int(1, 33), w = r.int(1, 33), c = r.int(1, 64);
  const stride: [number, number] = [r.int(1, 2), r.int(1, 2)];
  const kind = ['same', 'valid', 'number', 'explicit'][seed % 4];
  let pad: Pad, kh: number, kw: number;
  if (kind === 'valid') {
    kh = r.int(1, Math.min(h, 5)); kw = r.int(1, Math.min(w, 5)); pad = 'valid';
  } else if (kind === 'number') {
    const p = r.int(0, 2);
    kh = r.int(1, Math.min(h + 2 * p, 5)); kw = r.int(1, Math.min(w + 2 * p, 5)); pad = p;
  } else if (kind === 'explicit') {
    const t = r.int(0, 2), b = r.int(0, 2), le = r.int(0, 2), ri = r.int(0, 2);
    kh = r.int(1, Math.min(h + t + b, 5)); kw = r.int(1, Math.min(w + le + ri, 5));
    pad = [[0, 0], [t, b], [le, ri], [0, 0]];
  } else {
    kh = r.int(1, 5); kw = r.int(1, 5); pad = 'same';
  }
  // Channel counts are drawn 1..64, but most cases of the heavy conv2d kernel are kept small to bound cpu time.
  const out = depthwise ? (seed % 7 === 0 ? 2 : 1) : r.int(1, seed % 3 === 0 ? 64 : 16);
  return {n, h, w, c: depthwise ? c : (seed % 3 === 0 ? r.int(1, 16) : c), kh, kw, stride, pad, out};
}

function outSize(g: Geometry, depthwise: boolean): number[] {
  const info = tf.backend_util.computeConv2DInfo(
      [g.n, g.h, g.w, g.c], [g.kh, g.kw, g.c, g.out], g.stride, 1, g.pad, undefined, depthwise);
  return info.outShape;
}

/** Runs kernel `name` on `backend` with fresh tensors from `data`; returns its output values. */
async function runOn(backend: string, name: string, data: Record<string, [Float32Array, number[]]>, attrs: object) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const inputs = Object.fromEntries(Object.entries(data).map(([k, [v, s]]) => [k, tf.tensor(v, s)]));
    const out = tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor;
    return {values: out.dataSync() as Float32Array, shape: out.shape};
  });
}

async function compare(name: string, data: Record<string, [Float32Array, number[]]>, attrs: object, what: string) {
  const ref = await runOn('cpu', name, data, attrs);
  const before = (await tf.setBackend('wasm'), tf.memory().numTensors);
  const got = await runOn('wasm', name, data, attrs);
  expect(tf.memory().numTensors, `${what}: tensors leaked`).toBe(before);
  expect(got.shape, `${what}: shape`).toEqual(ref.shape);
  expectClose(got.values, ref.values, RTOL, what);
}

const describeGeometry = (g: Geometry) =>
  `n${g.n} ${g.h}x${g.w}x${g.c} k${g.kh}x${g.kw} out${g.out} s${g.stride} pad ${JSON.stringify(g.pad)}`;

describe('conv backprop kernels on wasm vs cpu', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('provides every conv backprop kernel on wasm', () => {
    for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
      expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    }
  });

  it('registers ours only where wasm has no kernel of that name, idempotently', () => {
    const ours = tf.getKernel('Conv2DBackpropFilter', 'wasm')!;
    registerKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(ours);
    // A backend that already provides the kernel (a later tfjs-backend-wasm) keeps its own.
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    const theirs = {...ours, kernelFunc: ours.kernelFunc.bind(null)};
    tf.registerKernel(theirs);
    try {
      registerKernels();
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(theirs);
    } finally {
      tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
      tf.registerKernel(ours);
    }
  });

  for (let seed = 1; seed <= CASES; seed++) {
    it(`Conv2DBackpropFilter seed ${seed}`, async () => {
      const g = randomGeometry(seed, false), r = rng(1000 + seed);
      const dyShape = outSize(g, false);
      const attrs = {strides: g.stride, pad: g.pad, dataFormat: 'NHWC', filterShape: [g.kh, g.kw, g.c, g.out]};
      const x: [Float32Array, number[]] = [r.normal(g.n * g.h * g.w * g.c), [g.n, g.h, g.w, g.c]];
      const dy: [Float32Array, number[]] = [r.normal(dyShape.reduce((a, b) => a * b)), dyShape];
      await compare('Conv2DBackpropFilter', {x, dy}, attrs, describeGeometry(g));
    });
  }

  for (let seed = 1; seed <= CASES; seed++) {
    it(`DepthwiseConv2dNativeBackpropInput and Filter seed ${seed}`, async () => {
      const g = randomGeometry(seed, true), r = rng(2000 + seed);
      const dyShape = outSize(g, true);
      const common = {strides: g.stride, pad: g.pad, dilations: 1};
      const x: [Float32Array, number[]] = [r.normal(g.n * g.h * g.w * g.c), [g.n, g.h, g.w, g.c]];
      const filter: [Float32Array, number[]] = [r.normal(g.kh * g.kw * g.c * g.out), [g.kh, g.kw, g.c, g.out]];
      const dy: [Float32Array, number[]] = [r.normal(dyShape.reduce((a, b) => a * b)), dyShape];
      await compare('DepthwiseConv2dNativeBackpropInput', {dy, filter}, {...common, inputShape: x[1]}, `input ${describeGeometry(g)}`);
      await compare('DepthwiseConv2dNativeBackpropFilter', {x, dy}, {...common, filterShape: filter[1]}, `filter ${describeGeometry(g)}`);
    });
  }

  it('throws a clear error for NCHW and for dilation > 1', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 4, 5, 5]), dy = tf.zeros([1, 4, 5, 5]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', {x, dy},
        {strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 4, 4]} as never)).toThrow(/only NHWC/);
    const x2 = tf.zeros([1, 9, 9, 2]), dy2 = tf.zeros([1, 5, 5, 2]);
    expect(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', {x: x2, dy: dy2},
        {strides: 1, pad: 'valid', dilations: 2, filterShape: [3, 3, 2, 1]} as never)).toThrow(/dilation 1.*\[2, 2\]/);
    tf.dispose([x, dy, x2, dy2]);
  });
});

describe('SIMD Conv2DBackpropInput (installed by default) on wasm vs cpu', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    // Already installed by importing the package: this call is a no-op that reports it.
    expect(useFastWasmConv2DBackpropInput()).toBe(true);
  });

  for (let seed = 1; seed <= CASES; seed++) {
    it(`Conv2DBackpropInput seed ${seed}`, async () => {
      const g = randomGeometry(seed, false), r = rng(3000 + seed);
      const dyShape = outSize(g, false);
      const attrs = {strides: g.stride, pad: g.pad, dataFormat: 'NHWC', inputShape: [g.n, g.h, g.w, g.c]};
      const filter: [Float32Array, number[]] = [r.normal(g.kh * g.kw * g.c * g.out), [g.kh, g.kw, g.c, g.out]];
      const dy: [Float32Array, number[]] = [r.normal(dyShape.reduce((a, b) => a * b)), dyShape];
      await compare('Conv2DBackpropInput', {dy, filter}, attrs, describeGeometry(g));
    });
  }

  it('is switched on and off idempotently, restoring tfjs-wasm\'s kernel', () => {
    const ours = tf.getKernel('Conv2DBackpropInput', 'wasm');
    expect(useFastWasmConv2DBackpropInput()).toBe(true);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(ours);
    expect(useFastWasmConv2DBackpropInput(false)).toBe(false);
    const theirs = tf.getKernel('Conv2DBackpropInput', 'wasm');
    expect(theirs).toBeDefined();
    expect(theirs).not.toBe(ours);
    expect(useFastWasmConv2DBackpropInput(false)).toBe(false);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(theirs);
    // tfjs's kernel still runs after the round trip.
    const dy = tf.ones([1, 3, 3, 2]), f = tf.ones([2, 2, 1, 2]);
    const dx = tf.engine().runKernel('Conv2DBackpropInput', {dy, filter: f},
        {strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 3, 3, 1]} as never) as tf.Tensor;
    expect(dx.shape).toEqual([1, 3, 3, 1]);
    expect(dx.dataSync()[0]).toBe(2);
    tf.dispose([dy, f, dx]);
    expect(useFastWasmConv2DBackpropInput()).toBe(true);
  });
});

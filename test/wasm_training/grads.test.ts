// tf.grads through conv2d, depthwiseConv2d and separableConv2d (plain and fused) run on wasm alone and agree with cpu.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect, it} from 'vitest';
import {useFastWasmConv2DBackpropInput} from '../../src/index';
import {expectClose, rng} from '../util/compare';

const RTOL = 1e-4;

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case { name: string; x: number[]; f: number[]; f2?: number[]; stride: number; pad: Pad; op: 'conv2d' | 'depthwise' | 'separable' | 'fusedConv2d' | 'fusedDepthwise'; }

const CASES: Case[] = [];
const explicit: Pad = [[0, 0], [1, 0], [2, 1], [0, 0]];
for (const stride of [1, 2]) {
  const pads: Pad[] = ['same', 'valid', explicit];
  for (const pad of pads) {
    const p = typeof pad === 'string' ? pad : 'explicit';
    CASES.push({name: `conv2d s${stride} ${p}`, op: 'conv2d', x: [2, 9, 11, 5], f: [3, 3, 5, 7], stride, pad});
    CASES.push({name: `fused conv2d+bias+relu s${stride} ${p}`, op: 'fusedConv2d', x: [2, 9, 11, 5], f: [3, 3, 5, 7], stride, pad});
    CASES.push({name: `depthwiseConv2d s${stride} ${p}`, op: 'depthwise', x: [3, 10, 7, 6], f: [3, 3, 6, 1], stride, pad});
    CASES.push({name: `depthwiseConv2d x2 s${stride} ${p}`, op: 'depthwise', x: [1, 8, 8, 3], f: [5, 5, 3, 2], stride, pad});
    if (pad !== explicit) {
      // tfjs's fused depthwiseConv2d and separableConv2d take no explicit padding.
      CASES.push({name: `fused depthwise+bias+relu6 s${stride} ${p}`, op: 'fusedDepthwise', x: [2, 8, 9, 16], f: [3, 3, 16, 1], stride, pad});
      CASES.push({name: `separableConv2d s${stride} ${p}`, op: 'separable', x: [2, 9, 9, 4], f: [3, 3, 4, 2], f2: [1, 1, 8, 6], stride, pad});
    }
  }
}

/** Loss sum(op(x, f[, f2]) * dy) and its gradients w.r.t. every input, on the current backend. */
function gradsOf(c: Case, data: Float32Array[]) {
  return tf.tidy(() => {
    const x = tf.tensor4d(data[0], c.x as never), f = tf.tensor4d(data[1], c.f as never);
    const f2 = c.f2 ? tf.tensor4d(data[2], c.f2 as never) : null;
    const bias = tf.tensor1d(data[3].subarray(0, c.op === 'fusedDepthwise' ? c.f[2] * c.f[3] : c.f[3]));
    const fn = (xx: tf.Tensor4D, ff: tf.Tensor4D, ff2?: tf.Tensor4D): tf.Tensor4D => {
      switch (c.op) {
        case 'conv2d': return tf.conv2d(xx, ff, c.stride, c.pad);
        case 'depthwise': return tf.depthwiseConv2d(xx, ff, c.stride, c.pad);
        case 'separable': return tf.separableConv2d(xx, ff, ff2!, c.stride, c.pad as 'same' | 'valid');
        case 'fusedConv2d': return tf.fused.conv2d({x: xx, filter: ff, strides: c.stride, pad: c.pad, bias, activation: 'relu'});
        case 'fusedDepthwise':
          return tf.fused.depthwiseConv2d({x: xx, filter: ff, strides: c.stride, pad: c.pad as 'same' | 'valid', bias, activation: 'relu6'});
      }
    };
    const y = fn(x, f, f2 ?? undefined);
    const dy = tf.tensor(data[4].subarray(0, y.size), y.shape);
    const inputs = f2 ? [x, f, f2] : [x, f];
    const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(fn(a[0] as tf.Tensor4D, a[1] as tf.Tensor4D, a[2] as tf.Tensor4D), dy)))(inputs);
    return [y, ...g].map((t) => t.dataSync() as Float32Array);
  });
}

/** Runs every case on wasm against cpu; `fastInput` swaps in the opt-in SIMD Conv2DBackpropInput. */
function gradCases(fastInput: boolean) {
  CASES.forEach((c, i) => {
    if (fastInput && !['conv2d', 'fusedConv2d', 'separable'].includes(c.op)) return;
    it(c.name, async () => {
      const r = rng(500 + i);
      const size = (s: number[]) => s.reduce((a, b) => a * b);
      const data = [r.normal(size(c.x)), r.normal(size(c.f)), r.normal(c.f2 ? size(c.f2) : 1), r.normal(64), r.normal(size(c.x) * 8)];
      await tf.setBackend('cpu');
      const want = gradsOf(c, data);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const got = gradsOf(c, data);
      expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
      const names = ['y', 'dx', 'dfilter', 'dpointwise'];
      expect(got.length).toBe(want.length);
      got.forEach((g, k) => expectClose(g, want[k], RTOL, `${c.name}: ${names[k]}`));
      // Not a vacuous comparison: every gradient carries signal.
      for (const g of got) expect(g.some((v) => v !== 0)).toBe(true);
    });
  });
}

describe('gradients of convolutions on wasm', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  gradCases(false);

  it('says which combination is unsupported (dilation > 1 is refused by tfjs-core itself)', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 7, 7, 2]) as tf.Tensor4D, f = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    expect(() => tf.grad((xx: tf.Tensor) => tf.sum(tf.depthwiseConv2d(xx as tf.Tensor4D, f, 1, 'valid', 'NHWC', 2)))(x))
        .toThrow(/dilation/);
    tf.dispose([x, f]);
  });
});

describe('gradients of convolutions on wasm with the opt-in SIMD Conv2DBackpropInput', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(useFastWasmConv2DBackpropInput()).toBe(true);
    return () => { useFastWasmConv2DBackpropInput(false); };
  });

  gradCases(true);
});

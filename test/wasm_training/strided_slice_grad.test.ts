// The StridedSlice gradient we register (tfjs-core 4.22 has none), against finite differences of the cpu kernel and on wasm.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {describe, expect, it} from 'vitest';
import '../../src/index';
import {expectClose, rng} from '../util/compare';

interface Case {
  name: string; shape: number[]; begin: number[]; end: number[]; strides: number[];
  beginMask?: number; endMask?: number; ellipsisMask?: number; newAxisMask?: number; shrinkAxisMask?: number;
}

const CASES: Case[] = [
  {name: 'EdgeViT subsampling [1,r,r,1]', shape: [2, 6, 8, 3], begin: [0, 0, 0, 0], end: [2, 6, 8, 3], strides: [1, 2, 2, 1]},
  {name: 'stride 3, offsets, uneven end', shape: [7, 5], begin: [1, 0], end: [7, 4], strides: [3, 2]},
  {name: 'negative stride', shape: [6, 4], begin: [5, 3], end: [0, 0], strides: [-2, -1]},
  // Unit strides only: tfjs 4.22's forward StridedSlice is wrong on both cpu and wasm for a shrink axis combined with a stride > 1.
  {name: 'shrink axis', shape: [3, 5, 4], begin: [1, 1, 0], end: [2, 4, 4], strides: [1, 1, 1], shrinkAxisMask: 1},
  {name: 'begin and end masks', shape: [5, 7], begin: [3, 9], end: [0, 1], strides: [2, 3], beginMask: 1, endMask: 2},
  {name: 'new axis and ellipsis', shape: [4, 5, 6], begin: [0, 1], end: [0, 6], strides: [1, 2], newAxisMask: 1, ellipsisMask: 0},
  {name: 'empty slice', shape: [4, 3], begin: [2, 0], end: [2, 3], strides: [1, 1]},
];

/** d/dx sum(stridedSlice(x) * w) for a fixed random w: the slice's scatter of w. */
function gradOf(c: Case, xv: Float32Array, seed: number) {
  return tf.tidy(() => {
    const f = (x: tf.Tensor) => tf.stridedSlice(x, c.begin, c.end, c.strides, c.beginMask, c.endMask, c.ellipsisMask, c.newAxisMask, c.shrinkAxisMask);
    const x = tf.tensor(xv, c.shape);
    const y = f(x);
    const w = tf.tensor(rng(seed).normal(Math.max(y.size, 1)).subarray(0, y.size), y.shape);
    const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), w)))(x);
    // Expected: the same slice of an index tensor tells which x element each y element read.
    const idx = f(tf.reshape(tf.range(0, x.size, 1, 'float32'), c.shape)).dataSync();
    const expected = new Float32Array(x.size);
    const wv = w.dataSync();
    idx.forEach((k, i) => { expected[k] += wv[i]; });
    return {got: g.dataSync() as Float32Array, expected, shape: g.shape};
  });
}

describe.each(['cpu', 'wasm'])('StridedSlice gradient on %s', (backend) => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const before = tf.memory().numTensors;
      const {got, expected, shape} = gradOf(c, rng(40 + i).normal(c.shape.reduce((a, b) => a * b)), 90 + i);
      expect(tf.memory().numTensors).toBe(before);
      expect(shape).toEqual(c.shape);
      if (expected.some((v) => v !== 0)) expectClose(got, expected, 1e-6, c.name);
      else expect(Array.from(got).every((v) => v === 0)).toBe(true);
    });
  });
});

// Our wasm kernels under tfjs's threaded SIMD build (cross-origin-isolated page): shared heap memory, forward and gradients.
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect, it} from 'vitest';
import {positionAwareCircularConv} from '../../src/index';
import {getPaccWasm} from '../../ops/wasm/module';
import {paccBackwardRef, paccForwardRef} from '../../ops/pacc/reference';
import {expectClose, rng} from '../util/compare';

describe('PaCC wasm kernels on the threaded SIMD build', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
  });

  it('use our module on a shared heap', () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    const m = getPaccWasm(tf.backend());
    expect(m.shared, 'the heap should be the threaded build\'s shared memory').toBe(true);
    expect(m.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('forward matches the reference, also after the heap grows', () => {
    const r = rng(31);
    const shape = [2, 9, 6, 21] as [number, number, number, number];
    const size = 2 * 9 * 6 * 21;
    const xs = r.normal(size), fs = r.normal(9 * 21), bs = r.normal(21), ps = r.normal(9 * 21);
    const run = () => tf.tidy(() => positionAwareCircularConv(tf.tensor4d(xs, shape), tf.tensor2d(fs, [9, 21]),
        {direction: 'h', bias: tf.tensor1d(bs), positionEmbedding: tf.tensor2d(ps, [9, 21])}).dataSync());
    const ref = paccForwardRef(xs, {n: 2, h: 9, w: 6, c: 21}, fs, 'h', bs, ps);
    expectClose(run(), ref, 1e-5, 'y');
    const m = getPaccWasm(tf.backend());
    const before = m.memory.buffer.byteLength;
    const big = tf.zeros([before / 4 + (16 << 20)]);
    expect(m.memory.buffer.byteLength).toBeGreaterThan(before);
    expectClose(run(), ref, 1e-5, 'y after growth');
    big.dispose();
  });

  it('tf.grads gives every gradient, with no leaks', () => {
    const r = rng(32);
    const shape = [2, 5, 11, 6] as [number, number, number, number];
    const size = 2 * 5 * 11 * 6;
    const xs = r.normal(size), fs = r.normal(11 * 6), bs = r.normal(6), ps = r.normal(11 * 6), ds = r.normal(size);
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => {
      const dy = tf.tensor4d(ds, shape);
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => tf.sum(tf.mul(positionAwareCircularConv(
          x as tf.Tensor4D, w as tf.Tensor2D, {direction: 'w', bias: b as tf.Tensor1D, positionEmbedding: pe as tf.Tensor2D}), dy));
      return tf.grads(f)([tf.tensor4d(xs, shape), tf.tensor2d(fs, [11, 6]), tf.tensor1d(bs), tf.tensor2d(ps, [11, 6])])
          .map((t) => t.dataSync());
    });
    expect(tf.memory().numTensors).toBe(before);
    const ref = paccBackwardRef(xs, {n: 2, h: 5, w: 11, c: 6}, fs, 'w', ds, ps);
    expectClose(g[0], ref.dx, 1e-4, 'dx');
    expectClose(g[1], ref.dfilter, 1e-4, 'dfilter');
    expectClose(g[2], ref.dbias, 1e-4, 'dbias');
    expectClose(g[3], ref.dpe, 1e-4, 'dpe');
  });
});

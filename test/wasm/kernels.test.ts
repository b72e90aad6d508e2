// wasm kernels beyond the shared spec: heap growth between calls, every channel-count path, no stray writes, heap and tensor leaks.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {beforeAll, describe, expect, it} from 'vitest';
import {positionAwareCircularConv} from '../../src/index';
import {getPaccWasm} from '../../ops/wasm/module';
import {paccBackwardRef, paccForwardRef} from '../../ops/pacc/reference';
import type {PaccDirection} from '../../ops/pacc/kernel_names';
import {expectClose, rng} from '../util/compare';

type Shape = [number, number, number, number];

/** Forward and the four gradients of sum(y·dy) on the current backend, checked against reference.ts. */
function checkAgainstReference(shape: Shape, direction: PaccDirection, seed: number, what: string) {
  const r = rng(seed);
  const [N, H, W, C] = shape;
  const L = direction === 'h' ? H : W;
  const size = N * H * W * C;
  const xs = r.normal(size), fs = r.normal(L * C), bs = r.normal(C), ps = r.normal(L * C), ds = r.normal(size);
  const got = tf.tidy(() => {
    const args = [tf.tensor4d(xs, shape), tf.tensor2d(fs, [L, C]), tf.tensor1d(bs), tf.tensor2d(ps, [L, C])];
    const dy = tf.tensor4d(ds, shape);
    const op = (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => positionAwareCircularConv(
        x as tf.Tensor4D, f as tf.Tensor2D, {direction, bias: b as tf.Tensor1D, positionEmbedding: pe as tf.Tensor2D});
    const y = op(args[0], args[1], args[2], args[3]).dataSync();
    const g = tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => tf.sum(tf.mul(op(x, f, b, pe), dy)))(args);
    return {y, g: g.map((t) => t.dataSync())};
  });
  const s = {n: N, h: H, w: W, c: C};
  expectClose(got.y, paccForwardRef(xs, s, fs, direction, bs, ps), 1e-5, `${what} y`);
  const ref = paccBackwardRef(xs, s, fs, direction, ds, ps);
  expectClose(got.g[0], ref.dx, 1e-4, `${what} dx`);
  expectClose(got.g[1], ref.dfilter, 1e-4, `${what} dfilter`);
  expectClose(got.g[2], ref.dbias, 1e-4, `${what} dbias`);
  expectClose(got.g[3], ref.dpe, 1e-4, `${what} dpe`);
}

describe('PaCC wasm kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
  });

  it('run natively on wasm (no composite fallback)', () => {
    expect(tf.getKernel('PositionAwareCircularConv', 'wasm')).toBeDefined();
    expect(tf.getKernel('PositionAwareCircularConvBackpropInput', 'wasm')).toBeDefined();
    expect(tf.getKernel('PositionAwareCircularConvBackpropFilter', 'wasm')).toBeDefined();
    expect(getPaccWasm(tf.backend()).shared).toBe(false); // Node runs tfjs's non-threaded SIMD build
  });

  // Every channel path: 16-wide tiles, 4-wide vectors, the scalar tail, and their mixes.
  for (const C of [1, 2, 3, 4, 5, 7, 9, 13, 16, 19, 20, 35]) {
    for (const direction of ['h', 'w'] as PaccDirection[]) {
      it(`C = ${C}, direction ${direction}`, () => {
        checkAgainstReference([2, 6, 5, C], direction, 100 + C, `C=${C}`);
        checkAgainstReference([1, 7, 9, C], direction, 300 + C, `C=${C} L odd`);
        checkAgainstReference([1, 3, 2, C], direction, 200 + C, `C=${C} L<4`);
      });
    }
  }

  it('stays correct when the heap grows between two calls', () => {
    const m = getPaccWasm(tf.backend());
    const shape: Shape = [2, 7, 9, 10];
    checkAgainstReference(shape, 'h', 1, 'before growth');
    // An input allocated before the growth and used after it: its offset must still be valid.
    const r = rng(2);
    const xs = r.normal(2 * 7 * 9 * 10), fs = r.normal(9 * 10);
    const x = tf.tensor4d(xs, shape), f = tf.tensor2d(fs, [9, 10]);
    const before = m.memory.buffer.byteLength;
    const big = tf.zeros([before / 4 + (16 << 20)]); // more floats than the whole heap holds now
    const after = m.memory.buffer.byteLength;
    expect(after, 'the heap did not grow: the test would prove nothing').toBeGreaterThan(before);
    const y = positionAwareCircularConv(x, f, {direction: 'w'});
    expectClose(y.dataSync(), paccForwardRef(xs, {n: 2, h: 7, w: 9, c: 10}, fs, 'w'), 1e-5, 'old input after growth');
    checkAgainstReference(shape, 'w', 3, 'after growth');
    tf.dispose([big, x, f, y]);
  });

  it('writes nothing but its outputs: inputs and unrelated tensors keep their contents', () => {
    // Our module writes into tfjs's heap by raw offsets; a wrong stride or size would
    // silently corrupt neighbouring tensors, so surround the calls with sentinels.
    const r = rng(9);
    const sentinels = Array.from({length: 12}, (_, i) => tf.tensor1d(r.normal(37 + 301 * i)));
    const before = sentinels.map((t) => t.dataSync().slice());
    for (const [shape, direction] of [[[2, 7, 9, 19], 'h'], [[3, 5, 6, 33], 'w'], [[1, 2, 3, 4], 'h'], [[2, 4, 1, 1], 'h']] as const) {
      const [N, H, W, C] = shape;
      const L = direction === 'h' ? H : W;
      const inputs = [r.normal(N * H * W * C), r.normal(L * C), r.normal(C), r.normal(L * C), r.normal(N * H * W * C)];
      const ts = [tf.tensor4d(inputs[0], [...shape]), tf.tensor2d(inputs[1], [L, C]), tf.tensor1d(inputs[2]),
        tf.tensor2d(inputs[3], [L, C]), tf.tensor4d(inputs[4], [...shape])];
      tf.tidy(() => {
        const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => tf.sum(tf.mul(positionAwareCircularConv(
            x as tf.Tensor4D, w as tf.Tensor2D, {direction, bias: b as tf.Tensor1D, positionEmbedding: pe as tf.Tensor2D}), ts[4]));
        for (const g of tf.grads(f)(ts.slice(0, 4))) g.dataSync();
      });
      ts.forEach((t, i) => expect(Array.from(t.dataSync()), `input ${i} of [${shape}] ${direction}`).toEqual(Array.from(inputs[i])));
      tf.dispose(ts);
    }
    sentinels.forEach((t, i) => expect(Array.from(t.dataSync()), `sentinel ${i}`).toEqual(Array.from(before[i])));
    tf.dispose(sentinels);
  });

  it('leaks no tensors and no heap bytes (every scratch malloc is freed)', () => {
    const wasm = (tf.backend() as unknown as {wasm: {_malloc(n: number): number; _free(p: number): void}}).wasm;
    const shape: Shape = [2, 8, 6, 12];
    checkAgainstReference(shape, 'h', 4, 'warm-up');
    const live = new Set<number>();
    const malloc = wasm._malloc, free = wasm._free;
    wasm._malloc = (n: number) => { const p = malloc(n); live.add(p); return p; };
    wasm._free = (p: number) => { live.delete(p); free(p); };
    const tensors = tf.memory().numTensors;
    try {
      for (const direction of ['h', 'w'] as PaccDirection[]) checkAgainstReference(shape, direction, 5, 'leak check');
    } finally {
      wasm._malloc = malloc; wasm._free = free;
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(live.size, 'heap blocks allocated during the calls and never freed').toBe(0);
  });
});

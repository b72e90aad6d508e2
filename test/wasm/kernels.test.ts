// wasm kernels beyond the shared spec: heap growth between calls, every channel-count path, no stray writes, heap and tensor leaks.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {beforeAll, describe, expect, it} from 'vitest';
import {positionAwareCircularConv} from '../../src/index';
import {getPaccWasm} from '../../ops/wasm/module';
import {paccForwardRef} from '../../ops/pacc/reference';
import type {PaccDirection} from '../../ops/pacc/kernel_names';
import {expectClose, rng} from '../util/compare';
import {expectPaccMatchesReference, randomPaccCase, Shape4 as Shape} from '../util/pacc_check';
import {FWD_RTOL} from '../util/tolerances';

/** Forward and the four gradients of sum(y·dy) on the current backend (bias and pe on), checked against reference.ts. */
const checkAgainstReference = (shape: Shape, direction: PaccDirection, seed: number, what: string) =>
  expectPaccMatchesReference(randomPaccCase(shape, direction, seed), {what});

describe('PaCC wasm kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
  });

  it('run natively on wasm (no composite fallback)', () => {
    expect(tf.getKernel('PositionAwareCircularConv', 'wasm')).toBeDefined();
    expect(tf.getKernel('PositionAwareCircularConvBackpropInput', 'wasm')).toBeDefined();
    expect(tf.getKernel('PositionAwareCircularConvBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('PositionAwareCircularConvBackpropBiasPe', 'wasm')).toBeDefined();
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
    expectClose(y.dataSync(), paccForwardRef(xs, {n: 2, h: 7, w: 9, c: 10}, fs, 'w'), FWD_RTOL, 'old input after growth');
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

// Our wasm kernels under tfjs's threaded SIMD build (cross-origin-isolated page): shared heap memory, forward and gradients.
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect, it} from 'vitest';
import {getPaccWasm} from '../../ops/wasm/module';
import {expectPaccMatchesReference, randomPaccCase} from '../util/pacc_check';

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

  it('forward and gradients match the reference, also after the heap grows', () => {
    const c = randomPaccCase([2, 9, 6, 21], 'h', 31);
    expectPaccMatchesReference(c, {what: 'before growth'});
    const m = getPaccWasm(tf.backend());
    const before = m.memory.buffer.byteLength;
    const big = tf.zeros([before / 4 + (16 << 20)]);
    expect(m.memory.buffer.byteLength).toBeGreaterThan(before);
    expectPaccMatchesReference(c, {what: 'after growth'});
    big.dispose();
  });

  it('tf.grads gives every gradient, with no leaks', () => {
    const c = randomPaccCase([2, 5, 11, 6], 'w', 32);
    expectPaccMatchesReference(c, {what: 'warm-up'});
    const before = tf.memory().numTensors;
    expectPaccMatchesReference(c);
    expect(tf.memory().numTensors).toBe(before);
  });
});

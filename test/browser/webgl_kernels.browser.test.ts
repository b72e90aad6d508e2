// webgl-only checks of the native kernels: one binary serves every size, packed and sliced inputs, no texture leaks.
import * as tf from '@tensorflow/tfjs-core';
import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {PACC_WEBGL_PACKED} from '../../ops/pacc/kernels/webgl';
import type {PaccDirection} from '../../ops/pacc/kernel_names';
import {expectChainMatchesReference, expectPaccMatchesReference, randomPaccCase, runPacc, Shape4 as Shape} from '../util/pacc_check';

const webgl = () => tf.backend() as MathBackendWebGL;
/** Keys of the compiled binaries of our programs (each userCode carries a `// pacc:<name>` tag). */
const paccBinaries = () =>
  Object.keys((webgl() as unknown as {binaryCache: Record<string, unknown>}).binaryCache).filter((k) => k.includes('// pacc:'));
const tags = (keys: string[]) => [...new Set(keys.map((k) => /pacc:[a-z:-]+/.exec(k)![0]))].sort();

/** Forward + every gradient through the public op, read back (bias and pe on); inputs made by `make` (to get packed/sliced ones). */
const fwdBwd = (shape: Shape, direction: PaccDirection, seed: number) => runPacc(randomPaccCase(shape, direction, seed));

const expectMatchesReference = (shape: Shape, direction: PaccDirection, seed: number, make?: (t: tf.Tensor4D) => tf.Tensor4D) =>
  expectPaccMatchesReference(randomPaccCase(shape, direction, seed), {make});

const PROGRAMS = {
  packed: ['pacc:packed:backprop-filter:pe', 'pacc:packed:backprop-input', 'pacc:packed:column-sum', 'pacc:packed:forward',
    'pacc:packed:init', 'pacc:packed:row-sum'],
  unpacked: ['pacc:backprop-filter', 'pacc:circular:backprop-input', 'pacc:circular:forward', 'pacc:column-sum', 'pacc:init', 'pacc:row-sum'],
};

describe.each(['packed', 'unpacked'] as const)('native webgl kernels, %s programs', (variant) => {
  beforeAll(async () => {
    expect(await tf.setBackend('webgl')).toBe(true);
    expect(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'), 'float32 textures').toBe(true);
    tf.env().set(PACC_WEBGL_PACKED, variant === 'packed');
  });
  afterAll(() => tf.env().set(PACC_WEBGL_PACKED, true));

  it('compile once per program: new sizes reuse the binaries', () => {
    // tfjs keys a binary by coarse texture traits only. Packed: whether each
    // [rows, C] view has even sides (then it is read without index math), so
    // the warm-up covers the parity classes; unpacked: whether a side is 1 or
    // a tensor is tiny, so every axis here is ≥ 2. Then sizes change freely.
    for (const shape of [[2, 6, 6, 8], [1, 5, 4, 8], [1, 5, 5, 8], [2, 6, 6, 9]] as Shape[]) {
      for (const direction of ['h', 'w'] as PaccDirection[]) fwdBwd(shape, direction, 1);
    }
    const warm = paccBinaries();
    expect(tags(warm).filter((t) => PROGRAMS[variant].includes(t))).toEqual(PROGRAMS[variant]);
    for (const [i, shape] of ([[1, 8, 12, 16], [4, 16, 16, 32], [3, 31, 7, 9], [2, 5, 33, 6], [1, 64, 64, 24], [3, 9, 13, 17], [2, 14, 10, 40]] as Shape[]).entries()) {
      for (const direction of ['h', 'w'] as PaccDirection[]) {
        fwdBwd(shape, direction, 10 + i);
        const added = paccBinaries().filter((k) => !warm.includes(k)).map((k) => k.split('\n')[0]);
        expect(added, `binaries compiled for x[${shape}] ${direction}`).toEqual([]);
      }
    }
  });

  it('packed inputs from other ops (even and odd W)', () => {
    const packed = (t: tf.Tensor4D) => {
      const p = tf.add(t, tf.scalar(0)) as tf.Tensor4D;
      expect(webgl().texData.get(p.dataId).isPacked, 'the test input should be a packed texture').toBe(true);
      return p;
    };
    expectMatchesReference([2, 7, 6, 5], 'h', 21, packed);
    expectMatchesReference([2, 7, 6, 5], 'w', 22, packed);
    // Odd W: the packed NHWC layout differs from the [rows, C] view, so tfjs re-lays it out.
    expectMatchesReference([2, 5, 7, 6], 'h', 23, packed);
    expectMatchesReference([2, 5, 7, 6], 'w', 24, packed);
  });

  it('more rows than the maximum texture side (tfjs picks a squarish texture)', () => {
    const max = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
    // Packed textures hold two rows per texel, so go past twice the limit.
    const side = Math.ceil(Math.sqrt(2 * max + 2));
    expectMatchesReference([1, side, side, 2], 'h', 61);
    expectMatchesReference([1, side, side, 3], 'w', 62);
  });

  it('sliced inputs (texture shared with a flat offset)', () => {
    const sliced = (t: tf.Tensor4D) => {
      const big = tf.concat([tf.onesLike(t), t], 0);
      const s = tf.slice(big, [t.shape[0], 0, 0, 0], t.shape) as tf.Tensor4D;
      return s;
    };
    expectMatchesReference([2, 5, 4, 6], 'h', 31, sliced);
    expectMatchesReference([1, 3, 9, 7], 'w', 32, sliced);
  });

  it('outputs feed later ops (pacc after pacc, then a stock op)', () => expectChainMatchesReference([2, 6, 6, 5], 41));

  it('no tensor or texture leaks across repeated forward and backward calls', () => {
    const run = () => fwdBwd([2, 9, 7, 12], 'w', 51);
    run();
    const before = tf.memory() as tf.MemoryInfo & {numBytesInGPU: number};
    for (let i = 0; i < 5; i++) run();
    const after = tf.memory() as tf.MemoryInfo & {numBytesInGPU: number};
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytesInGPU, 'bytes of live textures').toBe(before.numBytesInGPU);
  });
});

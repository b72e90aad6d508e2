// Segmentation cross-entropy: equal to the official loss fixtures (same size and nearest-resized logits), gradient by finite differences, ignore handling, bad input, training steps.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {fixtureReader, loadFixture, nchwToNhwc} from '../util/fixtures';
import {rng} from '../util/compare';

const read = fixtureReader('seg');
const {crossEntropyLoss, nearestIndices} = pacc.segmentation;

/** float64 reference: mean over non-ignored pixels of -log softmax, logits NHWC, nearest source index per the given index arrays. */
function refLoss(logits: Float32Array, [n, h, w, c]: number[], labels: ArrayLike<number>, [lh, lw]: number[], iy: ArrayLike<number>, ix: ArrayLike<number>): number {
  let s = 0, cnt = 0;
  for (let b = 0; b < n; b++) for (let i = 0; i < lh; i++) for (let j = 0; j < lw; j++) {
    const t = labels[(b * lh + i) * lw + j];
    if (t === 255) continue;
    const o = ((b * h + iy[i]) * w + ix[j]) * c;
    let m = -Infinity;
    for (let k = 0; k < c; k++) m = Math.max(m, logits[o + k]);
    let z = 0;
    for (let k = 0; k < c; k++) z += Math.exp(logits[o + k] - m);
    s += -(logits[o + t] - m - Math.log(z));
    cnt++;
  }
  return s / cnt;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`crossEntropyLoss on ${backend}`, () => {
    beforeAll(async () => { expect(await tf.setBackend(backend)).toBe(true); });

    for (const name of ['seg_ce_loss', 'seg_ce_loss_resize']) {
      it(`${name}: equals the official loss (float64 reference, 1e-5 relative)`, async () => {
        const fx = await loadFixture(read, name);
        const lg = nchwToNhwc(fx.tensors.logits);
        const mask = fx.tensors.mask;
        const before = tf.memory().numTensors;
        const logits = tf.tensor4d(lg.data, lg.shape as [number, number, number, number]);
        const labels = tf.tensor3d(Int32Array.from(mask.data), mask.shape as [number, number, number], 'int32');
        const loss = crossEntropyLoss(logits, labels, {ignoreIndex: 255});
        const got = loss.dataSync()[0];
        const want = fx.attrs.loss as number;
        expect(Math.abs(got - want) / want, `loss ${got} vs official ${want}`).toBeLessThan(1e-5);
        // float labels holding integers give the same value
        const lf = tf.tensor3d(mask.data, mask.shape as [number, number, number]);
        const lossF = crossEntropyLoss(logits, lf);
        expect(lossF.dataSync()[0]).toBeCloseTo(got, 6);
        tf.dispose([logits, labels, loss, lf, lossF]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    it('nearest resize follows the legacy PyTorch rule floor(dst·in/out) with a float32 scale (9->30, 13->37, 3->7)', () => {
      expect(Array.from(nearestIndices(9, 30))).toEqual(Array.from({length: 30}, (_, i) => Math.min(Math.floor(Math.fround(i * Math.fround(9 / 30))), 8)));
      expect(Array.from(nearestIndices(3, 7))).toEqual([0, 0, 0, 1, 1, 2, 2]);
      expect(Array.from(nearestIndices(4, 2))).toEqual([0, 2]);
      expect(Array.from(nearestIndices(5, 5))).toEqual([0, 1, 2, 3, 4]);
    });

    it('gradient equals central finite differences of a float64 reference (tiny case with resize and ignored pixels)', () => {
      const r = rng(5);
      const shape = [2, 2, 3, 4];
      const lshape = [5, 4];
      const x = r.normal(2 * 2 * 3 * 4);
      const labels = Int32Array.from({length: 2 * 5 * 4}, () => (r.next() < 0.2 ? 255 : r.int(0, 3)));
      const iy = nearestIndices(2, 5), ix = nearestIndices(3, 4);
      const g = tf.tidy(() => tf.grad((l: tf.Tensor) => crossEntropyLoss(l, tf.tensor3d(labels, [2, 5, 4], 'int32')))(tf.tensor4d(x, shape as [number, number, number, number])).dataSync());
      const eps = 1e-3;
      for (let i = 0; i < x.length; i++) {
        const p = Float32Array.from(x), m = Float32Array.from(x);
        p[i] += eps; m[i] -= eps;
        const fd = (refLoss(p, shape, labels, lshape, iy, ix) - refLoss(m, shape, labels, lshape, iy, ix)) / (2 * eps);
        expect(Math.abs(g[i] - fd), `d/dx[${i}]: ${g[i]} vs ${fd}`).toBeLessThan(2e-4);
      }
    });

    it('ignore handling: a custom ignoreIndex, and an all-ignored batch gives 0 (documented; the official gives NaN)', () => {
      tf.tidy(() => {
        const logits = tf.randomNormal([1, 2, 2, 3]);
        expect(crossEntropyLoss(logits, tf.fill([1, 2, 2], 255, 'int32')).dataSync()[0]).toBe(0);
        const lab = tf.tensor3d([[[0, 7], [7, 2]]], [1, 2, 2], 'int32');
        const v = crossEntropyLoss(logits, lab, {ignoreIndex: 7}).dataSync()[0];
        const lp = tf.logSoftmax(logits, -1).dataSync();
        expect(v).toBeCloseTo(-(lp[0] + lp[3 * 3 + 2]) / 2, 5);
      });
    });

    it('bad input throws errors naming the argument and shapes', () => {
      tf.tidy(() => {
        const logits = tf.zeros([1, 2, 2, 3]);
        expect(() => crossEntropyLoss(tf.zeros([2, 2, 3]), tf.zeros([1, 2, 2], 'int32'))).toThrow(/logits must be a float32 tensor \[N, H, W, C\], got float32 \[2,2,3\]/);
        expect(() => crossEntropyLoss(logits, tf.zeros([1, 2], 'int32'))).toThrow(/labels must be an int32 tensor \[N, H, W\]/);
        expect(() => crossEntropyLoss(logits, tf.zeros([2, 2, 2], 'int32'))).toThrow(/different batch sizes/);
        expect(() => crossEntropyLoss(logits, tf.tensor3d([[[0, 3], [1, 254]]], [1, 2, 2], 'int32'))).toThrow(/labels must be in \[0, 3\) or the ignoreIndex 255; found 3, 254/);
      });
    });
  });
}

describe('training a tiny deeplabV3 with crossEntropyLoss', () => {
  // cpu: 16×16 and batch 1, because tfjs-backend-cpu's conv backprop is a slow scalar loop.
  for (const [backend, s, n] of [['wasm', 32, 2], ['cpu', 16, 1]] as const) {
    it(`${backend}: SGD steps on a fixed ${n}×${s}×${s} batch lower the loss, no leaks per step`, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const model = pacc.models.deeplabV3({backbone: 'paccnet-xs', numClasses: 4, inputShape: [s, s, 3], asppChannels: 8, classifierDropout: 0, asppDropout: 0});
      const x = tf.randomUniform([n, s, s, 3], 0, 1, 'float32', 1);
      const r = rng(3);
      // a blocky mask (quadrants) with some void pixels
      const lab = Int32Array.from({length: n * s * s}, (_, i) => {
        const y = Math.floor((i % (s * s)) / s), xx = i % s;
        return r.next() < 0.1 ? 255 : (y < s / 2 ? 0 : 2) + (xx < s / 2 ? 0 : 1);
      });
      const labels = tf.tensor3d(lab, [n, s, s], 'int32');
      const opt = tf.train.sgd(0.05);
      const losses: number[] = [], counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        const l = opt.minimize(() => crossEntropyLoss(model.apply(x, {training: true}) as tf.Tensor, labels, {validate: i === 0}), true)!;
        losses.push(l.dataSync()[0]);
        l.dispose();
        counts.push(tf.memory().numTensors);
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(Math.min(...losses.slice(2)), `losses ${losses.map((v) => v.toFixed(4))}`).toBeLessThan(losses[0]);
      expect(counts[3]).toBe(counts[1]);
      tf.dispose([x, labels]);
      opt.dispose();
      model.dispose();
    }, 300_000);
  }
});

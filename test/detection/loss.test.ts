// SSD multibox loss: equal to the official ssd_multibox_loss fixture (total, parts, mined mask), finite-difference gradients, no-positive guard, SGD steps on a small SSD (cpu and wasm), leaks.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {seeded} from '../util/compare';
import {fixtureReader, loadFixture} from '../util/fixtures';

const fixture = await loadFixture(fixtureReader('det'), 'ssd_multibox_loss');
const t = (k: string) => tf.tensor(fixture.tensors[k].data, fixture.tensors[k].shape);

/** Plain float64 reference of the official loss (mining by a stable descending sort). */
function referenceLoss(conf: number[], loc: number[], labels: number[], tloc: number[], B: number, P: number, C: number, ratio = 3): number {
  let cls = 0, reg = 0, npos = 0;
  for (let b = 0; b < B; b++) {
    const logp = (i: number, k: number) => {
      const row = conf.slice((b * P + i) * C, (b * P + i + 1) * C);
      const m = Math.max(...row);
      return row[k] - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    };
    const pos = Array.from({length: P}, (_, i) => labels[b * P + i] > 0);
    const np = pos.filter(Boolean).length;
    const l = pos.map((p, i) => (p ? -Infinity : -logp(i, 0)));
    const order = l.map((_, i) => i).sort((x, y) => (l[y] - l[x]) || (x - y));
    const rank = new Array(P); order.forEach((i, r) => { rank[i] = r; });
    for (let i = 0; i < P; i++) {
      if (pos[i] || rank[i] < ratio * np) cls -= logp(i, labels[b * P + i]);
      if (pos[i]) {
        for (let q = 0; q < 4; q++) {
          const d = Math.abs(loc[(b * P + i) * 4 + q] - tloc[(b * P + i) * 4 + q]);
          reg += d < 1 ? 0.5 * d * d : d - 0.5;
        }
      }
    }
    npos += np;
  }
  return (cls + reg) / npos;
}

/** [B, P, 8] features → [conf [B, P, 4], loc [B, P, 4]] by two dense layers (the cpu training stand-in). */
function densePredictor(S: number): tf.LayersModel {
  const p = pacc.detection.ssdAnchors(S, S).length / 4;
  const input = tf.input({shape: [p, 8]});
  const h = tf.layers.dense({units: 16, activation: 'relu'}).apply(input) as tf.SymbolicTensor;
  const conf = tf.layers.dense({units: 4}).apply(h) as tf.SymbolicTensor;
  const loc = tf.layers.dense({units: 4}).apply(h) as tf.SymbolicTensor;
  return tf.model({inputs: input, outputs: [conf, loc]});
}

for (const backend of ['cpu', 'wasm']) {
  describe(`multiboxLoss on ${backend}`, () => {
    it('equals the official ssd_multibox_loss fixture: total, classification and smooth-L1 sums, positives, mined mask', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const [conf, loc, lab, tl] = ['confidences', 'locations', 'target_labels', 'target_locations'].map(t);
      const parts = pacc.detection.multiboxLossParts(conf, loc, lab, tl, {negPosRatio: 3});
      const a = fixture.attrs as Record<string, number>;
      const rel = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);
      expect(rel(parts.total.dataSync()[0], a.total_loss)).toBeLessThan(1e-5);
      expect(rel(parts.classification.dataSync()[0], a.classification_loss_sum)).toBeLessThan(1e-5);
      expect(rel(parts.localisation.dataSync()[0], a.smooth_l1_loss_sum)).toBeLessThan(1e-5);
      expect(parts.numPositives.dataSync()[0]).toBe(a.num_pos);
      expect(Array.from(parts.minedMask.dataSync())).toEqual(Array.from(fixture.tensors.mined_mask.data));
      const loss = pacc.detection.multiboxLoss(conf, loc, lab, tl);
      expect(rel(loss.dataSync()[0], a.total_loss)).toBeLessThan(1e-5);
      tf.dispose([conf, loc, lab, tl, loss, ...Object.values(parts)]);
    });

    it('gradients equal finite differences of a float64 reference on a tiny case (mining without gradient)', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const B = 2, P = 7, C = 4;
      // Deterministic values; labels: image 0 has 2 positives, image 1 has 1.
      const conf = Array.from({length: B * P * C}, (_, i) => 1.3 * Math.sin(0.7 * i + 0.3));
      const loc = Array.from({length: B * P * 4}, (_, i) => 1.6 * Math.cos(0.9 * i + 0.1));
      const tloc = Array.from({length: B * P * 4}, (_, i) => 0.8 * Math.sin(1.1 * i + 0.5));
      const labels = [0, 2, 0, 0, 3, 0, 0, /**/ 0, 0, 1, 0, 0, 0, 0];
      const ref = referenceLoss(conf, loc, labels, tloc, B, P, C);
      const lab = tf.tensor2d(labels, [B, P], 'int32'), tl = tf.tensor3d(tloc, [B, P, 4]);
      const cT = tf.tensor3d(conf, [B, P, C]), lT = tf.tensor3d(loc, [B, P, 4]);
      const [gc, gl] = tf.grads((c: tf.Tensor, l: tf.Tensor) => pacc.detection.multiboxLoss(c, l, lab, tl))([cT, lT]);
      const value = pacc.detection.multiboxLoss(cT, lT, lab, tl);
      expect(Math.abs(value.dataSync()[0] - ref) / ref).toBeLessThan(1e-5);
      const fd = (arr: number[], set: (a: number[]) => number, i: number, h = 1e-4) => {
        const p = arr.slice(), m = arr.slice(); p[i] += h; m[i] -= h;
        return (set(p) - set(m)) / (2 * h);
      };
      const gcd = gc.dataSync(), gld = gl.dataSync();
      let err = 0, scale = 0;
      for (let i = 0; i < conf.length; i++) {
        const g = fd(conf, (c) => referenceLoss(c, loc, labels, tloc, B, P, C), i);
        err = Math.max(err, Math.abs(g - gcd[i])); scale = Math.max(scale, Math.abs(g));
      }
      for (let i = 0; i < loc.length; i++) {
        const g = fd(loc, (l) => referenceLoss(conf, l, labels, tloc, B, P, C), i);
        err = Math.max(err, Math.abs(g - gld[i])); scale = Math.max(scale, Math.abs(g));
      }
      expect(scale).toBeGreaterThan(0.01);
      expect(err / scale).toBeLessThan(1e-4);
      tf.dispose([lab, tl, cT, lT, gc, gl, value]);
    });

    it('a batch without positives gives 0 (official: NaN) with zero, finite gradients; no leaks', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const conf = tf.randomNormal([2, 10, 5]), loc = tf.randomNormal([2, 10, 4]);
      const lab = tf.zeros([2, 10], 'int32'), tl = tf.randomNormal([2, 10, 4]);
      const before = tf.memory().numTensors;
      const l = pacc.detection.multiboxLoss(conf, loc, lab, tl);
      expect(l.dataSync()[0]).toBe(0);
      const [g1, g2] = tf.grads((c: tf.Tensor, x: tf.Tensor) => pacc.detection.multiboxLoss(c, x, lab, tl))([conf, loc]);
      expect([...g1.dataSync(), ...g2.dataSync()].every((v) => v === 0)).toBe(true);
      tf.dispose([l, g1, g2]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([conf, loc, lab, tl]);
    });

    it('bad shapes and ratios name the argument', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const c = tf.zeros([1, 4, 3]), l = tf.zeros([1, 4, 4]), lab = tf.zeros([1, 4]), tl = tf.zeros([1, 4, 4]);
      expect(() => pacc.detection.multiboxLoss(tf.zeros([4, 3]), l, lab, tl)).toThrow(/confidences must be \[B, P, numClasses\]/);
      expect(() => pacc.detection.multiboxLoss(c, tf.zeros([1, 5, 4]), lab, tl)).toThrow(/locations must be \[1,4,4\]/);
      expect(() => pacc.detection.multiboxLoss(c, l, tf.zeros([1, 3]), tl)).toThrow(/targetLabels/);
      expect(() => pacc.detection.multiboxLoss(c, l, lab, tl, {negPosRatio: -1})).toThrow(/negPosRatio/);
      tf.dispose([c, l, lab, tl]);
    });

    // wasm: a small SSD end to end. cpu: tfjs-backend-cpu's conv backprop is a slow scalar loop
    // (an SSD step takes ~30 s), so a per-prior dense predictor stands in for the network there.
    it(`a few SGD steps on ${backend === 'wasm' ? 'a small SSD' : 'a per-prior dense predictor'} lower the loss, without leaks per step`, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const S = 64;
      // Seeded weights: an unseeded init made the loss trajectory (and so this check) differ run to run.
      const model = seeded(3, () =>
        backend === 'wasm' ? pacc.models.ssd({backbone: 'paccnet-xs', numClasses: 4, inputShape: [S, S, 3]}) : densePredictor(S));
      const priors = pacc.detection.ssdAnchors(S, S);
      const gts: [number[], number[]][] = [[[0.1, 0.1, 0.6, 0.7], [1]], [[0.3, 0.2, 0.9, 0.9, 0.05, 0.5, 0.4, 0.95], [2, 3]]];
      const targets = gts.map(([b, l]) => pacc.detection.matchPriors(b, l, priors));
      const P = priors.length / 4;
      const lab = tf.tensor2d(targets.flatMap((m) => Array.from(m.labels)), [2, P], 'int32');
      const tl = tf.tensor3d(targets.flatMap((m) => Array.from(m.locations)), [2, P, 4]);
      const x = backend === 'wasm' ? tf.randomUniform([2, S, S, 3], 0, 1, 'float32', 1) : tf.randomUniform([2, P, 8], 0, 1, 'float32', 1);
      // 0.05 overshot on some inits (training-mode BN over 1×1 maps at batch 2); 0.01 descends for every seed tried.
      const opt = tf.train.sgd(0.01);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const losses: number[] = [], counts: number[] = [];
      for (let i = 0; i < 6; i++) {
        const cost = opt.minimize(() => {
          const [conf, loc] = model.apply(x, {training: true}) as tf.Tensor[];
          return pacc.detection.multiboxLoss(conf, loc, lab, tl);
        }, true, vars)!;
        losses.push(cost.dataSync()[0]);
        cost.dispose();
        counts.push(tf.memory().numTensors);
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(Math.min(...losses.slice(3)), `losses ${losses.map((v) => v.toFixed(3))}`).toBeLessThan(losses[0]);
      expect(counts[5]).toBe(counts[1]);
      tf.dispose([lab, tl, x]);
      opt.dispose();
      model.dispose();
    }, 300_000);
  });
}

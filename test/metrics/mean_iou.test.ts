// meanIoU / ConfusionMatrix: the official miou_case1 fixture, random label maps vs a set-counting reference, empty-class policies, bad input, no tensor leaks.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {ConfusionMatrix, meanIoU} from '../../src/metrics/mean_iou';
import {mulberry32} from '../../tools/rng';
import {fixtureReader, readFixtureF32, readFixtureText} from '../util/fixtures';

const seg = fixtureReader('seg');
// Not loadFixture: the manifest also lists the official logits, which test/fixtures leaves out (only label maps are needed).
const manifest = JSON.parse(await readFixtureText('miou_case1.json', seg));
/** A fixture tensor (integers stored as float32) as Int32Array + shape. */
async function load(name: string): Promise<{data: Int32Array; shape: number[]}> {
  return {data: Int32Array.from(await readFixtureF32(manifest.tensors[name].file, seg)), shape: manifest.tensors[name].shape};
}
const preds = await Promise.all([0, 1, 2].map((i) => load(`pred_labels_${i}`)));
const masks = await Promise.all([0, 1, 2].map((i) => load(`mask_${i}`)));
const attrs = manifest.attrs;

beforeAll(async () => { await tf.setBackend('cpu'); });

describe('official fixture miou_case1 (3 images of different sizes, 255 = void, 21 classes)', () => {
  it('confusion matrix equals the official one exactly; IoU, mean, accuracies equal the official float32 numbers', async () => {
    const r = pacc.metrics.meanIoU(preds, masks, 21);
    const ref = await load('confusion_matrix');
    expect(r.confusion.flat()).toEqual(Array.from(ref.data));
    expect(masks.some((m) => m.data.includes(255))).toBe(true);  // the void pixels are really skipped
    // The official code computes in float32; we compute in float64: agreement to float32 rounding.
    r.iou.forEach((v, c) => expect(Math.abs(v - attrs.eval_class_iou[c]), `class ${c}`).toBeLessThan(1e-7));
    r.classAccuracy.forEach((v, c) => expect(Math.abs(v - attrs.eval_class_acc[c])).toBeLessThan(1e-7));
    expect(Math.abs(r.mIoU - attrs.eval_mean_iou)).toBeLessThan(1e-7);
    expect(Math.abs(r.globalAccuracy - attrs.eval_global_acc)).toBeLessThan(1e-7);
    expect((r.mIoU * 100).toFixed(2)).toBe(attrs.eval_mean_iou_percent_printed);
  });
  it('int32 tensors (one per image, and [1,H,W] predictions against [H,W] labels) give the same result, without leaking', () => {
    const want = meanIoU(preds, masks, 21);
    const pt = preds.map((p) => tf.tensor(p.data, [1, ...p.shape], 'int32'));
    const lt = masks.map((m) => tf.tensor(m.data, m.shape, 'int32'));
    const before = tf.memory().numTensors;
    const got = meanIoU(pt, lt, 21);
    expect(tf.memory().numTensors).toBe(before);
    expect(got.confusion).toEqual(want.confusion);
    expect(got.iou).toEqual(want.iou);
    tf.dispose([...pt, ...lt]);
  });
  it('the streaming ConfusionMatrix accumulates to the same matrix', () => {
    const cm = new pacc.metrics.ConfusionMatrix(21);
    for (let i = 0; i < 3; i++) cm.update(preds[i].data, masks[i].data);
    expect(cm.compute()).toEqual(meanIoU(preds, masks, 21));
    expect(cm.reset().counts.every((v) => v === 0)).toBe(true);
  });
});

/** Reference written the other way round: per class, count |pred=c ∧ gt=c| and |pred=c ∨ gt=c| over valid pixels. */
function referenceIoU(p: Int32Array[], g: Int32Array[], n: number, ignore: number) {
  const iou: number[] = [];
  for (let c = 0; c < n; c++) {
    let inter = 0, union = 0;
    p.forEach((pi, k) => pi.forEach((pv, j) => {
      const gv = g[k][j];
      if (gv === ignore) return;
      if (pv === c && gv === c) inter++;
      if (pv === c || gv === c) union++;
    }));
    iou.push(union ? inter / union : NaN);
  }
  return iou;
}

/** The repository's seeded PRNG (mulberry32). */
const rng = mulberry32;

describe('random label maps', () => {
  it('50 random cases (1-4 images of different sizes, some classes absent) match the set-counting reference', () => {
    for (let c = 0; c < 50; c++) {
      const r = rng(77 + c);
      const n = 2 + Math.floor(r() * 8), ignore = r() < 0.5 ? 255 : -1;
      const ps: Int32Array[] = [], gs: Int32Array[] = [];
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
        const size = 1 + Math.floor(r() * 300);
        // Classes drawn from a subset so that some are absent; gt a noisy copy of the prediction.
        const used = Math.max(1, Math.floor(r() * n));
        const p = Int32Array.from({length: size}, () => Math.floor(r() * used));
        const g = p.map((v) => (r() < 0.1 ? ignore : r() < 0.4 ? Math.floor(r() * n) : v));
        ps.push(p); gs.push(g);
      }
      const want = referenceIoU(ps, gs, n, ignore);
      const got = meanIoU(ps, gs, n, {ignoreIndex: ignore});
      got.iou.forEach((v, k) => (Number.isNaN(want[k]) ? expect(v).toBeNaN() : expect(Math.abs(v - want[k])).toBeLessThan(1e-15)));
      const kept = want.filter((v) => !Number.isNaN(v));
      expect(Math.abs(got.mIoU - kept.reduce((a, b) => a + b, 0) / kept.length)).toBeLessThan(1e-15);
      const valid = gs.reduce((a, g) => a + g.filter((v) => v !== ignore).length, 0);
      expect(got.confusion.flat().reduce((a, b) => a + b, 0)).toBe(valid);
    }
  });
});

describe('classes with an empty union', () => {
  // Class 2 is neither in the gt nor predicted; class 1: IoU 1/3, class 0: IoU 2/4.
  const p = Int32Array.from([0, 0, 1, 0, 1]), g = Int32Array.from([0, 0, 1, 1, 0]);
  it("'skip' (default): NaN iou, mean over the other classes", () => {
    const r = meanIoU(p, g, 3);
    expect(r.iou[2]).toBeNaN();
    expect(r.iou.slice(0, 2)).toEqual([2 / 4, 1 / 3]);
    expect(r.mIoU).toBe((2 / 4 + 1 / 3) / 2);
  });
  it("'zero' counts it as 0 (official training metric); 'nan' gives NaN (official eval script)", () => {
    expect(meanIoU(p, g, 3, {emptyClass: 'zero'}).mIoU).toBe((2 / 4 + 1 / 3 + 0) / 3);
    expect(meanIoU(p, g, 3, {emptyClass: 'nan'}).mIoU).toBeNaN();
    expect(meanIoU(p, g, 2, {emptyClass: 'nan'}).mIoU).toBe((2 / 4 + 1 / 3) / 2);
  });
  it('a class only predicted (absent from gt) has IoU 0 and counts', () => {
    const r = meanIoU(Int32Array.from([2, 0]), Int32Array.from([0, 0]), 3);
    expect(r.iou).toEqual([0.5, NaN, 0]);
    expect(r.mIoU).toBe(0.25);
  });
  it('all pixels void: every class empty, mIoU NaN', () => {
    expect(meanIoU(Int32Array.from([0, 1]), Int32Array.from([255, 255]), 2).mIoU).toBeNaN();
  });
});

describe('input forms and bad input', () => {
  it('accepts {data, shape}, plain integer arrays and Uint8Array masks', () => {
    const r = meanIoU({data: [0, 1, 1, 0], shape: [2, 2]}, {data: Uint8Array.from([0, 1, 255, 1]), shape: [2, 2]}, 2);
    expect(r.confusion).toEqual([[1, 0], [1, 1]]);
    expect(meanIoU([0, 1], Uint8Array.from([0, 1]), 2).mIoU).toBe(1);
  });
  it('label values outside [0, n) ∪ {ignoreIndex} and predictions outside [0, n) throw naming value and index', () => {
    expect(() => meanIoU(Int32Array.from([0, 1]), Int32Array.from([0, 21]), 21)).toThrow(/labels has value 21 at flat index 1; labels must be in \[0, 21\) or ignoreIndex 255/);
    expect(() => meanIoU(Int32Array.from([0, 1]), Int32Array.from([254, 0]), 21)).toThrow(/value 254 at flat index 0/);
    expect(() => meanIoU([Int32Array.from([0]), Int32Array.from([0, -1])], [Int32Array.from([0]), Int32Array.from([0, 0])], 21)).toThrow(/predictions\[1\] has value -1 at flat index 1; predictions must be class indices in \[0, 21\)/);
    expect(() => meanIoU(Int32Array.from([3]), Int32Array.from([0]), 3)).toThrow(/predictions has value 3/);
    expect(() => meanIoU([0.5, 1], [0, 1], 2)).toThrow(/predictions has value 0.5/);
  });
  it('mismatched sizes, empty inputs, list/single mix and list lengths throw', () => {
    expect(() => meanIoU({data: [0, 0, 0, 0, 0, 0], shape: [2, 3]}, {data: [0, 0, 0, 0, 0, 0], shape: [3, 2]}, 2)).toThrow(/shape \[2,3\].*shape \[3,2\].*differ in size/);
    expect(() => meanIoU(Int32Array.from([0, 0]), Int32Array.from([0]), 2)).toThrow(/2 values.*1 values.*differ in size/);
    expect(() => meanIoU(new Int32Array(0), new Int32Array(0), 2)).toThrow(/are empty/);
    expect(() => meanIoU([], [], 2)).toThrow(/empty lists/);
    expect(() => meanIoU([Int32Array.from([0])], Int32Array.from([0]), 2)).toThrow(/predictions is a list of label maps but labels is one label map/);
    expect(() => meanIoU([Int32Array.from([0])], [Int32Array.from([0]), Int32Array.from([0])], 2)).toThrow(/1 predictions but 2 labels/);
    expect(() => meanIoU({data: [0, 1, 2], shape: [2, 2]}, {data: [0, 1, 2, 3], shape: [2, 2]}, 2)).toThrow(/predictions.data has 3 values but shape \[2,2\] needs 4/);
  });
  it('float dtypes throw naming the dtype; numClasses must be a positive integer', () => {
    const f = tf.tensor([0, 1], [2], 'float32'), i = tf.tensor([0, 1], [2], 'int32');
    expect(() => meanIoU(f, i, 2)).toThrow(/predictions is a float32 tensor of shape \[2\]; label maps must be int32/);
    expect(() => meanIoU(i, Float32Array.from([0, 1]) as never, 2)).toThrow(/labels is a Float32Array; label maps must hold integers/);
    tf.dispose([f, i]);
    for (const bad of [0, -3, 2.5, NaN]) expect(() => meanIoU([0], [0], bad)).toThrow(/numClasses must be a positive integer/);
    expect(() => meanIoU([0], [0], 2, {emptyClass: 'drop' as never})).toThrow(/emptyClass must be 'skip', 'zero' or 'nan'/);
    expect(() => meanIoU([0], [0], 2, {ignoreIndex: 0.5})).toThrow(/ignoreIndex must be an integer/);
  });
  it('a failed update leaves a streaming matrix unchanged', () => {
    const cm = new ConfusionMatrix(2).update([0, 1], [0, 1]);
    expect(() => cm.update([Int32Array.from([0, 1]), Int32Array.from([5])], [Int32Array.from([0, 1]), Int32Array.from([0])])).toThrow(/predictions\[1\] has value 5/);
    expect(cm.matrix).toEqual([[1, 0], [0, 1]]);
  });
});

// SSD post-processing equal to the official predict() fixtures (ssd_postprocess, ssd_postprocess_topk), box scaling equal to det_boxes_pixels, NMS vs a plain reference (ties, identical boxes, IoU at the threshold), anchors tensor.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {fixtureReader, loadFixture} from '../util/fixtures';

const load = async (name: string) => {
  const fx = await loadFixture(fixtureReader('det'), name);
  return {attrs: fx.attrs as Record<string, any>, get: (k: string) => fx.tensors[k]};
};
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

describe('postprocess', () => {
  beforeAll(async () => { expect(await tf.setBackend('wasm')).toBe(true); });

  for (const [name, size] of [['ssd_postprocess', 128], ['ssd_postprocess_topk', 192]] as const) {
    it(`equals the official predict() on ${name} (${size}×${size} priors): labels, order, scores, boxes`, async () => {
      const fx = await load(name);
      const anchors = fx.get('anchors_center');
      // Our generator gives the fixture's priors.
      const ours = pacc.detection.anchors([size, size]);
      expect(ours.shape).toEqual(anchors.shape);
      expect(maxAbs(ours.dataSync(), anchors.data)).toBeLessThan(1e-6);
      const c = fx.get('confidences'), l = fx.get('locations');
      const conf = tf.tensor(c.data, c.shape), loc = tf.tensor(l.data, l.shape);
      const before = tf.memory().numTensors;
      const [det] = pacc.detection.postprocess(conf, loc, ours);
      expect(tf.memory().numTensors).toBe(before + 3); // only the returned tensors
      const labels = fx.get('det_labels').data, scores = fx.get('det_scores').data, boxes = fx.get('det_boxes').data;
      expect(det.labels.dtype).toBe('int32');
      expect(Array.from(det.labels.dataSync())).toEqual(Array.from(labels));
      expect(det.boxes.shape).toEqual([labels.length, 4]);
      expect(maxAbs(det.scores.dataSync(), scores)).toBeLessThan(1e-5);
      expect(maxAbs(det.boxes.dataSync(), boxes)).toBeLessThan(1e-5);
      if (name === 'ssd_postprocess') {
        const px = pacc.detection.scaleBoxes(det.boxes, 500, 375); // det_boxes_pixels: a 375×500 (H×W) image
        const want = fx.get('det_boxes_pixels').data;
        expect(maxAbs(px.dataSync(), want)).toBeLessThan(1e-3); // pixels: 1e-5 relative to 500
        expect(Math.max(...px.dataSync())).toBeLessThanOrEqual(500);
        px.dispose();
      } else {
        expect(fx.attrs.kept_after_nms_before_top_k_per_class['5']).toBe(639);
        expect(Array.from(det.labels.dataSync()).filter((v) => v === 5).length).toBe(200);
      }
      tf.dispose([conf, loc, ours, det.boxes, det.scores, det.labels]);
    });
  }

  it('options: a higher threshold keeps a subset; topK 1 keeps one box per class; no detection -> empty tensors', async () => {
    const fx = await load('ssd_postprocess');
    const c = fx.get('confidences'), l = fx.get('locations');
    const conf = tf.tensor(c.data, c.shape), loc = tf.tensor(l.data, l.shape);
    const a = pacc.detection.ssdAnchors(128, 128);
    const [one] = pacc.detection.postprocess(conf, loc, a, {topK: 1});
    const labs = Array.from(one.labels.dataSync());
    expect(new Set(labs).size).toBe(labs.length);
    const [none] = pacc.detection.postprocess(conf, loc, a, {confidenceThreshold: 1});
    expect(none.boxes.shape).toEqual([0, 4]);
    expect(none.scores.shape).toEqual([0]);
    tf.dispose([conf, loc, one.boxes, one.scores, one.labels, none.boxes, none.scores, none.labels]);
  });

  it('batches: one Detections per image, each equal to the single-image call', () => {
    const conf = tf.randomNormal([2, 520, 6], 0, 2, 'float32', 3), loc = tf.randomNormal([2, 520, 4], 0, 1, 'float32', 4);
    const a = pacc.detection.ssdAnchors(128, 128);
    const both = pacc.detection.postprocess(conf, loc, a);
    expect(both.length).toBe(2);
    for (let i = 0; i < 2; i++) {
      const [single] = pacc.detection.postprocess(tf.slice(conf, [i, 0, 0], [1, 520, 6]), tf.slice(loc, [i, 0, 0], [1, 520, 4]), a);
      expect(Array.from(both[i].boxes.dataSync())).toEqual(Array.from(single.boxes.dataSync()));
      expect(Array.from(both[i].labels.dataSync())).toEqual(Array.from(single.labels.dataSync()));
      tf.dispose([single.boxes, single.scores, single.labels]);
    }
    tf.dispose([conf, loc, ...both.flatMap((d) => [d.boxes, d.scores, d.labels])]);
  });

  it('bad inputs name the argument', () => {
    const conf = tf.zeros([1, 520, 3]), loc = tf.zeros([1, 520, 4]);
    const a = pacc.detection.ssdAnchors(128, 128);
    expect(() => pacc.detection.postprocess(tf.zeros([520, 3]), loc, a)).toThrow(/confidences must be \[N, A, numClasses\]/);
    expect(() => pacc.detection.postprocess(conf, tf.zeros([1, 519, 4]), a)).toThrow(/locations must be \[1,520,4\]/);
    expect(() => pacc.detection.postprocess(conf, loc, pacc.detection.ssdAnchors(64, 64))).toThrow(/anchors must be \[520,4\]/);
    expect(() => pacc.detection.scaleBoxes(tf.zeros([3, 5]), 10, 10)).toThrow(/boxes must be \[K, 4\]/);
    expect(() => pacc.detection.scaleBoxes(tf.zeros([3, 4]), 0, 10)).toThrow(/width and height/);
    expect(() => pacc.detection.anchors([0, 10])).toThrow(/height/);
    tf.dispose([conf, loc]);
  });
});

/** Plain reference: repeatedly take the best remaining box (lowest index among ties), drop those with IoU > thr. */
function referenceNms(boxes: number[], scores: number[], thr: number): number[] {
  const iou = (i: number, j: number) => {
    const [a, b] = [boxes.slice(4 * i, 4 * i + 4), boxes.slice(4 * j, 4 * j + 4)];
    const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])), h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
    const inter = w * h;
    // Grid coordinates make inter and union exact; only the ratio is rounded to float32, as
    // torchvision's float kernel computes it (then compared with the double threshold).
    return Math.fround(inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter));
  };
  let rest = scores.map((_, i) => i);
  const keep: number[] = [];
  while (rest.length) {
    let best = rest[0];
    for (const i of rest) if (scores[i] > scores[best]) best = i; // first (lowest index) among ties
    keep.push(best);
    rest = rest.filter((j) => j !== best && !(iou(best, j) > thr));
  }
  return keep;
}

describe('nms', () => {
  it('equals a plain reference on random grid boxes with tied scores and duplicates', () => {
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 40);
      const boxes: number[] = [], scores: number[] = [];
      for (let i = 0; i < n; i++) {
        if (i > 0 && rnd() < 0.15) { const j = Math.floor(rnd() * i); boxes.push(...boxes.slice(4 * j, 4 * j + 4)); } // identical box
        else {
          // Multiples of 1/16: exact in float32, so float32 and float64 IoUs compare alike.
          const x = Math.floor(rnd() * 12) / 16, y = Math.floor(rnd() * 12) / 16;
          boxes.push(x, y, x + (1 + Math.floor(rnd() * 8)) / 16, y + (1 + Math.floor(rnd() * 8)) / 16);
        }
        scores.push(Math.floor(rnd() * 6) / 6); // many ties
      }
      for (const thr of [0.3, 0.5, 0.7]) {
        const ref = referenceNms(boxes, scores, thr);
        expect(Array.from(pacc.detection.nms(boxes, scores, thr)), `trial ${trial}`).toEqual(ref);
        expect(Array.from(pacc.detection.nms(boxes, scores, thr, 3)), `trial ${trial}, maxOutput 3`).toEqual(ref.slice(0, 3));
      }
    }
  });

  it('IoU exactly at the threshold keeps the box (strict >); identical boxes suppress; degenerate boxes survive', () => {
    // [0,0,2,1] vs [0,0,1,1]: IoU = 1/2 exactly.
    expect(Array.from(pacc.detection.nms([0, 0, 2, 1, 0, 0, 1, 1], [0.9, 0.8], 0.5))).toEqual([0, 1]);
    expect(Array.from(pacc.detection.nms([0, 0, 2, 1, 0, 0, 1, 1], [0.9, 0.8], 0.49))).toEqual([0]);
    // IoU 3/10 in float32 is 0.30000001 > 0.3 (double): suppressed, as torchvision does.
    expect(Array.from(pacc.detection.nms([0, 0, 10, 1, 0, 0, 3, 1], [0.9, 0.8], 0.3))).toEqual([0]);
    // Identical boxes and equal scores: the lower index wins.
    expect(Array.from(pacc.detection.nms([0, 0, 1, 1, 0, 0, 1, 1], [0.5, 0.5], 0.5))).toEqual([0]);
    // Zero-area boxes give IoU 0/0 = NaN, which never suppresses (as torchvision).
    expect(Array.from(pacc.detection.nms([0, 0, 0, 0, 0, 0, 0, 0], [0.5, 0.4], 0.5))).toEqual([0, 1]);
    expect(Array.from(pacc.detection.nms([], [], 0.5))).toEqual([]);
    expect(() => pacc.detection.nms([0, 0, 1], [1], 0.5)).toThrow(/boxes length/);
  });
});

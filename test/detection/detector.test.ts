// pacc.detection.load / ObjectDetector.detect: equal to the official predict + eval scaling (ssd_postprocess fixture through a constant-output model), preprocessing, inputs, options, errors, no leaks over 100 calls.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {fixtureReader, loadFixture} from '../util/fixtures';
import {saveToMemory} from '../util/model_checks';

/** The official predict() fixture: raw outputs and the detections made from them. */
const fixture = await loadFixture(fixtureReader('det'), 'ssd_postprocess');
const bin = (k: string) => fixture.tensors[k].data;

/** A 128×128 "detector" whose outputs are the ssd_postprocess fixture's raw outputs whatever the image. */
function constantModel(): tf.LayersModel {
  const conf = bin('confidences'), loc = bin('locations');
  const input = tf.input({shape: [128, 128, 3]});
  const g = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const head = (vals: Float32Array, shape: number[]) => {
    const d = tf.layers.dense({units: vals.length, kernelInitializer: 'zeros', weights: [tf.zeros([3, vals.length]), tf.tensor1d(vals)]}).apply(g) as tf.SymbolicTensor;
    return tf.layers.reshape({targetShape: shape}).apply(d) as tf.SymbolicTensor;
  };
  return tf.model({inputs: input, outputs: [head(conf, [520, 81]), head(loc, [520, 4])]});
}

describe('ObjectDetector', () => {
  beforeAll(async () => { expect(await tf.setBackend('wasm')).toBe(true); });

  it('detect() = official predict() + eval scaling to the image + COCO labels, sorted by score (ssd_postprocess, 375×500 image)', async () => {
    const model = constantModel();
    const det = await pacc.detection.load(model);
    expect(det.inputSize).toEqual([128, 128]);
    const img = tf.zeros([375, 500, 3], 'int32') as tf.Tensor3D;
    const got = await det.detect(img, 1000, 0.05);
    const labels = bin('det_labels'), scores = bin('det_scores'), px = bin('det_boxes_pixels');
    const order = Array.from(scores.keys()).sort((i, j) => (scores[j] - scores[i]) || (i - j));
    expect(got.length).toBe(labels.length);
    got.forEach((d, r) => {
      const k = order[r];
      expect(d.class).toBe(pacc.detection.COCO_LABELS[labels[k] - 1]);
      expect(Math.abs(d.score - scores[k])).toBeLessThan(1e-5);
      const want = [px[4 * k], px[4 * k + 1], px[4 * k + 2] - px[4 * k], px[4 * k + 3] - px[4 * k + 1]];
      for (let q = 0; q < 4; q++) expect(Math.abs(d.bbox[q] - want[q]), `box ${r} coord ${q}`).toBeLessThan(2e-3);
    });
    // maxNumBoxes keeps the best ones; minScore filters strictly.
    const top = await det.detect(img, 5, 0.05);
    expect(top.map((d) => d.score)).toEqual(got.slice(0, 5).map((d) => d.score));
    const hi = await det.detect(img, 1000, 0.3);
    expect(hi.length).toBe(Array.from(scores).filter((s) => s > 0.3).length);
    expect(hi.every((d) => d.score > 0.3)).toBe(true);
    // ImageData-like input gives the same result as the tensor.
    const rgba = {data: new Uint8ClampedArray(500 * 375 * 4), width: 500, height: 375};
    expect(await det.detect(rgba, 1000, 0.05)).toEqual(got);
    img.dispose();
    det.dispose();
    model.dispose();
  });

  // A small model keeps the 100 calls fast (an SSD's ~500 layers cost ~0.1 s of JS per predict);
  // the detector's own work (preprocess, decode, NMS, scaling) is the same.
  it('no leaks: tf.memory().numTensors unchanged over 100 detect() calls', async () => {
    const model = constantModel();
    const det = await pacc.detection.load(model);
    const img = tf.randomUniform([48, 64, 3], 0, 255) as tf.Tensor3D;
    await det.detect(img);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await det.detect(img, 20, i % 2 ? 0.05 : 0.5);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([img]);
    det.dispose();
    model.dispose();
  }, 60_000);

  describe('with a small SSD', () => {
    let model: tf.LayersModel;
    let det: pacc.detection.ObjectDetector;
    beforeAll(async () => {
      model = pacc.models.ssd({backbone: 'paccnet-xs', numClasses: 81, inputShape: [32, 32, 3]});
      det = await pacc.detection.load(model);
    });
    afterAll(() => { det.dispose(); model.dispose(); });

    it('preprocessing = bilinear resize (half-pixel), RGB→BGR, /255, then the model: same detections as the manual pipeline', async () => {
      const img = tf.randomUniform([90, 120, 3], 0, 255, 'int32', 5) as tf.Tensor3D;
      const got = await det.detect(img, 50, 0.011);
      const [conf, loc] = tf.tidy(() => {
        const x = tf.div(tf.reverse(tf.image.resizeBilinear(tf.cast(img, 'float32') as tf.Tensor3D, [32, 32], false, true), -1), 255);
        return model.predict(tf.expandDims(x, 0)) as tf.Tensor[];
      });
      const [d] = pacc.detection.postprocess(conf, loc, pacc.detection.ssdAnchors(32, 32), {confidenceThreshold: 0.011});
      const px = pacc.detection.scaleBoxes(d.boxes, 120, 90);
      const s = d.scores.dataSync(), b = px.dataSync(), l = d.labels.dataSync();
      const order = Array.from(s.keys()).sort((i, j) => (s[j] - s[i]) || (i - j)).slice(0, 50);
      expect(got.length).toBe(order.length);
      expect(got.length).toBeGreaterThan(0);
      got.forEach((g, r) => {
        const k = order[r];
        expect(g.score).toBeCloseTo(s[k], 6);
        expect(g.class).toBe(pacc.detection.COCO_LABELS[l[k] - 1]);
        expect(g.bbox[0]).toBeCloseTo(b[4 * k], 3);
        expect(g.bbox[3]).toBeCloseTo(b[4 * k + 3] - b[4 * k + 1], 3);
      });
      tf.dispose([img, conf, loc, d.boxes, d.scores, d.labels, px]);
    });

    it('bad inputs and options name the argument', async () => {
      await expect(det.detect(tf.zeros([10, 10]) as unknown as tf.Tensor3D)).rejects.toThrow(/image tensor must be \[H, W, 3\]/);
      await expect(det.detect({data: new Uint8Array(10), width: 3, height: 3})).rejects.toThrow(/RGBA needs 36/);
      await expect(det.detect(42 as unknown as tf.Tensor3D)).rejects.toThrow(/image must be/);
      const img = tf.zeros([8, 8, 3]) as tf.Tensor3D;
      await expect(det.detect(img, -1)).rejects.toThrow(/maxNumBoxes/);
      await expect(det.detect(img, 5, NaN)).rejects.toThrow(/minScore/);
      img.dispose();
      await expect(pacc.detection.load(model, {labels: ['a', 'b']})).rejects.toThrow(/labels must name the 80 classes/);
      await expect(pacc.detection.load(model, {inputSize: [64, 64]})).rejects.toThrow(/differs from the model's input/);
      const few = pacc.models.ssd({backbone: 'paccnet-xs', numClasses: 3, inputShape: [null, null, 3]});
      await expect(pacc.detection.load(few)).rejects.toThrow(/pass labels \(2 names/);
      const custom = await pacc.detection.load(few, {labels: ['cat', 'dog'], inputSize: [64, 96]});
      expect(custom.inputSize).toEqual([64, 96]);
      custom.dispose();
      few.dispose();
      const cls = pacc.models.paccNet({variant: 'xs', numClasses: 5, inputShape: [64, 64, 3]});
      await expect(pacc.detection.load(cls)).rejects.toThrow(/two outputs/);
      cls.dispose();
    }, 60_000);
  });

  it('loads a saved model by IO handler and owns (disposes) it', async () => {
    const m = pacc.models.ssd({backbone: 'mobilevit-xs', numClasses: 81, inputShape: [64, 64, 3]});
    const saved = await saveToMemory(m);
    m.dispose();
    const img = tf.zeros([64, 64, 3]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const det = await pacc.detection.load(tf.io.fromMemory(saved));
    const out = await det.detect(img, 3, 0);
    expect(out.length).toBe(3);
    det.dispose();
    await expect(det.detect(img)).rejects.toThrow(/disposed/);
    expect(tf.memory().numTensors).toBe(before);
    img.dispose();
  }, 60_000);
});

// SemanticSegmenter (pacc.segmentation.load): official eval preprocessing vs OpenCV and a step-by-step reference, segment() output, inputs, leaks, errors.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {fixtureReader, loadFixture} from '../util/fixtures';
import {saveToMemory} from '../util/model_checks';

const read = fixtureReader('seg');
const {load, resizeNearestTorch, PASCAL_VOC_LABELS, pascalColormap} = pacc.segmentation;

/** A random RGB image [h, w, 3] 0..255 (int32) with a seed. */
const image = (h: number, w: number, seed: number) => tf.tidy(() => tf.floor(tf.randomUniform([h, w, 3], 0, 256, 'float32', seed)).toInt() as tf.Tensor3D);

describe('SemanticSegmenter on wasm', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    // A small 21-class model with a strong classifier so several classes appear.
    model = pacc.models.deeplabV3({backbone: 'paccnet-xs', numClasses: 21, inputShape: [null, null, 3], asppChannels: 16});
    const w = model.getLayer('seg_head.classifier.classifier.block.conv');
    const [k, b] = w.getWeights(); // the variables' own tensors: not disposed here
    const k20 = tf.mul(k, 20);
    w.setWeights([k20, b]);
    k20.dispose();
  });
  afterAll(() => model?.dispose());

  // OpenCV's uint8 INTER_LINEAR uses 11-bit fixed-point weights, so float bilinear + rounding lands one
  // level off on some pixels (about 11% at 37×53 → 64); never more.
  it('the resize step equals OpenCV INTER_LINEAR on uint8 (the official eval resize) within 1 level, up and down', async () => {
    const fx = await loadFixture(read, 'cv2_resize');
    const img = tf.tensor3d(fx.tensors.image.data, fx.tensors.image.shape as [number, number, number]);
    for (const s of [64, 16]) {
      const ours = tf.tidy(() => tf.clipByValue(tf.round(tf.image.resizeBilinear(img, [s, s], false, true)), 0, 255).dataSync());
      const want = fx.tensors[`resized_${s}`].data;
      let maxd = 0, off = 0;
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(ours[i] - want[i]);
        maxd = Math.max(maxd, d);
        if (d > 0) off++;
      }
      expect(maxd, `max difference at ${s}`).toBeLessThanOrEqual(1);
      expect(off / want.length, `share of values off by one at ${s}`).toBeLessThan(0.2);
    }
    img.dispose();
  });

  it('predict = resize (half-pixel, rounded) → BGR/255 → model → nearest resize of the logits → argmax, at the image size', async () => {
    const seg = await load(model, {inputSize: 64});
    for (const [h, w] of [[50, 75], [64, 64], [130, 40]]) {
      const img = image(h, w, h + w);
      const got = seg.predict(img);
      expect(got.shape).toEqual([h, w]);
      expect(got.dtype).toBe('int32');
      const want = tf.tidy(() => {
        const x = tf.div(tf.reverse(tf.clipByValue(tf.round(tf.image.resizeBilinear(tf.cast(img, 'float32') as tf.Tensor3D, [64, 64], false, true)), 0, 255), -1), 255);
        const logits = model.predict(x.expandDims(0)) as tf.Tensor4D;
        return tf.argMax(resizeNearestTorch(logits, h, w), -1).squeeze([0]);
      });
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      expect(new Set(got.dataSync()).size, 'several classes present').toBeGreaterThan(1);
      tf.dispose([img, got, want]);
    }
    seg.dispose();
  });

  it('segment(): legend lists only the classes present with PASCAL names and colours, RGBA map coloured per label', async () => {
    const seg = await load(model, {inputSize: 64});
    expect(seg.labels).toEqual([...PASCAL_VOC_LABELS]);
    const img = image(45, 61, 3);
    const labels = seg.predict(img).dataSync();
    const res = await seg.segment(img);
    expect([res.width, res.height]).toEqual([61, 45]);
    expect(res.segmentationMap).toBeInstanceOf(Uint8ClampedArray);
    expect(res.segmentationMap.length).toBe(61 * 45 * 4);
    const cmap = pascalColormap(21);
    for (let i = 0; i < labels.length; i++) {
      expect(Array.from(res.segmentationMap.slice(4 * i, 4 * i + 4))).toEqual([...cmap[labels[i]], 255]);
    }
    const present = [...new Set(labels)].sort((a, b) => a - b);
    expect(Object.keys(res.legend)).toEqual(present.map((k) => PASCAL_VOC_LABELS[k]));
    for (const k of present) expect(res.legend[PASCAL_VOC_LABELS[k]]).toEqual(cmap[k]);
    img.dispose();
    seg.dispose();
  });

  it('the PASCAL colour map is the VOC devkit one (official utils/color_map.py)', () => {
    expect(pascalColormap(6)).toEqual([[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128]]);
    expect(pascalColormap(21)[15]).toEqual([192, 128, 128]); // person
    expect(pascalColormap(21)[20]).toEqual([0, 64, 128]); // tv_monitor
  });

  it('accepts int32 and float32 RGB tensors, RGBA tensors and ImageData-like objects with the same result; custom labels / colormap', async () => {
    const seg = await load(model, {inputSize: 32, labels: Array.from({length: 21}, (_, i) => `c${i}`), colormap: Array.from({length: 21}, (_, i) => [i, 2 * i, 3 * i] as [number, number, number])});
    const img = image(20, 28, 8);
    const rgba = tf.tidy(() => tf.concat([img, tf.fill([20, 28, 1], 255, 'int32')], -1) as tf.Tensor3D);
    const imageData = {data: Uint8ClampedArray.from(rgba.dataSync()), width: 28, height: 20};
    const outs = [img, tf.cast(img, 'float32') as tf.Tensor3D, rgba, imageData].map((x) => seg.predict(x));
    for (const o of outs.slice(1)) expect(Array.from(o.dataSync())).toEqual(Array.from(outs[0].dataSync()));
    const res = await seg.segment(imageData);
    for (const [name, col] of Object.entries(res.legend)) {
      const i = Number(name.slice(1));
      expect(col).toEqual([i, 2 * i, 3 * i]);
    }
    tf.dispose([img, rgba, ...outs]);
    seg.dispose();
  });

  it('no leaks over 100 predict and segment calls', async () => {
    const seg = await load(model, {inputSize: 32});
    const img = image(24, 24, 1);
    seg.predict(img).dispose();
    await seg.segment(img);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      seg.predict(img).dispose();
      await seg.segment(img);
    }
    expect(tf.memory().numTensors).toBe(before);
    img.dispose();
    seg.dispose();
  }, 120_000);

  it('load() from a tf.io handler owns and disposes its model; a passed-in model is left alone', async () => {
    const saved = await saveToMemory(model);
    const seg = await load(tf.io.fromMemory(saved), {inputSize: 32});
    const img = image(16, 16, 2);
    const a = seg.predict(img);
    const mine = await load(model, {inputSize: 32});
    const b = mine.predict(img);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    seg.dispose();
    mine.dispose();
    expect(() => mine.predict(img)).toThrow(/after dispose/);
    (model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor).dispose(); // still usable
    tf.dispose([img, a, b]);
  });

  it('bad input throws errors naming the argument', async () => {
    const seg = await load(model, {inputSize: 32});
    expect(() => seg.predict(tf.zeros([2, 4, 4, 3]) as unknown as tf.Tensor3D)).toThrow(/image tensor must be \[H, W, 3\].*\[2,4,4,3\]/);
    expect(() => seg.predict({data: new Uint8ClampedArray(10), width: 2, height: 2})).toThrow(/ImageData must hold width·height·4 = 16 RGBA bytes, got 10/);
    expect(() => seg.predict('cat.jpg' as unknown as tf.Tensor3D)).toThrow(/image must be a Tensor3D/);
    await expect(load(42 as unknown as string)).rejects.toThrow(/expected a tf.LayersModel/);
    await expect(load(model, {inputSize: 50})).rejects.toThrow(/inputSize must be a positive multiple of 16, got 50/);
    await expect(load(model, {labels: ['a', 'b']})).rejects.toThrow(/labels has 2 names but the model has 21 classes/);
    const fixed = pacc.models.deeplabV3({backbone: 'paccnet-xs', numClasses: 3, inputShape: [32, 32, 3], asppChannels: 8});
    await expect(load(fixed, {inputSize: 64})).rejects.toThrow(/inputSize 64 does not fit the model's input/);
    expect((await load(fixed)).inputSize).toBe(32);
    fixed.dispose();
    seg.dispose();
  });
});

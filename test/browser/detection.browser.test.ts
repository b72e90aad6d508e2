// ObjectDetector.detect in Chromium: canvas, ImageData and image elements go through tf.browser.fromPixels and give the tensor path's detections.
import * as tf from '@tensorflow/tfjs-core';
import {describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';

describe('detection in the browser', () => {
  it('detect(canvas / ImageData / img) = detect(tf.browser.fromPixels(canvas))', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const canvas = document.createElement('canvas');
    canvas.width = 60; canvas.height = 40;
    const ctx = canvas.getContext('2d')!;
    for (let i = 0; i < 12; i++) {
      ctx.fillStyle = `rgb(${(i * 53) % 256}, ${(i * 97) % 256}, ${(i * 31) % 256})`;
      ctx.fillRect((i * 7) % 50, (i * 11) % 30, 10 + i, 8 + i);
    }
    const model = pacc.models.ssd({backbone: 'paccnet-xs', numClasses: 81, inputShape: [32, 32, 3]});
    const det = await pacc.detection.load(model);
    const t = tf.browser.fromPixels(canvas);
    const want = await det.detect(t, 30, 0.011);
    expect(want.length).toBeGreaterThan(0);
    expect(await det.detect(canvas, 30, 0.011)).toEqual(want);
    expect(await det.detect(ctx.getImageData(0, 0, 60, 40), 30, 0.011)).toEqual(want);
    const img = new Image();
    img.src = canvas.toDataURL('image/png'); // lossless, so the pixels are the canvas's
    await img.decode();
    expect(await det.detect(img, 30, 0.011)).toEqual(want);
    t.dispose();
    det.dispose();
    model.dispose();
  });
});

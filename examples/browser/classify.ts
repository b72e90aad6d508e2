// "Run a model": image/webcam input, per-model preprocessing, top-5 with latency, and hooks for detection / segmentation overlays.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';
import {FASHION_CLASSES} from '../shared/idx_parse';

/** A model the page can run: 'fashion' takes 32×32×1 Fashion-MNIST-style input, 'imagenet' the official eval pipeline. */
export interface RunnableModel { id: string; label: string; kind: 'fashion' | 'imagenet'; model: LayersModel; labels?: string[]; }

export interface Prediction { top: {index: number; label: string; p: number}[]; ms: number; output: tf.Tensor; }

/**
 * Draws on the overlay canvas after each prediction (read `prediction.output` synchronously, e.g. dataSync: it is disposed right after). Classification draws nothing; detection boxes
 * and segmentation masks register a renderer here (`registerOverlay`) and read `prediction.output`.
 */
export type OverlayRenderer = (ctx: CanvasRenderingContext2D, prediction: Prediction, model: RunnableModel) => void;
const overlays: OverlayRenderer[] = [];
export function registerOverlay(r: OverlayRenderer) { overlays.push(r); }

/** Input tensor for `m` from a drawable source (image, video, canvas). */
export function preprocess(m: RunnableModel, src: HTMLCanvasElement): tf.Tensor4D {
  return tf.tidy(() => {
    if (m.kind === 'fashion') {
      // Fashion-MNIST is a light object on black, 28×28 centred in the 32×32 input: photos on a light background are inverted.
      const small = document.createElement('canvas');
      small.width = small.height = 28;
      small.getContext('2d')!.drawImage(src, 0, 0, 28, 28);
      let x: tf.Tensor3D = tf.div(tf.cast(tf.browser.fromPixels(small, 1), 'float32'), 255);
      const border = tf.mean(tf.concat([tf.slice(x, [0, 0, 0], [1, 28, 1]), tf.slice(x, [27, 0, 0], [1, 28, 1])])).dataSync()[0];
      if (border > 0.5) x = tf.sub(1, x);
      return tf.expandDims(tf.pad(x, [[2, 2], [2, 2], [0, 0]]), 0);
    }
    const shape = m.model.inputs[0].shape;
    const size = typeof shape[1] === 'number' ? shape[1] : 256;
    return pacc.models.preprocessImage(tf.browser.fromPixels(src, 3), {cropSize: size, resizeTo: Math.round(size * 288 / 256)});
  });
}

/** Runs `m` on `src`, returns the top-5 (softmax) and the latency of predict + read-back. */
export async function classify(m: RunnableModel, src: HTMLCanvasElement, overlay?: HTMLCanvasElement): Promise<Prediction> {
  const t0 = performance.now();
  const x = preprocess(m, src);
  const output = m.model.predict(x) as tf.Tensor;
  x.dispose();
  const probs = tf.tidy(() => tf.softmax(tf.reshape(output, [-1])));
  const {values, indices} = tf.topk(probs, Math.min(5, probs.size));
  const [p, idx] = await Promise.all([values.data(), indices.data()]);
  const ms = performance.now() - t0;
  tf.dispose([probs, values, indices]);
  const labels = m.labels ?? (m.kind === 'fashion' ? FASHION_CLASSES : undefined);
  const pred: Prediction = {top: Array.from(idx, (index, i) => ({index, label: labels?.[index] ?? `class ${index}`, p: p[i]})), ms, output};
  if (overlay) {
    const ctx = overlay.getContext('2d')!;
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    for (const r of overlays) r(ctx, pred, m);
  }
  // Renderers read `output` synchronously; it is freed here so a webcam loop does not leak.
  output.dispose();
  return pred;
}

/** Draws an image/video into the 256×256 view canvas (letterboxed), the source every model reads. */
export function drawToView(view: HTMLCanvasElement, src: CanvasImageSource & {width: number; height: number} | HTMLVideoElement) {
  const w = src instanceof HTMLVideoElement ? src.videoWidth : src.width, h = src instanceof HTMLVideoElement ? src.videoHeight : src.height;
  const ctx = view.getContext('2d')!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, view.width, view.height);
  const s = Math.min(view.width / w, view.height / h);
  ctx.imageSmoothingEnabled = s < 4;
  ctx.drawImage(src, (view.width - w * s) / 2, (view.height - h * s) / 2, w * s, h * s);
}

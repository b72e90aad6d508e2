// SSD inference post-processing as the official SingleShotDetector.predict (softmax, decode, per-class threshold + NMS + top-k), and box scaling to the image.
import * as tf from '@tensorflow/tfjs-core';
import {ssdAnchors} from './anchors';
import {CENTER_VARIANCE, SIZE_VARIANCE} from './box_coder';
import {nms} from './nms';

export interface PostprocessOptions {
  /** Keep a class's prior when its softmax probability is strictly greater. Default 0.05 (the official effective value). */
  confidenceThreshold?: number;
  /** torchvision NMS IoU threshold (a box is dropped when IoU > this). Default 0.5 (official config). */
  nmsIouThreshold?: number;
  /** Boxes kept per class after NMS (≤ 0: all). Default 200. */
  topK?: number;
}

// A type alias (not an interface) so that `Detections[]` is a TensorContainer (tf.tidy can return it).
export type Detections = {
  /** [K, 4] normalised corner form (x1, y1, x2, y2), not clipped. */
  boxes: tf.Tensor2D;
  /** [K] softmax probabilities. */
  scores: tf.Tensor1D;
  /** [K] int32 class indices 1..C-1 (0 = background is never reported). */
  labels: tf.Tensor1D;
};

/** `pacc.detection.anchors([H, W])` → the official priors [A, 4] (center form, normalised) as a float32 tensor. */
export function anchors(inputSize: [number, number]): tf.Tensor2D {
  if (!Array.isArray(inputSize) || inputSize.length !== 2) throw new Error(`anchors: inputSize must be [H, W], got ${JSON.stringify(inputSize)}`);
  const a = ssdAnchors(inputSize[0], inputSize[1]);
  return tf.tensor2d(a, [a.length / 4, 4], 'float32');
}

/** Detections of one image as plain arrays (the core of `postprocess`). */
export interface DetectionArrays {
  /** [K*4] normalised corner form. */
  boxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}

function checkOptions(opts: PostprocessOptions) {
  const thr = opts.confidenceThreshold ?? 0.05;
  const iouThr = opts.nmsIouThreshold ?? 0.5;
  const topK = opts.topK ?? 200;
  if (!Number.isFinite(thr)) throw new Error(`postprocess: confidenceThreshold must be a finite number, got ${thr}`);
  if (!Number.isFinite(iouThr)) throw new Error(`postprocess: nmsIouThreshold must be a finite number, got ${iouThr}`);
  if (!Number.isInteger(topK)) throw new Error(`postprocess: topK must be an integer, got ${topK}`);
  return {thr, iouThr, topK};
}

function checkShapes(confidences: tf.Tensor, locations: tf.Tensor, numPriors: number) {
  if (confidences?.rank !== 3) throw new Error(`postprocess: confidences must be [N, A, numClasses], got [${confidences?.shape}]`);
  const [n, a] = confidences.shape;
  if (locations?.shape.join() !== [n, a, 4].join()) throw new Error(`postprocess: locations must be [${n},${a},4] (from confidences), got [${locations?.shape}]`);
  if (numPriors !== a) throw new Error(`postprocess: anchors must be [${a},4] to match confidences [${confidences.shape}], got ${numPriors} anchors`);
}

/** Softmax probabilities [N, A, C] and decoded corner boxes [N, A, 4] (float32 tensors, as the official code computes them). */
export function decodePredictions(confidences: tf.Tensor, locations: tf.Tensor, priors: tf.Tensor | ArrayLike<number>): [tf.Tensor3D, tf.Tensor3D] {
  const pr = priors instanceof tf.Tensor ? priors : tf.tensor2d(Float32Array.from(priors), [priors.length / 4, 4], 'float32');
  try {
    checkShapes(confidences, locations, pr.size / 4);
    const [n, a] = confidences.shape;
    return tf.tidy(() => {
      const p = tf.softmax(confidences, -1);
      const pt = tf.reshape(pr, [a, 4]);
      const pxy = tf.slice(pt, [0, 0], [a, 2]), pwh = tf.slice(pt, [0, 2], [a, 2]);
      const xy = tf.add(tf.mul(tf.mul(tf.slice(locations, [0, 0, 0], [n, a, 2]), CENTER_VARIANCE), pwh), pxy);
      const wh = tf.mul(tf.exp(tf.mul(tf.slice(locations, [0, 0, 2], [n, a, 2]), SIZE_VARIANCE)), pwh);
      const half = tf.div(wh, 2);
      return [p as tf.Tensor3D, tf.concat([tf.sub(xy, half), tf.add(xy, half)], -1) as tf.Tensor3D];
    });
  } finally {
    if (pr !== priors) pr.dispose();
  }
}

/**
 * Per-class selection on plain arrays: probs [N*A*C], corner boxes [N*A*4] → per image, for each
 * class 1..C−1 ascending: prob > threshold, NMS, first topK; classes concatenated in order.
 */
export function selectDetections(probs: ArrayLike<number>, corner: ArrayLike<number>, n: number, a: number, c: number,
    opts: PostprocessOptions = {}): DetectionArrays[] {
  const {thr, iouThr, topK} = checkOptions(opts);
  const out: DetectionArrays[] = [];
  for (let img = 0; img < n; img++) {
    const boxes: number[] = [], scores: number[] = [], labels: number[] = [];
    for (let cls = 1; cls < c; cls++) {
      const idx: number[] = [];
      for (let i = 0; i < a; i++) if (probs[(img * a + i) * c + cls] > thr) idx.push(i);
      if (!idx.length) continue;
      const cb = new Float32Array(idx.length * 4), cs = new Float32Array(idx.length);
      idx.forEach((i, k) => {
        cs[k] = probs[(img * a + i) * c + cls];
        for (let q = 0; q < 4; q++) cb[4 * k + q] = corner[(img * a + i) * 4 + q];
      });
      const keep = nms(cb, cs, iouThr, topK > 0 ? topK : Infinity);
      for (const k of keep) {
        boxes.push(cb[4 * k], cb[4 * k + 1], cb[4 * k + 2], cb[4 * k + 3]);
        scores.push(cs[k]);
        labels.push(cls);
      }
    }
    out.push({boxes: Float32Array.from(boxes), scores: Float32Array.from(scores), labels: Int32Array.from(labels)});
  }
  return out;
}

/**
 * Per image, as the official `predict()`: softmax over the logits; decode the locations with the
 * priors (variances 0.1 / 0.2); center → corner; for every class 1..C−1 in ascending order keep
 * the priors with probability > confidenceThreshold, run NMS (torchvision semantics), keep the first
 * topK; concatenate the classes in class order. No cross-class limit and no clipping (see `scaleBoxes`).
 * Synchronous (reads the tensors with dataSync). Returns one `Detections` per image (the caller
 * disposes the tensors).
 */
export function postprocess(confidences: tf.Tensor, locations: tf.Tensor, priors: tf.Tensor | ArrayLike<number>,
    opts: PostprocessOptions = {}): Detections[] {
  checkOptions(opts);
  const [probs, corner] = decodePredictions(confidences, locations, priors);
  const P = probs.dataSync(), B = corner.dataSync();
  tf.dispose([probs, corner]);
  const [n, a, c] = confidences.shape;
  return selectDetections(P, B, n, a, c, opts).map((d) => ({
    boxes: tf.tensor2d(d.boxes, [d.scores.length, 4], 'float32'),
    scores: tf.tensor1d(d.scores, 'float32'),
    labels: tf.tensor1d(d.labels, 'int32'),
  }));
}

/**
 * Normalised corner boxes [K, 4] → pixels of a `width`×`height` image, clipped to [0, width] /
 * [0, height], as the official COCO evaluation does. Returns a new tensor.
 */
export function scaleBoxes(boxes: tf.Tensor, width: number, height: number): tf.Tensor2D {
  if (boxes?.rank !== 2 || boxes.shape[1] !== 4) throw new Error(`scaleBoxes: boxes must be [K, 4], got [${boxes?.shape}]`);
  if (!(width > 0 && height > 0)) throw new Error(`scaleBoxes: width and height must be > 0, got ${width}×${height}`);
  return tf.tidy(() => {
    const s = tf.mul(boxes, tf.tensor1d([width, height, width, height], 'float32'));
    return tf.minimum(tf.maximum(s, 0), tf.tensor1d([width, height, width, height], 'float32')) as tf.Tensor2D;
  });
}

// The detection task API (`pacc.detection.load` → ObjectDetector.detect), shaped like @tensorflow-models/coco-ssd.
import * as tf from '@tensorflow/tfjs-core';
import {loadLayersModel, LayersModel} from '@tensorflow/tfjs-layers';
import {ssdAnchors} from './anchors';
import {COCO_LABELS} from './coco_labels';
import {decodePredictions, selectDetections} from './postprocess';

/** An image: a Tensor3D [H, W, 3] (RGB, 0..255, int32 or float32), an ImageData-like `{data (RGBA), width, height}`, or in browsers an image/canvas/video/bitmap element. */
export type DetectorInput = tf.Tensor3D | ImageData | {data: Uint8Array | Uint8ClampedArray; width: number; height: number}
  | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap | OffscreenCanvas;

export interface DetectedObject {
  /** [x, y, width, height] in pixels of the original image (clipped to it). */
  bbox: [number, number, number, number];
  class: string;
  score: number;
}

export interface DetectorOptions {
  /** Names of classes 1..C−1 (`labels[k − 1]` names class k). Default: COCO's 80 when the model has 81 classes. */
  labels?: readonly string[];
  /** [H, W] the image is resized to. Default: the model's fixed input size, else 320×320. */
  inputSize?: [number, number];
  /** NMS IoU threshold (official 0.5) and boxes kept per class after NMS (official 200). */
  nmsIouThreshold?: number;
  topK?: number;
}

/** Converts any accepted image to an RGB float32 [H, W, 3] tensor (0..255). */
function toRgbTensor(image: DetectorInput): tf.Tensor3D {
  if (image instanceof tf.Tensor) {
    if (image.rank !== 3 || image.shape[2] !== 3) throw new Error(`detect: image tensor must be [H, W, 3] RGB, got [${image.shape}]`);
    return tf.cast(image, 'float32');
  }
  const px = image as {data?: unknown; width?: number; height?: number};
  if (px && (px.data instanceof Uint8ClampedArray || px.data instanceof Uint8Array) && Number.isInteger(px.width) && Number.isInteger(px.height)) {
    const w = px.width!, h = px.height!, d = px.data as Uint8Array;
    if (d.length !== w * h * 4) throw new Error(`detect: image data has ${d.length} bytes, ${w}×${h} RGBA needs ${w * h * 4}`);
    const rgb = new Float32Array(w * h * 3);
    for (let i = 0, j = 0; i < d.length; i += 4, j += 3) { rgb[j] = d[i]; rgb[j + 1] = d[i + 1]; rgb[j + 2] = d[i + 2]; }
    return tf.tensor3d(rgb, [h, w, 3]);
  }
  if (typeof document !== 'undefined') return tf.cast(tf.browser.fromPixels(image as HTMLImageElement, 3), 'float32');
  throw new Error('detect: image must be a Tensor3D [H, W, 3], an ImageData-like {data, width, height}, or (in browsers) an image, canvas or video element');
}

/** An SSD with its priors and labels; `detect()` runs the official preprocessing and post-processing. */
export class ObjectDetector {
  readonly model: LayersModel;
  readonly inputSize: [number, number];
  readonly labels: readonly string[];
  private readonly anchors: tf.Tensor2D;
  private readonly ownsModel: boolean;
  private readonly nmsIouThreshold: number;
  private readonly topK: number;
  private disposed = false;

  constructor(model: LayersModel, opts: DetectorOptions & {ownsModel?: boolean} = {}) {
    if (!model || !Array.isArray(model.outputs) || model.outputs.length !== 2) {
      throw new Error(`ObjectDetector: the model must have two outputs [confidences, locations], got ${model?.outputs?.length}`);
    }
    const conf = model.outputs[0].shape, loc = model.outputs[1].shape;
    if (conf.length !== 3 || loc.length !== 3 || loc[2] !== 4 || conf[2] == null) {
      throw new Error(`ObjectDetector: outputs must be confidences [N, A, C] and locations [N, A, 4], got ${JSON.stringify(conf)} and ${JSON.stringify(loc)}`);
    }
    const numClasses = conf[2];
    const fixed = model.inputs[0].shape;
    this.inputSize = opts.inputSize ?? (fixed[1] != null && fixed[2] != null ? [fixed[1], fixed[2]] : [320, 320]);
    const [h, w] = this.inputSize;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) throw new Error(`ObjectDetector: inputSize must be [H, W] positive integers, got ${JSON.stringify(opts.inputSize)}`);
    if ((fixed[1] != null && fixed[1] !== h) || (fixed[2] != null && fixed[2] !== w)) {
      throw new Error(`ObjectDetector: inputSize [${h},${w}] differs from the model's input [${fixed.slice(1, 3)}]`);
    }
    const labels = opts.labels ?? (numClasses === 81 ? COCO_LABELS : undefined);
    if (!labels) throw new Error(`ObjectDetector: the model has ${numClasses} classes; pass labels (${numClasses - 1} names, background excluded)`);
    if (labels.length !== numClasses - 1) throw new Error(`ObjectDetector: labels must name the ${numClasses - 1} classes 1..${numClasses - 1}, got ${labels.length}`);
    const priors = ssdAnchors(h, w);
    if (conf[1] != null && conf[1] !== priors.length / 4) {
      throw new Error(`ObjectDetector: the model predicts ${conf[1]} priors, the ${h}×${w} anchor generator gives ${priors.length / 4}`);
    }
    this.model = model;
    this.labels = labels;
    this.anchors = tf.tensor2d(priors, [priors.length / 4, 4], 'float32');
    this.ownsModel = opts.ownsModel ?? false;
    this.nmsIouThreshold = opts.nmsIouThreshold ?? 0.5;
    this.topK = opts.topK ?? 200;
  }

  /**
   * Detects objects: the image (RGB 0..255) is resized bilinearly to `inputSize`, turned to BGR and
   * scaled by 1/255 (the official input convention); the outputs go through the official
   * post-processing with `minScore` as the confidence threshold (strict); the survivors of all
   * classes are sorted by score and the first `maxNumBoxes` returned, boxes in pixels of the image.
   */
  async detect(image: DetectorInput, maxNumBoxes = 20, minScore = 0.5): Promise<DetectedObject[]> {
    if (this.disposed) throw new Error('ObjectDetector.detect: the detector was disposed');
    if (!(Number.isInteger(maxNumBoxes) && maxNumBoxes >= 0)) throw new Error(`detect: maxNumBoxes must be an integer >= 0, got ${maxNumBoxes}`);
    if (!Number.isFinite(minScore)) throw new Error(`detect: minScore must be a finite number, got ${minScore}`);
    const [h, w] = this.inputSize;
    let height = 0, width = 0;
    const [probs, corner] = tf.tidy(() => {
      const rgb = toRgbTensor(image);
      [height, width] = rgb.shape;
      if (!(height > 0 && width > 0)) throw new Error(`detect: image is empty (${height}×${width})`);
      const resized = tf.image.resizeBilinear(rgb, [h, w], false, true);
      const x = tf.expandDims(tf.div(tf.reverse(resized, -1), 255), 0);
      const [conf, loc] = this.model.predict(x) as tf.Tensor[];
      return decodePredictions(conf, loc, this.anchors);
    });
    let P: Float32Array, B: Float32Array;
    try {
      [P, B] = await Promise.all([probs.data() as Promise<Float32Array>, corner.data() as Promise<Float32Array>]);
    } finally {
      tf.dispose([probs, corner]);
    }
    const [, a, c] = probs.shape;
    const [det] = selectDetections(P, B, 1, a, c, {confidenceThreshold: minScore, nmsIouThreshold: this.nmsIouThreshold, topK: this.topK});
    const order = Array.from(det.scores.keys()).sort((i, j) => (det.scores[j] - det.scores[i]) || (i - j)).slice(0, maxNumBoxes);
    const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
    return order.map((k) => {
      // As the official evaluation: scale to the image, clip to it, then [x, y, w, h].
      const x1 = clip(Math.fround(det.boxes[4 * k] * width), width), y1 = clip(Math.fround(det.boxes[4 * k + 1] * height), height);
      const x2 = clip(Math.fround(det.boxes[4 * k + 2] * width), width), y2 = clip(Math.fround(det.boxes[4 * k + 3] * height), height);
      return {bbox: [x1, y1, x2 - x1, y2 - y1], class: this.labels[det.labels[k] - 1], score: det.scores[k]};
    });
  }

  /** Frees the priors and, when `load` loaded the model from a URL / IO handler, the model. A passed-in model stays the caller's. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.anchors.dispose();
    if (this.ownsModel) this.model.dispose();
  }
}

/**
 * `pacc.detection.load(modelOrUrl, {labels?, inputSize?})`: an `ObjectDetector` over an SSD
 * LayersModel (`pacc.models.ssd`, a converted checkpoint) or a URL / IO handler of a saved one.
 */
export async function load(modelOrUrl: LayersModel | string | tf.io.IOHandler, opts: DetectorOptions = {}): Promise<ObjectDetector> {
  if (modelOrUrl == null) throw new Error('detection.load: modelOrUrl must be a LayersModel, a URL or an IO handler');
  const isModel = typeof (modelOrUrl as LayersModel).predict === 'function' && Array.isArray((modelOrUrl as LayersModel).outputs);
  const model = isModel ? modelOrUrl as LayersModel : await loadLayersModel(modelOrUrl as string | tf.io.IOHandler);
  try {
    return new ObjectDetector(model, {...opts, ownsModel: !isModel});
  } catch (e) {
    if (!isModel) model.dispose();
    throw e;
  }
}

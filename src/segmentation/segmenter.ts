// SemanticSegmenter: the task API in the shape of @tensorflow-models/deeplab (load → segment / predict), with the official DeepLabV3 eval preprocessing.
import * as tf from '@tensorflow/tfjs-core';
import {LayersModel, loadLayersModel} from '@tensorflow/tfjs-layers';
import {nearestIndices} from './loss';
import {PASCAL_VOC_LABELS, pascalColormap} from './pascal';

export type Color = [number, number, number];

/** What `segment` and `predict` accept: an RGB(A) image as a tensor (values 0..255), ImageData (or any `{data, width, height}` RGBA), or in browsers an image / canvas / video element (read with tf.browser.fromPixels). */
export type SegmenterInput = tf.Tensor3D | ImageDataLike | object;

export interface ImageDataLike {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export interface SegmenterOptions {
  /** Class names by index; default the 21 PASCAL VOC labels when the model has 21 classes, else `class_<i>`. */
  labels?: string[];
  /** [r, g, b] per class; default the PASCAL VOC colour map. */
  colormap?: Color[];
  /**
   * Side of the square the image is resized to before the model (official eval: 512). Default: the
   * model's fixed input size, else 512. Must be a multiple of 16.
   */
  inputSize?: number;
}

/** Like @tensorflow-models/deeplab's `DeepLabOutput`. */
export interface SegmentationResult {
  /** Colour of every class present in the map, by label. */
  legend: {[label: string]: Color};
  width: number;
  height: number;
  /** RGBA, `width × height × 4`, alpha 255. */
  segmentationMap: Uint8ClampedArray;
}

function isImageDataLike(x: unknown): x is ImageDataLike {
  const o = x as ImageDataLike;
  return o != null && typeof o === 'object' && (o.data instanceof Uint8ClampedArray || o.data instanceof Uint8Array)
    && Number.isInteger(o.width) && Number.isInteger(o.height);
}

/** The image as an int32-valued float32 RGB tensor [H, W, 3] (values 0..255). The caller owns it. */
function toRgbTensor(image: SegmenterInput): tf.Tensor3D {
  if (image instanceof tf.Tensor) {
    if (image.rank !== 3 || (image.shape[2] !== 3 && image.shape[2] !== 4) || image.shape[0] < 1 || image.shape[1] < 1) {
      throw new Error(`SemanticSegmenter: image tensor must be [H, W, 3] RGB (or [H, W, 4] RGBA), values 0..255; got ${image.dtype} [${image.shape}]`);
    }
    return tf.tidy(() => {
      const rgb = image.shape[2] === 4 ? tf.slice(image, [0, 0, 0], [-1, -1, 3]) : image;
      return tf.cast(rgb, 'float32') as tf.Tensor3D;
    });
  }
  if (isImageDataLike(image)) {
    const {data, width, height} = image;
    if (width < 1 || height < 1 || data.length !== width * height * 4) {
      throw new Error(`SemanticSegmenter: ImageData must hold width·height·4 = ${width * height * 4} RGBA bytes, got ${data.length} for ${width}×${height}`);
    }
    const rgb = new Float32Array(width * height * 3);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgb[i] = data[j]; rgb[i + 1] = data[j + 1]; rgb[i + 2] = data[j + 2];
    }
    return tf.tensor3d(rgb, [height, width, 3]);
  }
  if (typeof document !== 'undefined' && image != null && typeof image === 'object') {
    return tf.tidy(() => tf.cast(tf.browser.fromPixels(image as HTMLCanvasElement), 'float32') as tf.Tensor3D);
  }
  throw new Error('SemanticSegmenter: image must be a Tensor3D [H, W, 3] (0..255), an ImageData-like {data, width, height} or, in a browser, an image/canvas/video element');
}

/**
 * A DeepLabV3 model wrapped with the official evaluation pipeline: the image (RGB 0..255) is resized
 * to `inputSize`² with bilinear interpolation (half-pixel centres, rounded to 0..255 like OpenCV's
 * uint8 resize), flipped to BGR and divided by 255; the logits are resized back to the image size with
 * legacy PyTorch nearest interpolation and argmaxed (done as argmax then nearest, which picks the same
 * pixels). The model is not disposed by `dispose()` when it was passed in, only when `load` fetched it.
 */
export class SemanticSegmenter {
  readonly labels: string[];
  readonly colormap: Color[];
  readonly inputSize: number;
  readonly numClasses: number;
  private disposed = false;

  constructor(readonly model: LayersModel, opts: SegmenterOptions = {}, private readonly ownsModel = false) {
    const out = model.outputs[0].shape;
    const c = out[out.length - 1];
    if (model.outputs.length !== 1 || out.length !== 4 || c == null) {
      throw new Error(`SemanticSegmenter: model must have one output [N, H, W, numClasses], got ${model.outputs.map((o) => `[${o.shape}]`).join(', ')}`);
    }
    this.numClasses = c;
    const inShape = model.inputs[0].shape;
    if (model.inputs.length !== 1 || inShape.length !== 4 || inShape[3] !== 3) {
      throw new Error(`SemanticSegmenter: model must take one input [N, H, W, 3], got ${model.inputs.map((i) => `[${i.shape}]`).join(', ')}`);
    }
    const fixed = inShape[1] != null && inShape[1] === inShape[2] ? inShape[1] : undefined;
    const size = opts.inputSize ?? fixed ?? 512;
    if (!Number.isInteger(size) || size < 16 || size % 16 !== 0) throw new Error(`SemanticSegmenter: inputSize must be a positive multiple of 16, got ${size}`);
    if ((inShape[1] != null && inShape[1] !== size) || (inShape[2] != null && inShape[2] !== size)) {
      throw new Error(`SemanticSegmenter: inputSize ${size} does not fit the model's input ${JSON.stringify(inShape)}`);
    }
    this.inputSize = size;
    const labels = opts.labels ?? (c === PASCAL_VOC_LABELS.length ? [...PASCAL_VOC_LABELS] : Array.from({length: c}, (_, i) => `class_${i}`));
    if (labels.length !== c) throw new Error(`SemanticSegmenter: labels has ${labels.length} names but the model has ${c} classes`);
    const colormap = opts.colormap ?? pascalColormap(Math.max(c, 256)).slice(0, c);
    if (colormap.length < c || !colormap.slice(0, c).every((col) => Array.isArray(col) && col.length === 3 && col.every((v) => Number.isInteger(v) && v >= 0 && v <= 255))) {
      throw new Error(`SemanticSegmenter: colormap must give an [r, g, b] triple of integers 0..255 for each of the ${c} classes`);
    }
    this.labels = labels;
    this.colormap = colormap;
  }

  private check() {
    if (this.disposed) throw new Error('SemanticSegmenter: used after dispose()');
  }

  /** The per-pixel class index, `Tensor2D` int32 [height, width] of the image. The caller disposes it. */
  predict(image: SegmenterInput): tf.Tensor2D {
    this.check();
    const rgb = toRgbTensor(image);
    try {
      const [h, w] = rgb.shape;
      const s = this.inputSize;
      return tf.tidy(() => {
        let x: tf.Tensor = tf.image.resizeBilinear(rgb, [s, s], false, true);
        x = tf.clipByValue(tf.round(x), 0, 255);
        x = tf.div(tf.reverse(x, -1), 255).expandDims(0);
        const logits = this.model.predict(x) as tf.Tensor4D;
        const [, oh, ow] = logits.shape;
        let labels: tf.Tensor = tf.squeeze(tf.argMax(logits, -1), [0]);
        if (oh !== h) labels = tf.gather(labels, tf.tensor1d(nearestIndices(oh, h), 'int32'), 0);
        if (ow !== w) labels = tf.gather(labels, tf.tensor1d(nearestIndices(ow, w), 'int32'), 1);
        return tf.cast(labels, 'int32') as tf.Tensor2D;
      });
    } finally {
      if (rgb !== image) rgb.dispose();
    }
  }

  /** Colour-coded segmentation of the image (as @tensorflow-models/deeplab's `segment`). */
  async segment(image: SegmenterInput): Promise<SegmentationResult> {
    const labels = this.predict(image);
    const [height, width] = labels.shape;
    let data: Int32Array;
    try {
      data = await labels.data() as Int32Array;
    } finally {
      labels.dispose();
    }
    const map = new Uint8ClampedArray(width * height * 4);
    const present = new Set<number>();
    for (let i = 0; i < data.length; i++) {
      const k = data[i];
      present.add(k);
      const [r, g, b] = this.colormap[k];
      map[4 * i] = r; map[4 * i + 1] = g; map[4 * i + 2] = b; map[4 * i + 3] = 255;
    }
    const legend: {[label: string]: Color} = {};
    for (const k of [...present].sort((a, b) => a - b)) legend[this.labels[k]] = [...this.colormap[k]] as Color;
    return {legend, width, height, segmentationMap: map};
  }

  /** Frees the model when `load` created it from a URL / IO handler; the segmenter cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsModel) this.model.dispose();
  }
}

/**
 * A `SemanticSegmenter` for a DeepLabV3 `LayersModel` (e.g. `pacc.models.deeplabV3(...)` or a converted
 * official checkpoint), or for a model.json URL / tf.io handler, loaded with tf.loadLayersModel.
 */
export async function load(modelOrUrl: LayersModel | string | tf.io.IOHandler, opts: SegmenterOptions = {}): Promise<SemanticSegmenter> {
  if (modelOrUrl instanceof LayersModel) return new SemanticSegmenter(modelOrUrl, opts, false);
  if (typeof modelOrUrl === 'string' || (modelOrUrl != null && typeof modelOrUrl === 'object' && typeof (modelOrUrl as tf.io.IOHandler).load === 'function')) {
    const model = await loadLayersModel(modelOrUrl as string | tf.io.IOHandler);
    try {
      return new SemanticSegmenter(model, opts, true);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  throw new Error(`segmentation.load: expected a tf.LayersModel, a model.json URL or a tf.io.IOHandler, got ${modelOrUrl === null ? 'null' : typeof modelOrUrl}`);
}

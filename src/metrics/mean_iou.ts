// Semantic segmentation mean IoU as the official evaluation (engine/eval_segmentation.py ConfusionMatrix): a
// confusion matrix accumulated over all images (rows = ground truth, columns = prediction), then per-class IoU.
import type {Tensor} from '@tensorflow/tfjs-core';

type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/**
 * One label map: an int32 tensor, an integer typed array, a plain array of integers, or `{data, shape}` (data an
 * integer typed array or a plain array of integers). Any shape; prediction and label must agree (size-1 dimensions aside).
 */
export type LabelMap = Tensor | IntegerArray | number[] | {data: IntegerArray | ArrayLike<number>; shape: number[]};

/**
 * What to do with a class whose union is empty (absent from the ground truth and never predicted):
 * - 'skip' (default): its iou is NaN and the mean runs over the other classes;
 * - 'zero': its iou is 0 and it counts in the mean (the official training-time metric);
 * - 'nan': its iou is NaN and so is the mean (the official evaluation script, torch's plain mean).
 */
export type EmptyClassPolicy = 'skip' | 'zero' | 'nan';

export interface MeanIoUOptions {
  /** Ground-truth value to skip (void). Default 255, as the official PASCAL VOC setup. */
  ignoreIndex?: number;
  emptyClass?: EmptyClassPolicy;
}

export interface MeanIoUResult {
  /** Mean of `iou` over the classes the `emptyClass` policy keeps. */
  mIoU: number;
  /** Per class: diag / (row sum + column sum − diag). */
  iou: number[];
  /** numClasses × numClasses pixel counts, rows = ground truth, columns = prediction. */
  confusion: number[][];
  /** Fraction of counted pixels predicted right (the official 'global correct'). */
  globalAccuracy: number;
  /** Per class: diag / row sum (the official 'average row correct'); NaN for a class absent from the gt. */
  classAccuracy: number[];
}

const FLOAT_ARRAYS = ['Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

function isTensor(x: unknown): x is Tensor {
  return x !== null && typeof x === 'object' && typeof (x as Tensor).dataSync === 'function' && typeof (x as Tensor).dtype === 'string' && Array.isArray((x as Tensor).shape);
}

/** Reads one label map into values + shape (null when the input has no shape). No tensors are created. */
function readMap(x: unknown, where: string): {values: ArrayLike<number>; shape: number[] | null; checkInts: boolean} {
  if (isTensor(x)) {
    if (x.isDisposed) throw new Error(`meanIoU: ${where} is a disposed tensor`);
    if (x.dtype !== 'int32') throw new Error(`meanIoU: ${where} is a ${x.dtype} tensor of shape [${x.shape}]; label maps must be int32 (e.g. tf.argMax(logits, -1) or tensor.toInt() after rounding)`);
    return {values: x.dataSync() as Int32Array, shape: x.shape.slice(), checkInts: false};
  }
  if (ArrayBuffer.isView(x)) {
    const name = x.constructor.name;
    if (FLOAT_ARRAYS.includes(name) || x instanceof DataView) throw new Error(`meanIoU: ${where} is a ${name}; label maps must hold integers (Int32Array, Uint8Array, …)`);
    return {values: x as unknown as IntegerArray, shape: null, checkInts: false};
  }
  if (x !== null && typeof x === 'object' && 'data' in x && 'shape' in x) {
    const {data, shape} = x as {data: unknown; shape: unknown};
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`meanIoU: ${where}.shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    const inner = readMap(data, `${where}.data`);
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    if (inner.values.length !== size) throw new Error(`meanIoU: ${where}.data has ${inner.values.length} values but shape [${shape}] needs ${size}`);
    return {values: inner.values, shape: shape.slice(), checkInts: inner.checkInts};
  }
  if (Array.isArray(x)) {
    if (x.length > 0 && typeof x[0] !== 'number') throw new Error(`meanIoU: ${where} is an array of ${typeof x[0]}; pass an int32 tensor, an integer typed array or {data, shape}`);
    return {values: x as number[], shape: null, checkInts: true};
  }
  throw new Error(`meanIoU: ${where} must be an int32 tensor, an integer typed array or {data, shape}, got ${x === null ? 'null' : typeof x}`);
}

const squeezeShape = (s: number[]) => s.filter((d) => d !== 1);

/**
 * Streaming confusion matrix for evaluating a whole validation set without holding every label map in memory:
 * `update()` per image (or batch), then `compute()`. `meanIoU()` is this in one call.
 */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly ignoreIndex: number;
  /** Row-major counts, rows = ground truth. Float64 so that counts stay exact past 2^31 pixels. */
  readonly counts: Float64Array;

  constructor(numClasses: number, opts: {ignoreIndex?: number} = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`meanIoU: numClasses must be a positive integer, got ${numClasses}`);
    if (numClasses > 8192) throw new Error(`meanIoU: numClasses ${numClasses} is above 8192 (the confusion matrix would have ${numClasses}² cells)`);
    const ignoreIndex = opts.ignoreIndex ?? 255;
    if (!Number.isInteger(ignoreIndex)) throw new Error(`meanIoU: ignoreIndex must be an integer, got ${ignoreIndex}`);
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /**
   * Adds one label map pair (or two equally long lists of them). Counts every pixel whose label is in
   * [0, numClasses) and not ignoreIndex; a label outside that set or a prediction outside [0, numClasses) throws
   * (the official code would silently skip the former and mis-index with the latter).
   */
  update(predictions: LabelMap | LabelMap[], labels: LabelMap | LabelMap[]): this {
    const listP = Array.isArray(predictions) && !(predictions.length > 0 && typeof predictions[0] === 'number');
    const listL = Array.isArray(labels) && !(labels.length > 0 && typeof labels[0] === 'number');
    if (listP !== listL) throw new Error(`meanIoU: predictions is ${listP ? 'a list of label maps' : 'one label map'} but labels is ${listL ? 'a list of label maps' : 'one label map'}`);
    const ps = listP ? predictions as LabelMap[] : [predictions as LabelMap];
    const ls = listL ? labels as LabelMap[] : [labels as LabelMap];
    if (ps.length !== ls.length) throw new Error(`meanIoU: ${ps.length} predictions but ${ls.length} labels`);
    if (ps.length === 0) throw new Error('meanIoU: predictions and labels are empty lists');
    // Check every pair before counting anything, so that a bad input leaves the matrix untouched.
    const pairs = ps.map((p, n) => {
      const tag = listP ? `[${n}]` : '';
      const pm = readMap(p, `predictions${tag}`), lm = readMap(ls[n], `labels${tag}`);
      if (pm.values.length !== lm.values.length || (pm.shape && lm.shape && squeezeShape(pm.shape).join() !== squeezeShape(lm.shape).join())) {
        throw new Error(`meanIoU: predictions${tag} (${pm.shape ? `shape [${pm.shape}]` : `${pm.values.length} values`}) and labels${tag} (${lm.shape ? `shape [${lm.shape}]` : `${lm.values.length} values`}) differ in size`);
      }
      if (pm.values.length === 0) throw new Error(`meanIoU: predictions${tag} and labels${tag} are empty`);
      this.check(pm.values, `predictions${tag}`, false, pm.checkInts);
      this.check(lm.values, `labels${tag}`, true, lm.checkInts);
      return [pm.values, lm.values];
    });
    const n = this.numClasses, ig = this.ignoreIndex, c = this.counts;
    for (const [pv, lv] of pairs) {
      for (let i = 0; i < lv.length; i++) {
        const g = lv[i];
        if (g !== ig) c[g * n + pv[i]]++;
      }
    }
    return this;
  }

  private check(v: ArrayLike<number>, where: string, isLabel: boolean, checkInts: boolean) {
    const n = this.numClasses, ig = this.ignoreIndex;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (isLabel && x === ig) continue;
      if (!(x >= 0 && x < n) || (checkInts && !Number.isInteger(x))) {
        throw new Error(`meanIoU: ${where} has value ${x} at flat index ${i}; ${isLabel ? `labels must be in [0, ${n}) or ignoreIndex ${ig}` : `predictions must be class indices in [0, ${n})`}`);
      }
    }
  }

  /** The confusion matrix as rows (ground truth) of columns (prediction). */
  get matrix(): number[][] {
    const n = this.numClasses;
    return Array.from({length: n}, (_, r) => Array.from(this.counts.subarray(r * n, (r + 1) * n)));
  }

  reset(): this {
    this.counts.fill(0);
    return this;
  }

  /** Per-class IoU and the mean, in float64 (the official code uses float32: agreement to ~1e-7). */
  compute(opts: {emptyClass?: EmptyClassPolicy} = {}): MeanIoUResult {
    const policy = opts.emptyClass ?? 'skip';
    if (policy !== 'skip' && policy !== 'zero' && policy !== 'nan') throw new Error(`meanIoU: emptyClass must be 'skip', 'zero' or 'nan', got ${JSON.stringify(policy)}`);
    const n = this.numClasses, c = this.counts;
    const row = new Float64Array(n), col = new Float64Array(n);
    let total = 0, correct = 0;
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < n; k++) { row[r] += c[r * n + k]; col[k] += c[r * n + k]; }
      total += row[r];
      correct += c[r * n + r];
    }
    const iou: number[] = [], classAccuracy: number[] = [];
    let sum = 0, kept = 0;
    for (let k = 0; k < n; k++) {
      const diag = c[k * n + k], union = row[k] + col[k] - diag;
      classAccuracy.push(diag / row[k]);
      if (union === 0) {
        iou.push(policy === 'zero' ? 0 : NaN);
        if (policy === 'zero') kept++;
        if (policy === 'nan') sum = NaN;
      } else {
        iou.push(diag / union);
        sum += diag / union;
        kept++;
      }
    }
    return {mIoU: kept ? sum / kept : NaN, iou, confusion: this.matrix, globalAccuracy: correct / total, classAccuracy};
  }
}

/**
 * Mean IoU of predicted label maps against ground truth, as the official evaluation: one confusion matrix over
 * all pixels of all images (so large images weigh more), pixels whose label is ignoreIndex skipped, IoU per class,
 * mean over classes (see `emptyClass` for classes that never occur). Reads tensors with dataSync and creates none.
 */
export function meanIoU(predictions: LabelMap | LabelMap[], labels: LabelMap | LabelMap[], numClasses: number, opts: MeanIoUOptions = {}): MeanIoUResult {
  return new ConfusionMatrix(numClasses, {ignoreIndex: opts.ignoreIndex}).update(predictions, labels).compute({emptyClass: opts.emptyClass});
}

// Segmentation cross-entropy as the official cvnets loss: mean over non-ignored pixels, logits nearest-resized to the label size first.
import * as tf from '@tensorflow/tfjs-core';

export interface CrossEntropyLossOptions {
  /** Label value excluded from the loss and its mean; official 255 (PASCAL VOC's void). */
  ignoreIndex?: number;
  /**
   * Check that every label is in [0, numClasses) or the ignore index (default true). It reads one
   * boolean back from the backend per call; turn it off in hot training loops once the data is known good.
   */
  validate?: boolean;
}

/**
 * Source indices of PyTorch's legacy `F.interpolate(mode='nearest')` along one axis (torch 1.13,
 * size given): `min(floor(dst · s), in - 1)` with `s = in / out` and the product rounded to float32
 * as the C++ kernel does (Math.fround), so boundary pixels pick the same source as PyTorch.
 */
export function nearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  if (inSize === outSize) { idx.forEach((_, i) => { idx[i] = i; }); return idx; }
  const scale = Math.fround(inSize / outSize);
  for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  return idx;
}

/** The [out, in] 0/1 selection matrix of `nearestIndices`. */
function nearestMatrix(inSize: number, outSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  nearestIndices(inSize, outSize).forEach((src, i) => { m[i * inSize + src] = 1; });
  return tf.tensor2d(m, [outSize, inSize]);
}

/**
 * NHWC nearest resize with the legacy PyTorch index rule (`nearestIndices`). Written as matMuls with
 * 0/1 selection matrices (exact: each output sums one input) because gather's gradient needs
 * UnsortedSegmentSum, which tfjs-backend-wasm 4.22 lacks.
 */
export function resizeNearestTorch(x: tf.Tensor4D, outH: number, outW: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    if (outH !== h) {
      // [H, N·W·C] rows picked by the [outH, H] matrix
      const t = tf.reshape(tf.transpose(y, [1, 0, 2, 3]), [h, n * w * c]);
      y = tf.transpose(tf.reshape(tf.matMul(nearestMatrix(h, outH), t), [outH, n, w, c]), [1, 0, 2, 3]);
    }
    if (outW !== w) {
      const t = tf.reshape(tf.transpose(y, [2, 0, 1, 3]), [w, n * outH * c]);
      y = tf.transpose(tf.reshape(tf.matMul(nearestMatrix(w, outW), t), [outW, n, outH, c]), [1, 2, 0, 3]);
    }
    return y as tf.Tensor4D;
  });
}

/**
 * Pixel-wise softmax cross-entropy of `logits` [N, H, W, C] against integer `labels` [N, H', W']
 * (int32, or float32 holding integers), averaged over the pixels whose label is not `ignoreIndex`
 * — the official DeepLabV3 training loss. When H×W differ from H'×W' the logits are first resized
 * to the labels' size with legacy PyTorch nearest interpolation, as the official loss does.
 * Returns a scalar; differentiable in `logits`. A batch where every pixel is ignored gives 0
 * (the official code divides by zero and gives NaN).
 */
export function crossEntropyLoss(logits: tf.Tensor, labels: tf.Tensor, opts: CrossEntropyLossOptions = {}): tf.Scalar {
  const ignore = opts.ignoreIndex ?? 255;
  if (!(logits instanceof tf.Tensor) || logits.rank !== 4 || logits.dtype !== 'float32') {
    throw new Error(`crossEntropyLoss: logits must be a float32 tensor [N, H, W, C], got ${logits instanceof tf.Tensor ? `${logits.dtype} [${logits.shape}]` : typeof logits}`);
  }
  if (!(labels instanceof tf.Tensor) || labels.rank !== 3 || !(labels.dtype === 'int32' || labels.dtype === 'float32')) {
    throw new Error(`crossEntropyLoss: labels must be an int32 tensor [N, H, W], got ${labels instanceof tf.Tensor ? `${labels.dtype} [${labels.shape}]` : typeof labels}`);
  }
  const [n, , , c] = logits.shape;
  const [ln, lh, lw] = labels.shape;
  if (ln !== n) throw new Error(`crossEntropyLoss: logits [${logits.shape}] and labels [${labels.shape}] have different batch sizes`);
  if (!Number.isInteger(ignore)) throw new Error(`crossEntropyLoss: ignoreIndex must be an integer, got ${ignore}`);
  if (c < 1 || lh < 1 || lw < 1) throw new Error(`crossEntropyLoss: empty logits [${logits.shape}] or labels [${labels.shape}]`);
  return tf.tidy(() => {
    const lab = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const valid = tf.notEqual(lab, ignore);
    if (opts.validate ?? true) {
      const bad = tf.logicalAnd(valid, tf.logicalOr(tf.less(lab, 0), tf.greaterEqual(lab, c)));
      if (tf.any(bad).dataSync()[0]) {
        const vals = [...new Set(Array.from(lab.dataSync()).filter((v) => v !== ignore && (v < 0 || v >= c)))].slice(0, 5);
        throw new Error(`crossEntropyLoss: labels must be in [0, ${c}) or the ignoreIndex ${ignore}; found ${vals.join(', ')}`);
      }
    }
    const x = logits.shape[1] !== lh || logits.shape[2] !== lw ? resizeNearestTorch(logits as tf.Tensor4D, lh, lw) : logits;
    const logp = tf.logSoftmax(x, -1);
    const safe = tf.where(valid, lab, tf.zerosLike(lab));
    const picked = tf.sum(tf.mul(tf.oneHot(safe, c), logp), -1);
    const validF = tf.cast(valid, 'float32');
    // 0 - sum (not neg) so an all-ignored batch gives +0
    const total = tf.sub(0, tf.sum(tf.mul(picked, validF)));
    return tf.div(total, tf.maximum(tf.sum(validF), 1)) as tf.Scalar;
  });
}

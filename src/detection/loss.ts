// SSD multibox loss (official ssd_multibox_loss): hard negative mining, summed cross entropy + smooth L1, divided by the batch's positives.
import * as tf from '@tensorflow/tfjs-core';

export interface MultiboxLossOptions {
  /** Negatives kept per positive, per image (official config: 3). */
  negPosRatio?: number;
}

export interface MultiboxLossParts {
  /** (localisation + classification) / max(numPositives, 1): a scalar. */
  total: tf.Scalar;
  /** Cross entropy summed over positives and mined negatives. */
  classification: tf.Scalar;
  /** Smooth L1 (beta 1) summed over the 4 coordinates of the positives. */
  localisation: tf.Scalar;
  /** Positive priors in the whole batch (float32 scalar). */
  numPositives: tf.Scalar;
  /** [B, P] 1 where a prior enters the classification loss (positives and mined negatives), else 0. */
  minedMask: tf.Tensor2D;
}

function checkInputs(conf: tf.Tensor, loc: tf.Tensor, labels: tf.Tensor, tloc: tf.Tensor, ratio: number) {
  const who = 'multiboxLoss';
  if (conf.rank !== 3) throw new Error(`${who}: confidences must be [B, P, numClasses], got [${conf.shape}]`);
  const [b, p] = conf.shape;
  const want = (t: tf.Tensor, name: string, shape: number[]) => {
    if (t.shape.join() !== shape.join()) throw new Error(`${who}: ${name} must be [${shape}] (from confidences [${conf.shape}]), got [${t.shape}]`);
  };
  want(loc, 'locations', [b, p, 4]);
  want(labels, 'targetLabels', [b, p]);
  want(tloc, 'targetLocations', [b, p, 4]);
  if ((conf.shape[2] ?? 0) < 2) throw new Error(`${who}: confidences need >= 2 classes (background + 1), got [${conf.shape}]`);
  if (!(Number.isFinite(ratio) && ratio >= 0)) throw new Error(`${who}: negPosRatio must be a finite number >= 0, got ${ratio}`);
}

/**
 * The official hard negative mining, per image: background loss `-log_softmax(conf)[..., 0]`,
 * positives set to -inf, priors ranked by it (descending) and a prior selected when its rank <
 * negPosRatio · positives(image); returns positives OR selected as 0/1 float32 [B, P].
 * No gradient flows through it (the official code runs it under no_grad).
 */
export function hardNegativeMining(confidences: tf.Tensor, targetLabels: tf.Tensor, negPosRatio = 3): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, p] = confidences.shape;
    const pos = tf.greater(targetLabels, 0);
    const bg = tf.neg(tf.squeeze(tf.slice(tf.logSoftmax(confidences, -1), [0, 0, 0], [b, p, 1]), [2]));
    const l = tf.where(pos, tf.fill([b, p], -Infinity), bg);
    // rank of each prior = position of its index in the descending order = argsort of the argsort.
    const order = tf.topk(l, p).indices; // [B, P], descending; ties keep the lower index first
    const rank = tf.topk(tf.neg(tf.cast(order, 'float32')), p).indices; // inverse permutation
    const numNeg = tf.mul(tf.sum(tf.cast(pos, 'float32'), 1, true), negPosRatio);
    const neg = tf.less(tf.cast(rank, 'float32'), numNeg);
    return tf.cast(tf.logicalOr(pos, neg), 'float32') as tf.Tensor2D;
  });
}

/** Mining as a custom-gradient op with a zero gradient, so it sits on the tape without TopK/Less gradients. */
const minedMask = (negPosRatio: number) => tf.customGrad(((conf: tf.Tensor, labels: tf.Tensor) => ({
  value: hardNegativeMining(conf, labels, negPosRatio),
  gradFunc: () => [tf.zerosLike(conf), tf.zerosLike(labels)],
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Like `multiboxLoss`, also returning the parts (classification and localisation sums, the
 * positive count and the mined mask). The caller disposes every returned tensor.
 */
export function multiboxLossParts(confidences: tf.Tensor, locations: tf.Tensor, targetLabels: tf.Tensor, targetLocations: tf.Tensor,
    opts: MultiboxLossOptions = {}): MultiboxLossParts {
  const ratio = opts.negPosRatio ?? 3;
  checkInputs(confidences, locations, targetLabels, targetLocations, ratio);
  return tf.tidy(() => {
    const c = confidences.shape[2] as number;
    const labels = tf.cast(targetLabels, 'int32');
    const mask = minedMask(ratio)(confidences, tf.cast(labels, 'float32')) as tf.Tensor2D;
    const logp = tf.logSoftmax(confidences, -1);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(labels, c)), -1); // log p(label) per prior
    const classification = tf.neg(tf.sum(tf.mul(picked, mask))) as tf.Scalar;
    const pos = tf.cast(tf.greater(labels, 0), 'float32');
    const d = tf.sub(locations, targetLocations);
    // smooth L1 (beta 1) as 0.5·min(|d|,1)² + (|d| − min(|d|,1)): no comparison op on the tape.
    const ad = tf.abs(d);
    const m = tf.minimum(ad, 1);
    const sl1 = tf.add(tf.mul(tf.square(m), 0.5), tf.sub(ad, m));
    const localisation = tf.sum(tf.mul(sl1, tf.expandDims(pos, -1))) as tf.Scalar;
    const numPositives = tf.sum(pos) as tf.Scalar;
    // Official: / num_pos with no guard (NaN for a batch without positives). With no positive the
    // mask is empty and both sums are 0, so dividing by max(N, 1) returns 0 with zero gradients.
    const total = tf.div(tf.add(localisation, classification), tf.maximum(numPositives, 1)) as tf.Scalar;
    return {total, classification, localisation, numPositives, minedMask: mask};
  });
}

/**
 * `pacc.detection.multiboxLoss(confidences [B,P,C], locations [B,P,4], targetLabels [B,P],
 * targetLocations [B,P,4], {negPosRatio = 3})` → scalar: the official SSD multibox loss
 * (docs/detection.md). Differentiable in confidences and locations; 0 for a batch without positives.
 */
export function multiboxLoss(confidences: tf.Tensor, locations: tf.Tensor, targetLabels: tf.Tensor, targetLocations: tf.Tensor,
    opts: MultiboxLossOptions = {}): tf.Scalar {
  return tf.tidy(() => multiboxLossParts(confidences, locations, targetLabels, targetLocations, opts).total);
}

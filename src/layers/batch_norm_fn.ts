// Batch normalisation inside composite layers (PaccBlock): the same maths and moving-stat update as tfjs' BatchNormalization.
import * as tf from '@tensorflow/tfjs-core';
import {LayerVariable} from '@tensorflow/tfjs-layers';

export interface BatchNormWeights {
  gamma: LayerVariable;
  beta: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

/**
 * Normalises the last axis of `x`. Inference uses the moving statistics (PyTorch eval); training
 * uses the batch moments over every other axis and moves the statistics by `momentum` (PyTorch's
 * 0.1, i.e. tfjs momentum 0.9), with the biased batch variance exactly like tfjs' own BN layer
 * so a model's stock and in-block BNs behave alike.
 */
export function applyBatchNorm(x: tf.Tensor, w: BatchNormWeights, training: boolean, epsilon = 1e-5, momentum = 0.1): tf.Tensor {
  const gamma = w.gamma.read() as tf.Tensor1D, beta = w.beta.read() as tf.Tensor1D;
  if (!training) {
    return tf.batchNorm(x, w.movingMean.read() as tf.Tensor1D, w.movingVariance.read() as tf.Tensor1D, beta, gamma, epsilon);
  }
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const {mean, variance} = tf.moments(x, axes);
  const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
  tf.tidy(() => {
    for (const [v, batch] of [[w.movingMean, mean], [w.movingVariance, variance]] as const) {
      const old = v.read();
      v.write(tf.add(tf.mul(old, 1 - momentum), tf.mul(batch, momentum)));
    }
  });
  return y;
}

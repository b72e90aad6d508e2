// HardSigmoid layer: PyTorch nn.Hardsigmoid, relu6(x+3)/6 (tfjs' 'hardSigmoid' is 0.2x+0.5, a different curve).
import * as tf from '@tensorflow/tfjs-core';
import {layers} from '@tensorflow/tfjs-layers';
import {getSingleTensor} from './util';

/** `min(max(x + 3, 0), 6) / 6`, elementwise. */
export function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6));
}

export class HardSigmoid extends layers.Layer {
  static className = 'HardSigmoid';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return hardSigmoid(getSingleTensor(inputs, 'HardSigmoid'));
  }
}
tf.serialization.registerClass(HardSigmoid as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

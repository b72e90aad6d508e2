// HardSwish layer: PyTorch nn.Hardswish, x·relu6(x+3)/6 (tfjs-layers has no such activation).
import * as tf from '@tensorflow/tfjs-core';
import {layers} from '@tensorflow/tfjs-layers';
import {getSingleTensor} from './util';

/** `x · min(max(x + 3, 0), 6) / 6`, elementwise. */
export function hardSwish(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)));
}

export class HardSwish extends layers.Layer {
  static className = 'HardSwish';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return hardSwish(getSingleTensor(inputs, 'HardSwish'));
  }
}
tf.serialization.registerClass(HardSwish as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

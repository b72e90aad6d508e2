// Normalization layer (Keras's `Normalization` with constant mean/variance, e.g. ConvNeXt's PreStem), so such Keras exports load.
import * as tf from '@tensorflow/tfjs-core';
import {serialization} from '@tensorflow/tfjs-core';
import {layers} from '@tensorflow/tfjs-layers';
import {singleShape} from './util';

export interface NormalizationArgs {
  name?: string;
  trainable?: boolean;
  /** Axis of the per-feature statistics (Keras default -1). */
  axis?: number | number[];
  mean: number | number[];
  variance: number | number[];
  /** `true`: de-normalise (x · std + mean) instead. */
  invert?: boolean;
}

const NAME = 'Normalization';
/** Keras's backend.epsilon(), the floor of the standard deviation. */
const EPS = 1e-7;

/**
 * `(x − mean) / max(√variance, 1e-7)` per feature of the last axis, as Keras 3's
 * `Normalization(mean=…, variance=…)`. Only the constant form is supported (statistics in
 * the config); an adapted layer (statistics as weights) is rejected with a clear error.
 */
export class Normalization extends layers.Layer {
  static className = NAME;
  readonly axis: number;
  readonly mean: number | number[];
  readonly variance: number | number[];
  readonly invert: boolean;

  constructor(args: NormalizationArgs) {
    super(args);
    const axis = Array.isArray(args?.axis) ? args.axis : [args?.axis ?? -1];
    if (axis.length !== 1) throw new Error(`${NAME}: only one statistics axis is supported, got axis ${JSON.stringify(args.axis)}`);
    if (args?.mean == null || args?.variance == null) {
      throw new Error(`${NAME} '${args?.name}': only constant statistics (mean and variance in the config) are supported; an adapted Normalization keeps them as weights — export the model with them as constants or normalise inputs in JS`);
    }
    this.axis = axis[0];
    this.mean = args.mean;
    this.variance = args.variance;
    this.invert = args.invert ?? false;
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const rank = x.rank, ax = this.axis < 0 ? rank + this.axis : this.axis;
      const shape = Array.from({length: rank}, (_, i) => (i === ax ? -1 : 1));
      const mean = tf.reshape(tf.tensor(this.mean), Array.isArray(this.mean) ? shape : []);
      const std = tf.maximum(tf.sqrt(tf.reshape(tf.tensor(this.variance), Array.isArray(this.variance) ? shape : [])), EPS);
      return this.invert ? tf.add(tf.mul(x, std), mean) : tf.div(tf.sub(x, mean), std);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return {...super.getConfig(), axis: this.axis, mean: this.mean, variance: this.variance, invert: this.invert};
  }
}

if (!serialization.SerializationMap.getMap().classNameMap[NAME]) {
  serialization.registerClass(Normalization as unknown as serialization.SerializableConstructor<serialization.Serializable>);
}

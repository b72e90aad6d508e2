// LayerScale layer (keras.applications ConvNeXt's `LayerScale`): x · γ per channel, so Keras ConvNeXt graphs load and rebuild.
import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers} from '@tensorflow/tfjs-layers';
import {serialization} from '@tensorflow/tfjs-core';

export interface LayerScaleArgs {
  name?: string;
  trainable?: boolean;
  /** Initial γ (ConvNeXt: 1e-6). */
  initValues?: number;
  /** Channels (the last axis). */
  projectionDim: number;
}

const NAME = 'LayerScale';

/** `x · γ` with a learned `γ` of shape `[projectionDim]`; the class name and config keys match Keras's. */
export class LayerScale extends layers.Layer {
  static className = NAME;
  readonly initValues: number;
  readonly projectionDim: number;
  private gamma: ReturnType<layers.Layer['addWeight']> | null = null;

  constructor(args: LayerScaleArgs) {
    super(args);
    if (!Number.isInteger(args?.projectionDim) || args.projectionDim < 1) {
      throw new Error(`${NAME}: 'projectionDim' must be a positive integer, got ${args?.projectionDim}`);
    }
    this.initValues = args.initValues ?? 1e-6;
    this.projectionDim = args.projectionDim;
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const c = shape[shape.length - 1];
    if (c != null && c !== this.projectionDim) {
      throw new Error(`${NAME} '${this.name}': projectionDim ${this.projectionDim} does not match the input's last axis, input shape ${JSON.stringify(shape)}`);
    }
    this.gamma = this.addWeight('gamma', [this.projectionDim], 'float32', initializers.constant({value: this.initValues}));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.gamma!.read()));
  }

  override getConfig(): serialization.ConfigDict {
    return {...super.getConfig(), initValues: this.initValues, projectionDim: this.projectionDim};
  }
}

if (!serialization.SerializationMap.getMap().classNameMap[NAME]) {
  serialization.registerClass(LayerScale as unknown as serialization.SerializableConstructor<serialization.Serializable>);
}

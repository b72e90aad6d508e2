// FusedDense: an inference-only dense layer (matMul + bias + activation in one tfjs fused kernel) on the last axis of any rank.
import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers, LayerVariable, Shape} from '@tensorflow/tfjs-layers';
import {FusedActivationName, withActivation} from './activation';

export interface FusedDenseArgs {
  units: number;
  useBias?: boolean;
  activation?: FusedActivationName;
  name?: string;
  trainable?: boolean;
}

/** `activation(x · kernel + bias)` over the last axis; kernel [in, units]. Built by `optimizeForInference`. */
export class FusedDense extends layers.Layer {
  static className = 'PaccFusedDense';
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: FusedActivationName;
  private kernel?: LayerVariable;
  private bias?: LayerVariable;

  constructor(args: FusedDenseArgs) {
    super(args);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.activation = args.activation ?? 'linear';
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const cin = s[s.length - 1];
    if (cin == null) throw new Error(`FusedDense '${this.name}': the last input axis must be known, got ${JSON.stringify(s)}`);
    this.kernel = this.addWeight('kernel', [cin, this.units], 'float32', initializers.zeros());
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [...s.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const k = this.kernel!.read() as tf.Tensor2D;
      const x2 = x.rank === 2 ? x as tf.Tensor2D : tf.reshape(x, [-1, k.shape[0]]) as tf.Tensor2D;
      const y = withActivation(this.activation, (activation) => tf.fused.matMul({a: x2, b: k, bias: this.bias?.read(), activation}));
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), units: this.units, useBias: this.useBias, activation: this.activation};
  }
}
tf.serialization.registerClass(FusedDense as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

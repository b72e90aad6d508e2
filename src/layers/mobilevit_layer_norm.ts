// MobileViTLayerNorm: PyTorch nn.LayerNorm over the last (channel) axis, as used by MobileViT's transformer.
import {add, moments, mul, rsqrt, serialization, sub, Tensor, tidy} from '@tensorflow/tfjs-core';
import {initializers, layers, LayerVariable} from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Shape = Array<number | null>;

export interface MobileViTLayerNormArgs extends LayerArgs {
  /** Added to the variance; PyTorch's default (and cvnets') is 1e-5, tfjs-layers' is 1e-3. */
  epsilon?: number;
}

/**
 * Normalises every position over its last axis: `(x - mean) / sqrt(var + eps) * gamma + beta`
 * (biased variance, as PyTorch). Unlike tf.layers.layerNormalization it broadcasts gamma/beta
 * instead of tiling them to the input size, which matters for speed on [B, P, N, C] patch tensors.
 */
export class MobileViTLayerNorm extends layers.Layer {
  // The serialized Keras class name keeps the pre-rename casing: saved model.json files name it.
  static className = 'MobileVitLayerNorm';
  readonly epsilon: number;
  private gamma!: LayerVariable;
  private beta!: LayerVariable;

  constructor(args: MobileViTLayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    if (!(this.epsilon > 0)) throw new Error(`MobileViTLayerNorm: epsilon must be > 0, got ${this.epsilon}`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = shape[shape.length - 1];
    if (c == null) throw new Error(`MobileViTLayerNorm: the last axis must be known, got input shape ${JSON.stringify(shape)}`);
    this.gamma = this.addWeight('gamma', [c], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const {mean, variance} = moments(x, -1, true);
      const normed = mul(sub(x, mean), rsqrt(add(variance, this.epsilon)));
      return add(mul(normed, this.gamma.read()), this.beta.read());
    });
  }

  override getConfig(): serialization.ConfigDict {
    return {...super.getConfig(), epsilon: this.epsilon};
  }
}
serialization.registerClass(MobileViTLayerNorm);

/** @deprecated Renamed MobileViTLayerNorm (the paper's casing); the serialized class name is unchanged. */
export const MobileVitLayerNorm = MobileViTLayerNorm;
/** @deprecated Renamed MobileViTLayerNorm. */
export type MobileVitLayerNorm = MobileViTLayerNorm;

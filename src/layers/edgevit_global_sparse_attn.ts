// EdgeViT's GlobalSparseAttn as one NHWC layer (sub-sample, multi-head self-attention, depthwise transposed-conv propagation, LN, proj).
import * as tf from '@tensorflow/tfjs-core';
import {serialization} from '@tensorflow/tfjs-core';
import {initializers, layers} from '@tensorflow/tfjs-layers';
import {singleShape, getSingleTensor} from './util';

type Shape = (number | null)[];

export interface EdgeViTAttentionArgs {
  name?: string;
  trainable?: boolean;
  numHeads: number;
  /** Sub-sampling ratio r: attention runs on every r-th pixel, then a depthwise r×r stride-r transposed conv propagates it back. */
  srRatio?: number;
  qkvBias?: boolean;
}

// The serialized class name keeps its original casing so saved models still load.
const NAME = 'EdgeVitGlobalSparseAttn';

/**
 * saic-fi/edgevit `GlobalSparseAttn` on an NHWC map `[N, H, W, C]`:
 * tokens = x[:, ::r, ::r] (AvgPool2d(1, r)); qkv Linear; softmax(q·kᵀ/√d)·v per head;
 * if r > 1: depthwise ConvTranspose2d(r, stride r) (with bias) back to H×W, then LayerNorm
 * (eps 1e-5); proj Linear. Init as the official code: Linears N(0, 0.02) (trunc ±2
 * absolute), biases 0, the transposed conv PyTorch's default U(±1/r), LayerNorm 1/0.
 */
export class EdgeViTGlobalSparseAttn extends layers.Layer {
  static className = NAME;
  readonly numHeads: number;
  readonly srRatio: number;
  readonly qkvBias: boolean;
  private w: Record<string, ReturnType<layers.Layer['addWeight']>> = {};

  constructor(args: EdgeViTAttentionArgs) {
    super(args);
    if (!Number.isInteger(args?.numHeads) || args.numHeads < 1) throw new Error(`${NAME}: 'numHeads' must be a positive integer, got ${args?.numHeads}`);
    this.numHeads = args.numHeads;
    this.srRatio = args.srRatio ?? 1;
    this.qkvBias = args.qkvBias ?? true;
    if (!Number.isInteger(this.srRatio) || this.srRatio < 1) throw new Error(`${NAME}: 'srRatio' must be a positive integer, got ${args.srRatio}`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const C = shape[3];
    if (shape.length !== 4 || C == null) throw new Error(`${NAME} '${this.name}': input must be [N, H, W, C] with a known C, got ${JSON.stringify(shape)}`);
    if (C % this.numHeads !== 0) throw new Error(`${NAME} '${this.name}': channels ${C} not divisible by numHeads ${this.numHeads}`);
    const normal = initializers.randomNormal({mean: 0, stddev: 0.02});
    const zeros = initializers.zeros();
    this.w.qkv = this.addWeight('qkv_kernel', [C, 3 * C], 'float32', normal);
    if (this.qkvBias) this.w.qkvBias = this.addWeight('qkv_bias', [3 * C], 'float32', zeros);
    const r = this.srRatio;
    if (r > 1) {
      const u = initializers.randomUniform({minval: -1 / r, maxval: 1 / r});
      this.w.prop = this.addWeight('local_prop_kernel', [r, r, C], 'float32', u);
      this.w.propBias = this.addWeight('local_prop_bias', [C], 'float32', u);
      this.w.gamma = this.addWeight('norm_gamma', [C], 'float32', initializers.ones());
      this.w.beta = this.addWeight('norm_beta', [C], 'float32', zeros);
    }
    this.w.proj = this.addWeight('proj_kernel', [C, C], 'float32', normal);
    this.w.projBias = this.addWeight('proj_bias', [C], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = getSingleTensor(inputs, this.name) as tf.Tensor4D;
      const [B, H, W, C] = x.shape;
      const r = this.srRatio, heads = this.numHeads, hd = C / heads;
      if (r > 1 && (H % r !== 0 || W % r !== 0)) {
        throw new Error(`${NAME} '${this.name}': feature size ${H}×${W} must be divisible by srRatio ${r} (input shape [${x.shape}])`);
      }
      const xs = r > 1 ? tf.stridedSlice(x, [0, 0, 0, 0], [B, H, W, C], [1, r, r, 1]) as tf.Tensor4D : x;
      const [, h, w] = xs.shape;
      const n = h * w;
      let qkv = tf.matMul(tf.reshape(xs, [B * n, C]), this.w.qkv.read() as tf.Tensor2D);
      if (this.w.qkvBias) qkv = tf.add(qkv, this.w.qkvBias.read());
      const parts = tf.transpose(tf.reshape(qkv, [B, n, 3, heads, hd]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(parts, 0).map((t) => tf.reshape(t, [B * heads, n, hd]) as tf.Tensor3D);
      const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)));
      let y: tf.Tensor = tf.reshape(tf.transpose(tf.reshape(tf.matMul(attn, v), [B, heads, n, hd]), [0, 2, 1, 3]), [B, h, w, C]);
      if (r > 1) {
        // Depthwise transposed conv with kernel = stride = r: each token paints its own r×r patch.
        const kern = tf.reshape(this.w.prop.read(), [1, 1, r, 1, r, C]);
        y = tf.reshape(tf.mul(tf.reshape(y, [B, h, 1, w, 1, C]), kern), [B, H, W, C]);
        y = tf.add(y, this.w.propBias.read());
        const {mean, variance} = tf.moments(y, -1, true);
        y = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-5))), this.w.gamma.read()), this.w.beta.read());
      }
      const out = tf.add(tf.matMul(tf.reshape(y, [B * H * W, C]), this.w.proj.read() as tf.Tensor2D), this.w.projBias.read());
      return tf.reshape(out, [B, H, W, C]);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return {...super.getConfig(), numHeads: this.numHeads, srRatio: this.srRatio, qkvBias: this.qkvBias};
  }
}

if (!serialization.SerializationMap.getMap().classNameMap[NAME]) {
  serialization.registerClass(EdgeViTGlobalSparseAttn as unknown as serialization.SerializableConstructor<serialization.Serializable>);
}

/** @deprecated Use {@link EdgeViTGlobalSparseAttn} (the paper's casing); same class. */
export const EdgeVitGlobalSparseAttn = EdgeViTGlobalSparseAttn;
/** @deprecated Use {@link EdgeViTGlobalSparseAttn}. */
export type EdgeVitGlobalSparseAttn = EdgeViTGlobalSparseAttn;

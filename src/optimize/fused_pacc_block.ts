// FusedPaccBlock: PaccBlock for inference with every batch norm, the stage-1 pe and the hard-swish / hard-sigmoid constants folded into weights.
import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers, LayerVariable, Shape} from '@tensorflow/tfjs-layers';
import {positionAwareCircularConv} from '../../ops/pacc/op';
import {resizeMetaKernel} from '../../ops/resize_meta_kernel/op';
import type {PaccResizeMethod} from '../layers/pacc_conv';

export interface FusedPaccBlockArgs {
  dim: number;
  metaSize: number;
  ffnDim: number;
  /** Channel-attention width r. */
  caDim: number;
  /** Stage-2 position embeddings (the stage-1 ones are always there: they carry the folded pre-norm shift). */
  usePe: boolean;
  method: PaccResizeMethod;
  name?: string;
  trainable?: boolean;
}

/** Meta tensors [M, d], in weight order. */
const META = ['kernel_1_H', 'kernel_1_W', 'kernel_2_W', 'kernel_2_H', 'pe_1_H', 'pe_1_W'] as const;
const META_PE2 = ['pe_2_W', 'pe_2_H'] as const;

/**
 * The same function as PaccBlock in eval mode (docs/inference.md has the derivation), in fewer kernels:
 * - pre-norm BN (s, t) and stage-1 pe: BN(x + pe) = s·(x + pe + t/s), and the circular conv is linear per channel, so
 *   conv_k(BN(x + pe)) = conv_{k·s}(x + (pe + t/s)): the scale goes into the meta kernel and the shift into the pe,
 *   which the circular-conv kernel adds itself (the bilinear resize is linear with rows summing to 1, so it commutes);
 * - the two residual adds and the concat become one concat and one add;
 * - ffn.0 BN into the first FFN matMul; hard-swish's 1/6 into the second; the channel attention's BNs, 1/6 and
 *   hard-sigmoid's +3 into its two matMuls (hard-sigmoid becomes a clip to [0, 1]); bias adds fused in tfjs' fused matMul.
 */
export class FusedPaccBlock extends layers.Layer {
  static className = 'PaccFusedPaccBlock';
  readonly dim: number;
  readonly metaSize: number;
  readonly ffnDim: number;
  readonly caDim: number;
  readonly usePe: boolean;
  readonly method: PaccResizeMethod;
  private w: Record<string, LayerVariable> = {};

  constructor(args: FusedPaccBlockArgs) {
    super(args);
    this.dim = args.dim;
    this.metaSize = args.metaSize;
    this.ffnDim = args.ffnDim;
    this.caDim = args.caDim;
    this.usePe = args.usePe;
    this.method = args.method;
  }

  /** Weight names and shapes in weight order (optimizeForInference passes values in this order). */
  weightShapes(): [string, number[]][] {
    const d = this.dim, m = this.metaSize, f = this.ffnDim, c2 = 2 * d, r = this.caDim;
    return [
      ...META.map((n) => [n, [m, d]] as [string, number[]]),
      ...(this.usePe ? META_PE2.map((n) => [n, [m, d]] as [string, number[]]) : []),
      ['ffn_in/kernel', [c2, f]], ['ffn_in/bias', [f]], ['ffn_out/kernel', [f, c2]], ['ffn_out/bias', [c2]],
      ['ca_in/kernel', [c2, r]], ['ca_in/bias', [r]], ['ca_out/kernel', [r, c2]], ['ca_out/bias', [c2]],
    ];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (s.length !== 4 || s[3] !== 2 * this.dim) throw new Error(`FusedPaccBlock '${this.name}': input must be [N, S, S, ${2 * this.dim}], got ${JSON.stringify(s)}`);
    for (const [n, shape] of this.weightShapes()) this.w[n] = this.addWeight(n, shape, 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [n, h, wd, c] = x.shape;
      const d = this.dim;
      if (c !== 2 * d || h !== wd) throw new Error(`FusedPaccBlock '${this.name}': input must be square [N, S, S, ${2 * d}], got [${x.shape}]`);
      if (this.method === 'crop' && h > this.metaSize) {
        throw new Error(`FusedPaccBlock '${this.name}': 'crop' needs S ≤ metaSize ${this.metaSize}, got input [${x.shape}]`);
      }
      const s = h;
      const inst = (k: string) => resizeMetaKernel(this.w[k].read() as tf.Tensor2D, s, this.method);
      const read = (k: string) => this.w[k].read();
      const x1 = tf.slice(x, [0, 0, 0, 0], [n, s, s, d]);
      const x2 = tf.slice(x, [0, 0, 0, d], [n, s, s, d]);
      const a1 = positionAwareCircularConv(x1, inst('kernel_1_H'), {direction: 'h', positionEmbedding: inst('pe_1_H')});
      const a2 = positionAwareCircularConv(x2, inst('kernel_1_W'), {direction: 'w', positionEmbedding: inst('pe_1_W')});
      const b1 = positionAwareCircularConv(a1, inst('kernel_2_W'), {direction: 'w', positionEmbedding: this.usePe ? inst('pe_2_W') : undefined});
      const b2 = positionAwareCircularConv(a2, inst('kernel_2_H'), {direction: 'h', positionEmbedding: this.usePe ? inst('pe_2_H') : undefined});
      const z = tf.reshape(tf.add(x, tf.concat([b1, b2], 3)), [n * s * s, 2 * d]) as tf.Tensor2D;
      // hard-swish without its 1/6 (folded into the next matMul): u · relu6(u + 3).
      const hs6 = (u: tf.Tensor) => tf.mul(u, tf.relu6(tf.add(u, 3)));
      const mm = (a: tf.Tensor, k: string) => tf.fused.matMul({a: a as tf.Tensor2D, b: read(`${k}/kernel`) as tf.Tensor2D, bias: read(`${k}/bias`)});
      const f = mm(hs6(mm(z, 'ffn_in')), 'ffn_out');
      const f3 = tf.reshape(f, [n, s * s, 2 * d]);
      const g = tf.clipByValue(mm(hs6(mm(tf.mean(f3, 1), 'ca_in')), 'ca_out'), 0, 1);
      const y = tf.add(tf.reshape(z, [n, s * s, 2 * d]), tf.mul(f3, tf.reshape(g, [n, 1, 2 * d])));
      return tf.reshape(y, [n, s, s, 2 * d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), dim: this.dim, metaSize: this.metaSize, ffnDim: this.ffnDim, caDim: this.caDim, usePe: this.usePe, method: this.method};
  }
}
tf.serialization.registerClass(FusedPaccBlock as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

// MobileViTAttention: multi-head self-attention of cvnets (qkv_proj with bias, softmax(q k^T / sqrt(d)) v, out_proj).
import {add, dropout, matMul, mul, reshape, serialization, softmax, split, Tensor, tidy, transpose} from '@tensorflow/tfjs-core';
import {initializers, layers, LayerVariable} from '@tensorflow/tfjs-layers';
import {singleShape} from './util';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Shape = Array<number | null>;

export interface MobileViTAttentionArgs extends LayerArgs {
  numHeads: number;
  /** Dropout on the attention weights during training (the official configs use 0). */
  attnDropout?: number;
  /** Std of the normal init of both projections (cvnets: trunc_normal, std 0.02, bounds +-2 so in effect untruncated). */
  initStd?: number;
}

/**
 * Self-attention over the second-to-last axis of `[..., N, C]` (rank 3 or 4; the MobileViT block
 * feeds `[B, P, N, C]`, attending over the N patches separately for each pixel position P).
 * Weights: `qkv_kernel [C, 3C]`, `qkv_bias [3C]`, `out_kernel [C, C]`, `out_bias [C]`; the
 * 3C axis is ordered (q|k|v, head, head_dim) like the official reshape(b, n, 3, h, d).
 */
export class MobileViTAttention extends layers.Layer {
  // The serialized Keras class name keeps the pre-rename casing: saved model.json files name it.
  static className = 'MobileVitAttention';
  readonly numHeads: number;
  readonly attnDropout: number;
  readonly initStd: number;
  private qkvKernel!: LayerVariable;
  private qkvBias!: LayerVariable;
  private outKernel!: LayerVariable;
  private outBias!: LayerVariable;

  constructor(args: MobileViTAttentionArgs) {
    super(args);
    this.numHeads = args.numHeads;
    this.attnDropout = args.attnDropout ?? 0;
    this.initStd = args.initStd ?? 0.02;
    if (!Number.isInteger(this.numHeads) || this.numHeads < 1) {
      throw new Error(`MobileViTAttention: numHeads must be a positive integer, got ${this.numHeads}`);
    }
    if (!(this.attnDropout >= 0 && this.attnDropout < 1)) {
      throw new Error(`MobileViTAttention: attnDropout must be in [0, 1), got ${this.attnDropout}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape);
    const c = s[s.length - 1];
    if (c == null || c % this.numHeads !== 0) {
      throw new Error(`MobileViTAttention: channels (last axis of input shape ${JSON.stringify(s)}) must be known and divisible by numHeads=${this.numHeads}`);
    }
    const init = () => initializers.randomNormal({mean: 0, stddev: this.initStd});
    this.qkvKernel = this.addWeight('qkv_kernel', [c, 3 * c], 'float32', init());
    this.qkvBias = this.addWeight('qkv_bias', [3 * c], 'float32', initializers.zeros());
    this.outKernel = this.addWeight('out_kernel', [c, c], 'float32', init());
    this.outBias = this.addWeight('out_bias', [c], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override call(inputs: Tensor | Tensor[], kwargs: {[key: string]: any}): Tensor {
    return tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (x.rank < 3) throw new Error(`MobileViTAttention: expected input [..., N, C], got shape [${x.shape}]`);
      const n = x.shape[x.rank - 2], c = x.shape[x.rank - 1];
      const lead = x.size / (n * c);
      const h = this.numHeads, d = c / h;
      const qkv = add(matMul(reshape(x, [lead * n, c]), this.qkvKernel.read()), this.qkvBias.read());
      // [lead, N, 3h, d] -> [lead, 3h, N, d], then q | k | v along the 3h axis.
      const heads = transpose(reshape(qkv, [lead, n, 3 * h, d]), [0, 2, 1, 3]);
      const [q, k, v] = split(heads, 3, 1).map((t) => reshape(t, [lead * h, n, d]));
      let attn = softmax(matMul(mul(q, d ** -0.5), k, false, true));
      if (kwargs?.training === true && this.attnDropout > 0) attn = dropout(attn, this.attnDropout);
      // [lead*h, N, d] -> [lead, N, h, d] -> [lead*N, C]
      const out = transpose(reshape(matMul(attn, v), [lead, h, n, d]), [0, 2, 1, 3]);
      const y = add(matMul(reshape(out, [lead * n, c]), this.outKernel.read()), this.outBias.read());
      return reshape(y, x.shape);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return {...super.getConfig(), numHeads: this.numHeads, attnDropout: this.attnDropout, initStd: this.initStd};
  }
}
serialization.registerClass(MobileViTAttention);

/** @deprecated Renamed MobileViTAttention (the paper's casing); the serialized class name is unchanged. */
export const MobileVitAttention = MobileViTAttention;
/** @deprecated Renamed MobileViTAttention. */
export type MobileVitAttention = MobileViTAttention;

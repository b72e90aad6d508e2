// PaccBlock: EdgeFormer's gcc_ca_mf_block (docs/op.md §5.1) as one tfjs-layers layer holding all of its weights.
import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers, LayerVariable, Shape} from '@tensorflow/tfjs-layers';
import {positionAwareCircularConv} from '../../ops/pacc/op';
import {resizeMetaKernel} from '../../ops/resize_meta_kernel/op';
import {applyBatchNorm, BatchNormWeights} from './batch_norm_fn';
import {hardSigmoid} from './hard_sigmoid';
import {hardSwish} from './hard_swish';
import {checkChoice, PaccResizeMethod} from './pacc_conv';
import {getSingleTensor, kaimingFanOut, metaKernelInit, singleShape} from './util';

export type PaccMixer = 'pacc' | 'depthwise';

export interface PaccBlockArgs {
  /** d: channels of each half; the block's input and output have 2d channels. */
  dim: number;
  /** Meta kernel length M. */
  metaSize: number;
  /** FFN hidden width F. */
  ffnDim: number;
  /** Meta position embeddings (EdgeFormer: only in the first block of a stage). Default false. */
  usePe?: boolean;
  /** Meta → instance kernel resize (docs/op.md §3). Default 'bilinear' (all EdgeFormer configs). */
  method?: PaccResizeMethod;
  /**
   * 'pacc' (default): the official H→W / W→H circular conv pairs. 'depthwise': each pair is replaced
   * by one zero-padded 3×3 depthwise conv without pe, the local-mixing baseline for comparisons.
   */
  mixer?: PaccMixer;
  /** Dropout after the FFN's second conv in training (official p = 0.1). */
  ffnDropout?: number;
  name?: string;
  trainable?: boolean;
}

/** r = floor(2d / 16) as the official channel attention; at least 1 so tiny custom widths still build. */
export const caReduction = (dim: number) => Math.max(1, Math.floor((2 * dim) / 16));

/**
 * `gcc_ca_mf_block(dim=d, meta_kernel_size=M, ffn_dim=F)` with mid_mix off and no conv biases, the
 * only block of EdgeFormer-XS/S/H. Input and output `[N, S, S, 2d]`; S must be square (the official
 * instance kernels all take their length from the height).
 *
 * Weights are named after the PyTorch sub-keys (`meta_kernel_1_H`, `pre_Norm_1/gamma`, `ffn.1/kernel`,
 * `ca.fc.0/kernel`, ...) so the checkpoint key map is a rename plus a layout transform. One layer
 * (instead of a sub-graph of ~30 stock layers) keeps saved models small and makes the block unit of
 * the PyTorch state_dict the unit of the tfjs model.
 */
export class PaccBlock extends layers.Layer {
  static className = 'PaccBlock';
  readonly dim: number;
  readonly metaSize: number;
  readonly ffnDim: number;
  readonly usePe: boolean;
  readonly method: PaccResizeMethod;
  readonly mixer: PaccMixer;
  readonly ffnDropout: number;
  private w: Record<string, LayerVariable> = {};
  private bn: Record<string, BatchNormWeights> = {};

  constructor(args: PaccBlockArgs) {
    super(args);
    const what = `PaccBlock '${this.name}'`;
    for (const k of ['dim', 'metaSize', 'ffnDim'] as const) {
      if (!Number.isInteger(args[k]) || args[k] < 1) throw new Error(`${what}: ${k} must be a positive integer, got ${args[k]}`);
    }
    this.dim = args.dim;
    this.metaSize = args.metaSize;
    this.ffnDim = args.ffnDim;
    this.usePe = args.usePe ?? false;
    this.method = checkChoice(args.method ?? 'bilinear', ['bilinear', 'crop'] as const, `${what}: method`);
    this.mixer = checkChoice(args.mixer ?? 'pacc', ['pacc', 'depthwise'] as const, `${what}: mixer`);
    this.ffnDropout = args.ffnDropout ?? 0.1;
  }

  private addBn(name: string, c: number) {
    this.bn[name] = {
      gamma: this.addWeight(`${name}/gamma`, [c], 'float32', initializers.ones()),
      beta: this.addWeight(`${name}/beta`, [c], 'float32', initializers.zeros()),
      movingMean: this.addWeight(`${name}/moving_mean`, [c], 'float32', initializers.zeros(), undefined, false),
      movingVariance: this.addWeight(`${name}/moving_variance`, [c], 'float32', initializers.ones(), undefined, false),
    };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape);
    const d = this.dim, m = this.metaSize, f = this.ffnDim, c2 = 2 * d, r = caReduction(d);
    if (s.length !== 4 || s[3] !== c2) {
      throw new Error(`PaccBlock '${this.name}': input must be [N, S, S, 2·dim] = [N, S, S, ${c2}], got ${JSON.stringify(s)}`);
    }
    const add = (name: string, shape: number[], init: ReturnType<typeof initializers.zeros>) => {
      this.w[name] = this.addWeight(name, shape, 'float32', init);
    };
    // Insertion order = PyTorch state_dict order, so model.weights lists them like the checkpoint.
    if (this.mixer === 'pacc') {
      for (const n of ['meta_kernel_1_H', 'meta_kernel_1_W', 'meta_kernel_2_H', 'meta_kernel_2_W']) add(n, [m, d], metaKernelInit(m));
      if (this.usePe) {
        for (const n of ['meta_pe_1_H', 'meta_pe_1_W', 'meta_pe_2_H', 'meta_pe_2_W']) add(n, [m, d], initializers.randomNormal({mean: 0, stddev: 1}));
      }
    } else {
      add('dw_1/depthwise_kernel', [3, 3, d, 1], kaimingFanOut(d, 3, 3));
      add('dw_2/depthwise_kernel', [3, 3, d, 1], kaimingFanOut(d, 3, 3));
    }
    this.addBn('pre_Norm_1', d);
    this.addBn('pre_Norm_2', d);
    this.addBn('ffn.0', c2);
    add('ffn.1/kernel', [1, 1, c2, f], kaimingFanOut(f, 1, 1));
    add('ffn.1/bias', [f], initializers.zeros());
    add('ffn.4/kernel', [1, 1, f, c2], kaimingFanOut(c2, 1, 1));
    add('ffn.4/bias', [c2], initializers.zeros());
    add('ca.fc.0/kernel', [1, 1, c2, r], kaimingFanOut(r, 1, 1));
    this.addBn('ca.fc.1', r);
    add('ca.fc.3/kernel', [1, 1, r, c2], kaimingFanOut(c2, 1, 1));
    this.addBn('ca.fc.4', c2);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  /** Meta tensor `name` resized to length s, as [s, d]. */
  private inst(name: string, s: number): tf.Tensor2D {
    return resizeMetaKernel(this.w[name].read() as tf.Tensor2D, s, this.method);
  }

  private mix(x1: tf.Tensor4D, x2: tf.Tensor4D, s: number): [tf.Tensor4D, tf.Tensor4D] {
    if (this.mixer === 'depthwise') {
      const dw = (x: tf.Tensor4D, n: string) => tf.depthwiseConv2d(x, this.w[n].read() as tf.Tensor4D, 1, 'same');
      return [dw(x1, 'dw_1/depthwise_kernel'), dw(x2, 'dw_2/depthwise_kernel')];
    }
    const pe = (n: string) => (this.usePe ? this.inst(n, s) : undefined);
    // Stage 1: branch 1 along H, branch 2 along W. The stage-1 pe was added before the BN (caller).
    const a1 = positionAwareCircularConv(x1, this.inst('meta_kernel_1_H', s), {direction: 'h'});
    const a2 = positionAwareCircularConv(x2, this.inst('meta_kernel_1_W', s), {direction: 'w'});
    // Stage 2: branch 1 along W with pe_2_W, branch 2 along H with pe_2_H (added right before the conv).
    const b1 = positionAwareCircularConv(a1, this.inst('meta_kernel_2_W', s), {direction: 'w', positionEmbedding: pe('meta_pe_2_W')});
    const b2 = positionAwareCircularConv(a2, this.inst('meta_kernel_2_H', s), {direction: 'h', positionEmbedding: pe('meta_pe_2_H')});
    return [b1, b2];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: {training?: boolean} = {}): tf.Tensor {
    return tf.tidy(() => {
      const x = getSingleTensor(inputs, 'PaccBlock') as tf.Tensor4D;
      const [n, h, wd, c] = x.shape;
      const d = this.dim, training = kwargs.training === true;
      if (c !== 2 * d || h !== wd) {
        throw new Error(`PaccBlock '${this.name}': input must be square [N, S, S, ${2 * d}], got [${x.shape}]`);
      }
      if (this.mixer === 'pacc' && this.method === 'crop' && h > this.metaSize) {
        throw new Error(`PaccBlock '${this.name}': 'crop' needs S ≤ metaSize ${this.metaSize}, got input [${x.shape}]`);
      }
      const s = h;
      const r1 = tf.slice(x, [0, 0, 0, 0], [n, s, s, d]);
      const r2 = tf.slice(x, [0, 0, 0, d], [n, s, s, d]);
      let x1: tf.Tensor4D = r1, x2: tf.Tensor4D = r2;
      if (this.usePe && this.mixer === 'pacc') {
        x1 = tf.add(x1, tf.reshape(this.inst('meta_pe_1_H', s), [1, s, 1, d]));
        x2 = tf.add(x2, tf.reshape(this.inst('meta_pe_1_W', s), [1, 1, s, d]));
      }
      x1 = applyBatchNorm(x1, this.bn.pre_Norm_1, training) as tf.Tensor4D;
      x2 = applyBatchNorm(x2, this.bn.pre_Norm_2, training) as tf.Tensor4D;
      const [b1, b2] = this.mix(x1, x2, s);
      const z = tf.concat([tf.add(r1, b1), tf.add(r2, b2)], 3);

      // 1×1 convs as matMuls: same maths, and tfjs-backend-cpu's Conv2DBackpropFilter is a scalar
      // loop ~50× slower than its matMul, which dominated training time.
      const conv1x1 = (t: tf.Tensor, k: string, b?: string) => {
        const kernel = this.w[k].read();
        const [ci, co] = kernel.shape.slice(2);
        const y = tf.reshape(tf.matMul(tf.reshape(t, [-1, ci]), tf.reshape(kernel, [ci, co])), [...t.shape.slice(0, 3), co]);
        return b ? tf.add(y, this.w[b].read()) : y;
      };
      let f = conv1x1(hardSwish(conv1x1(applyBatchNorm(z, this.bn['ffn.0'], training), 'ffn.1/kernel', 'ffn.1/bias')), 'ffn.4/kernel', 'ffn.4/bias');
      if (training && this.ffnDropout > 0) f = tf.dropout(f, this.ffnDropout);

      // Channel attention on the FFN output, gating it before the residual add (docs/op.md §5.5).
      let g: tf.Tensor = tf.mean(f, [1, 2], true);
      g = hardSwish(applyBatchNorm(conv1x1(g, 'ca.fc.0/kernel'), this.bn['ca.fc.1'], training));
      g = hardSigmoid(applyBatchNorm(conv1x1(g, 'ca.fc.3/kernel'), this.bn['ca.fc.4'], training));
      return tf.add(z, tf.mul(f, g));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(), dim: this.dim, metaSize: this.metaSize, ffnDim: this.ffnDim, usePe: this.usePe,
      method: this.method, mixer: this.mixer, ffnDropout: this.ffnDropout,
    };
  }
}
tf.serialization.registerClass(PaccBlock as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

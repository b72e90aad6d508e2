// PaccConv layer: one position-aware circular conv along h or w whose meta kernel / pe is resized to the input at run time.
import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers, LayerVariable, Shape} from '@tensorflow/tfjs-layers';
import {positionAwareCircularConv} from '../../ops/pacc/op';
import {resizeMetaKernel} from '../../ops/resize_meta_kernel/op';
import {getSingleTensor, metaKernelInit} from './util';

export type PaccResizeMethod = 'bilinear' | 'crop';

export interface PaccConvArgs {
  /** 'h' convolves along the height, 'w' along the width. */
  direction: 'h' | 'w';
  /** Meta kernel length M (32 / 16 / 8 in EdgeFormer stages 3 / 4 / 5). */
  metaSize: number;
  /** Learned meta position embedding [M, C] added before the conv. Default false. */
  usePe?: boolean;
  /** Per-channel bias. Default false (EdgeFormer's blocks have none, docs/op.md §5.5). */
  useBias?: boolean;
  /** How the meta tensors become instance tensors of the input's length (docs/op.md §3). Default 'bilinear'. */
  method?: PaccResizeMethod;
  name?: string;
  trainable?: boolean;
}

function checkChoice<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  const s = typeof v === 'string' ? v.toLowerCase() : v;
  if (!allowed.includes(s as T)) throw new Error(`${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
  return s as T;
}
export {checkChoice};

/**
 * A depthwise circular convolution spanning the whole convolved axis (docs/op.md §1). The layer keeps a
 * meta kernel `kernel [M, C]` (init U(±1/√M)) and optionally a meta `pe [M, C]` (init N(0,1)) and a
 * `bias [C]`; each call resizes them to the input's length along `direction`, so the layer works at
 * any spatial size ('crop' needs length ≤ M).
 */
export class PaccConv extends layers.Layer {
  static className = 'PaccConv';
  readonly direction: 'h' | 'w';
  readonly metaSize: number;
  readonly usePe: boolean;
  readonly useBias: boolean;
  readonly method: PaccResizeMethod;
  private kernel?: LayerVariable;
  private pe?: LayerVariable;
  private bias?: LayerVariable;

  constructor(args: PaccConvArgs) {
    super(args);
    this.direction = checkChoice(args.direction, ['h', 'w'] as const, `PaccConv '${this.name}': direction`);
    this.method = checkChoice(args.method ?? 'bilinear', ['bilinear', 'crop'] as const, `PaccConv '${this.name}': method`);
    if (!Number.isInteger(args.metaSize) || args.metaSize < 1) {
      throw new Error(`PaccConv '${this.name}': metaSize must be a positive integer, got ${args.metaSize}`);
    }
    this.metaSize = args.metaSize;
    this.usePe = args.usePe ?? false;
    this.useBias = args.useBias ?? false;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = s[s.length - 1];
    if (s.length !== 4 || c == null) throw new Error(`PaccConv '${this.name}': expected input [N, H, W, C] with known C, got ${JSON.stringify(s)}`);
    const m = this.metaSize;
    this.kernel = this.addWeight('kernel', [m, c], 'float32', metaKernelInit(m));
    if (this.usePe) this.pe = this.addWeight('pe', [m, c], 'float32', initializers.randomNormal({mean: 0, stddev: 1}));
    if (this.useBias) this.bias = this.addWeight('bias', [c], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = getSingleTensor(inputs, 'PaccConv') as tf.Tensor4D;
      const length = this.direction === 'h' ? x.shape[1] : x.shape[2];
      if (this.method === 'crop' && length > this.metaSize) {
        throw new Error(`PaccConv '${this.name}': 'crop' needs the input length ≤ metaSize ${this.metaSize}, got input shape [${x.shape}]`);
      }
      const filter = resizeMetaKernel(this.kernel!.read() as tf.Tensor2D, length, this.method);
      const pe = this.pe ? resizeMetaKernel(this.pe.read() as tf.Tensor2D, length, this.method) : undefined;
      return positionAwareCircularConv(x, filter, {direction: this.direction, bias: this.bias?.read() as tf.Tensor1D | undefined, positionEmbedding: pe});
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), direction: this.direction, metaSize: this.metaSize, usePe: this.usePe, useBias: this.useBias, method: this.method};
  }
}
tf.serialization.registerClass(PaccConv as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

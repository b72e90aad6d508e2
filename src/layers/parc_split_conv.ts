// ParcSplitConv layer: ParC_ConvNets' "ParC block" core, channels split in halves → [circular conv along H | along W] → concat.
import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers} from '@tensorflow/tfjs-layers';
import {serialization} from '@tensorflow/tfjs-core';
import {positionAwareCircularConv} from '../../ops/pacc/op';
import {resizeMetaKernel} from '../../ops/resize_meta_kernel/op';
import {singleShape, getSingleTensor} from './util';

type Shape = (number | null)[];

export interface ParcSplitConvArgs {
  name?: string;
  trainable?: boolean;
  /**
   * `[K_H, K_W]`: the kernel lengths, which must equal the feature height / width
   * (docs/op.md §6: K = feature size). `null` selects a meta kernel of `metaKernelSize`
   * taps, resized (bilinear, align_corners) to the feature size at every call.
   */
  kernelSize?: [number, number] | null;
  /** Meta kernel length when `kernelSize` is null. */
  metaKernelSize?: number;
  /**
   * Dense (groups = 1, ParC-ResNet50) instead of depthwise (ParC-MobileNetV2 /
   * ConvNeXt) circular convolution in each half.
   */
  dense?: boolean;
  usePositionEmbedding?: boolean;
  useBias?: boolean;
  /** Std of the normal init of the kernels (official: kaiming fan_out or 0.02). */
  kernelStd?: number;
  /** Bias init: U(-b, b); 0 gives zeros. */
  biasBound?: number;
  /** Std of the normal init of the position embeddings (official: trunc-normal 0.02, bounds ±2 absolute). */
  peStd?: number;
}

const NAME = 'ParcSplitConv';

/**
 * Splits the channels in halves `[0, ⌊C/2⌋)` and `[⌊C/2⌋, C)`; the first half gets
 * a circular convolution along H, the second along W, each with its own bias and
 * (optionally) position embedding; the halves are concatenated back.
 *
 * Depthwise mode uses the native `positionAwareCircularConv` op. Dense mode
 * (groups = 1, the official ParC-ResNet50 choice) has no native op: it is
 * composed as circular pad (concat with the first L-1 rows/columns) followed by a
 * VALID `conv2d` with a `[K,1,c,c]` / `[1,K,c,c]` filter, the same computation
 * as the PyTorch `nn.Conv2d` on the concatenated map.
 *
 * Weights (in order, per branch h then w): kernel `[K, c]` (depthwise) or
 * `[K, c_in, c_out]` (dense), bias `[c]`, position embedding `[K, c]`.
 */
export class ParcSplitConv extends layers.Layer {
  static className = NAME;
  readonly kernelSize: [number, number] | null;
  readonly metaKernelSize: number;
  readonly dense: boolean;
  readonly usePositionEmbedding: boolean;
  readonly useBias: boolean;
  readonly kernelStd: number;
  readonly biasBound: number;
  readonly peStd: number;
  private branches: {dir: 'h' | 'w'; c: number}[] = [];
  private params: Record<string, ReturnType<layers.Layer['addWeight']>> = {};

  constructor(args: ParcSplitConvArgs = {}) {
    super(args);
    this.kernelSize = args.kernelSize ?? null;
    this.metaKernelSize = args.metaKernelSize ?? 0;
    if (this.kernelSize != null) {
      const ok = Array.isArray(this.kernelSize) && this.kernelSize.length === 2 && this.kernelSize.every((k) => Number.isInteger(k) && k >= 1);
      if (!ok) throw new Error(`${NAME}: 'kernelSize' must be [K_H, K_W] of positive integers or null, got ${JSON.stringify(args.kernelSize)}`);
    } else if (!Number.isInteger(this.metaKernelSize) || this.metaKernelSize < 1) {
      throw new Error(`${NAME}: 'metaKernelSize' must be a positive integer when 'kernelSize' is null, got ${args.metaKernelSize}`);
    }
    this.dense = args.dense ?? false;
    this.usePositionEmbedding = args.usePositionEmbedding ?? true;
    this.useBias = args.useBias ?? true;
    this.kernelStd = args.kernelStd ?? 0.02;
    this.biasBound = args.biasBound ?? 0;
    this.peStd = args.peStd ?? 0.02;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    if (shape.length !== 4 || shape[3] == null) {
      throw new Error(`${NAME} '${this.name}': input must be [N, H, W, C] with a known C, got ${JSON.stringify(shape)}`);
    }
    const C = shape[3];
    if (C < 2) throw new Error(`${NAME} '${this.name}': needs at least 2 channels to split, got input shape ${JSON.stringify(shape)}`);
    const halves: [number, number] = [Math.floor(C / 2), C - Math.floor(C / 2)];
    const ks = this.kernelSize ?? [this.metaKernelSize, this.metaKernelSize];
    if (this.kernelSize != null) {
      for (const [i, axis] of [[1, 'H'], [2, 'W']] as const) {
        const L = shape[i];
        if (L != null && L !== ks[i - 1]) {
          throw new Error(`${NAME} '${this.name}': kernel length ${ks[i - 1]} along ${axis} must equal the feature ${axis} ${L} (input shape ${JSON.stringify(shape)}); use kernelSize null for a resized meta kernel`);
        }
      }
    }
    const normal = (std: number) => initializers.randomNormal({mean: 0, stddev: std});
    this.branches = (['h', 'w'] as const).map((dir, b) => {
      const c = halves[b], k = ks[b];
      const kernel = this.addWeight(`kernel_${dir}`, this.dense ? [k, c, c] : [k, c], 'float32', normal(this.kernelStd));
      const bias = this.useBias ? this.addWeight(`bias_${dir}`, [c], 'float32', this.biasBound > 0
        ? initializers.randomUniform({minval: -this.biasBound, maxval: this.biasBound}) : initializers.zeros()) : null;
      const pe = this.usePositionEmbedding ? this.addWeight(`pe_${dir}`, [k, c], 'float32', normal(this.peStd)) : null;
      this.params[`kernel_${dir}`] = kernel;
      if (bias) this.params[`bias_${dir}`] = bias;
      if (pe) this.params[`pe_${dir}`] = pe;
      return {dir, c};
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = getSingleTensor(inputs, this.name) as tf.Tensor4D;
      const [c1, c2] = [this.branches[0].c, this.branches[1].c];
      if (x.shape[3] !== c1 + c2) {
        throw new Error(`${NAME} '${this.name}': built for ${c1 + c2} channels, got input shape [${x.shape}]`);
      }
      const parts = tf.split(x, [c1, c2], 3) as tf.Tensor4D[];
      const outs = this.branches.map((br, b) => this.branch(parts[b], br.dir, br.c));
      return tf.concat(outs, 3);
    });
  }

  /** One half: circular conv along `dir` with this branch's kernel, bias and PE. */
  private branch(x: tf.Tensor4D, dir: 'h' | 'w', c: number): tf.Tensor4D {
    const axis = dir === 'h' ? 1 : 2;
    const L = x.shape[axis];
    const read = (key: string) => this.params[key]?.read();
    let kernel = read(`kernel_${dir}`)!;
    let pe = read(`pe_${dir}`) as tf.Tensor2D | undefined;
    const bias = read(`bias_${dir}`) as tf.Tensor1D | undefined;
    const k = kernel.shape[0];
    if (this.kernelSize == null) {
      // Meta kernel: resized to the current feature length (docs/op.md §3), PE likewise.
      if (k !== L) {
        kernel = tf.reshape(resizeMetaKernel(tf.reshape(kernel, [k, -1]) as tf.Tensor2D, L, 'bilinear'), [L, ...kernel.shape.slice(1)]);
        if (pe) pe = resizeMetaKernel(pe, L, 'bilinear');
      }
    } else if (k !== L) {
      throw new Error(`${NAME} '${this.name}': kernel length ${k} along ${dir.toUpperCase()} must equal the feature size, got input half of shape [${x.shape}]`);
    }
    if (!this.dense) {
      return positionAwareCircularConv(x, kernel as tf.Tensor2D, {direction: dir, bias, positionEmbedding: pe});
    }
    // Dense: x + pe, circular pad by the first L-1 entries, VALID conv (PyTorch cross-correlation).
    let xp: tf.Tensor4D = x;
    if (pe) xp = tf.add(x, tf.reshape(pe, dir === 'h' ? [1, L, 1, c] : [1, 1, L, c]));
    if (L > 1) {
      const begin = [0, 0, 0, 0];
      const size = [-1, -1, -1, -1];
      size[axis] = L - 1;
      xp = tf.concat([xp, tf.slice(xp, begin, size)], axis);
    }
    const filter = tf.reshape(kernel, dir === 'h' ? [L, 1, c, c] : [1, L, c, c]) as tf.Tensor4D;
    const y = tf.conv2d(xp, filter, 1, 'valid');
    return (bias ? tf.add(y, bias) : y) as tf.Tensor4D;
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize, metaKernelSize: this.metaKernelSize, dense: this.dense,
      usePositionEmbedding: this.usePositionEmbedding, useBias: this.useBias,
      kernelStd: this.kernelStd, biasBound: this.biasBound, peStd: this.peStd,
    };
  }
}

if (!serialization.SerializationMap.getMap().classNameMap[NAME]) {
  serialization.registerClass(ParcSplitConv as unknown as serialization.SerializableConstructor<serialization.Serializable>);
}

// GroupedConv2D: a PyTorch grouped convolution (groups > 1), which tfjs-layers 4.22's Conv2D does not support.
import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers, LayerVariable, Shape} from '@tensorflow/tfjs-layers';
import {getSingleTensor, kaimingFanOut, singleShape} from './util';

export interface GroupedConv2DArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** Symmetric zero padding on H and W, as PyTorch's `padding` (default (k-1)/2). */
  pad?: number;
  groups: number;
  useBias?: boolean;
  name?: string;
  trainable?: boolean;
}

/**
 * Grouped 2-D convolution with PyTorch semantics (docs/op.md §4): group g reads input channels
 * [g·Cin/G, (g+1)·Cin/G) and writes output channels [g·Cout/G, (g+1)·Cout/G).
 *
 * The kernel is stored `[kh, kw, Cin/G, Cout]`, i.e. PyTorch's (Cout, Cin/G, kh, kw) in HWIO order,
 * so a checkpoint maps with the ordinary `conv` transform. It runs as one depthwise convolution
 * with multiplier Cout/G followed by a sum over each group's inputs, which costs the same
 * multiply-adds as the grouped conv (a block-diagonal dense kernel would cost G times more).
 */
export class GroupedConv2D extends layers.Layer {
  static className = 'GroupedConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly pad: number;
  readonly groups: number;
  readonly useBias: boolean;
  private kernel?: LayerVariable;
  private bias?: LayerVariable;

  constructor(args: GroupedConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.pad = args.pad ?? Math.floor((args.kernelSize - 1) / 2);
    this.groups = args.groups;
    this.useBias = args.useBias ?? false;
    if (!(this.groups >= 1) || this.filters % this.groups !== 0) {
      throw new Error(`GroupedConv2D '${this.name}': filters ${this.filters} must be a multiple of groups ${this.groups}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape);
    const cin = s[s.length - 1];
    if (cin == null || cin % this.groups !== 0) {
      throw new Error(`GroupedConv2D '${this.name}': input channels ${cin} (input shape ${JSON.stringify(s)}) must be a multiple of groups ${this.groups}`);
    }
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, cin / this.groups, this.filters], 'float32',
        kaimingFanOut(this.filters, k, k));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    const out = (d: number | null) => d == null ? null : Math.floor((d + 2 * this.pad - this.kernelSize) / this.strides) + 1;
    return [s[0], out(s[1]), out(s[2]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = getSingleTensor(inputs, 'GroupedConv2D') as tf.Tensor4D;
      const cin = x.shape[3];
      const g = this.groups, i = cin / g, o = this.filters / g, k = this.kernelSize;
      const w = this.kernel!.read();
      // [k,k,I,G·O] -> [k,k,G,I,O] -> [k,k,Cin,O]: depthwise channel g·I+i, multiplier o.
      const dw = tf.reshape(tf.transpose(tf.reshape(w, [k, k, i, g, o]), [0, 1, 3, 2, 4]), [k, k, cin, o]) as tf.Tensor4D;
      const p = this.pad;
      const pad: 'valid' | [[0, 0], [number, number], [number, number], [0, 0]] = p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]];
      let y: tf.Tensor = tf.depthwiseConv2d(x, dw, this.strides, pad);
      const [n, h, wd] = y.shape;
      if (i > 1) y = tf.sum(tf.reshape(y, [n, h, wd, g, i, o]), 4);
      y = tf.reshape(y, [n, h, wd, this.filters]);
      if (this.bias) y = tf.add(y, this.bias.read());
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides,
      pad: this.pad, groups: this.groups, useBias: this.useBias,
    };
  }
}
tf.serialization.registerClass(GroupedConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

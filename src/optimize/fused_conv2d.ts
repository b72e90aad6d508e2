// FusedConv2D: an inference-only conv / depthwise / grouped conv with the batch norm folded in and bias + activation fused.
import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers, LayerVariable, Shape} from '@tensorflow/tfjs-layers';
import {applyActivation, FusedActivationName, withActivation} from './activation';

export type FusedConvKind = 'conv' | 'depthwise' | 'grouped';
/** 'same' / 'valid' as tfjs, or explicit zero padding [[top, bottom], [left, right]]. */
export type FusedConvPadding = 'same' | 'valid' | [[number, number], [number, number]];

export interface FusedConv2DArgs {
  kind: FusedConvKind;
  /** Output channels. */
  filters: number;
  kernelSize: [number, number];
  strides?: [number, number];
  dilationRate?: [number, number];
  padding: FusedConvPadding;
  /** Grouped convs only (kind 'grouped'): PyTorch groups. */
  groups?: number;
  useBias?: boolean;
  activation?: FusedActivationName;
  name?: string;
  trainable?: boolean;
}

/**
 * `activation(conv(x, kernel) + bias)` in one tfjs fused kernel where tfjs fuses the activation.
 * Kernel layouts: 'conv' [kh, kw, Cin, Cout]; 'depthwise' [kh, kw, Cin, multiplier] (Cout = Cin·multiplier);
 * 'grouped' [kh, kw, Cin/G, Cout] (PyTorch grouped conv, as GroupedConv2D). Built by
 * `optimizeForInference`; saved and loaded like any layer (registered class).
 */
export class FusedConv2D extends layers.Layer {
  static className = 'PaccFusedConv2D';
  readonly kind: FusedConvKind;
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilationRate: [number, number];
  readonly padding: FusedConvPadding;
  readonly groups: number;
  readonly useBias: boolean;
  readonly activation: FusedActivationName;
  private kernel?: LayerVariable;
  private bias?: LayerVariable;

  constructor(args: FusedConv2DArgs) {
    super(args);
    this.kind = args.kind;
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? [1, 1];
    this.dilationRate = args.dilationRate ?? [1, 1];
    this.padding = args.padding;
    this.groups = args.groups ?? 1;
    this.useBias = args.useBias ?? true;
    this.activation = args.activation ?? 'linear';
    if (!['conv', 'depthwise', 'grouped'].includes(this.kind)) throw new Error(`FusedConv2D '${this.name}': kind must be 'conv', 'depthwise' or 'grouped', got '${this.kind}'`);
    if (this.filters % this.groups !== 0) throw new Error(`FusedConv2D '${this.name}': filters ${this.filters} must be a multiple of groups ${this.groups}`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const cin = s[3];
    if (s.length !== 4 || cin == null) throw new Error(`FusedConv2D '${this.name}': expected NHWC input with known channels, got ${JSON.stringify(s)}`);
    const [kh, kw] = this.kernelSize;
    const shape = this.kind === 'conv' ? [kh, kw, cin, this.filters]
      : this.kind === 'depthwise' ? [kh, kw, cin, this.filters / cin] : [kh, kw, cin / this.groups, this.filters];
    if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`FusedConv2D '${this.name}': kernel shape ${JSON.stringify(shape)} does not fit input ${JSON.stringify(s)}`);
    this.kernel = this.addWeight('kernel', shape, 'float32', initializers.zeros());
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', initializers.zeros());
    this.built = true;
  }

  /** tfjs' pad argument; asymmetric explicit padding (not expressible in the fused ops' types) pads the input first. */
  private padded(x: tf.Tensor4D): [tf.Tensor4D, 'same' | 'valid' | number] {
    const p = this.padding;
    if (typeof p === 'string') return [x, p];
    const flat = p.flat();
    if (flat.every((v) => v === flat[0])) return [x, flat[0]];
    return [tf.pad(x, [[0, 0], p[0], p[1], [0, 0]]), 'valid'];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const out = (d: number | null, i: 0 | 1) => {
      if (d == null) return null;
      const k = (this.kernelSize[i] - 1) * this.dilationRate[i] + 1, st = this.strides[i], p = this.padding;
      if (p === 'same') return Math.ceil(d / st);
      const total = p === 'valid' ? 0 : p[i][0] + p[i][1];
      return Math.floor((d + total - k) / st) + 1;
    };
    return [s[0], out(s[1], 0), out(s[2], 1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, pad] = this.padded((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D);
      const w = this.kernel!.read() as tf.Tensor4D;
      const bias = this.bias?.read();
      const common = {x, strides: this.strides, pad, dilations: this.dilationRate, bias};
      if (this.kind === 'conv') {
        return withActivation(this.activation, (activation) => tf.fused.conv2d({...common, filter: w, activation}));
      }
      if (this.kind === 'depthwise') {
        return withActivation(this.activation, (activation) => tf.fused.depthwiseConv2d({...common, filter: w, activation}));
      }
      return this.grouped(x, pad, w, bias);
    });
  }

  /** Grouped conv as one depthwise conv (multiplier Cout/G) plus a sum over each group's inputs, as GroupedConv2D. */
  private grouped(x: tf.Tensor4D, pad: 'same' | 'valid' | number, w: tf.Tensor4D, bias?: tf.Tensor): tf.Tensor {
    const cin = x.shape[3], g = this.groups, i = cin / g, o = this.filters / g;
    const [kh, kw] = this.kernelSize;
    const dw = tf.reshape(tf.transpose(tf.reshape(w, [kh, kw, i, g, o]), [0, 1, 3, 2, 4]), [kh, kw, cin, o]) as tf.Tensor4D;
    const common = {x, filter: dw, strides: this.strides, pad, dilations: this.dilationRate};
    // One input per group: the depthwise output channels are already the grouped conv's, so bias and activation fuse.
    if (i === 1) return withActivation(this.activation, (activation) => tf.fused.depthwiseConv2d({...common, bias, activation}));
    let y: tf.Tensor = tf.depthwiseConv2d(x, dw, this.strides, pad, 'NHWC', this.dilationRate);
    const [n, h, wd] = y.shape;
    y = tf.reshape(tf.sum(tf.reshape(y, [n, h, wd, g, i, o]), 4), [n, h, wd, this.filters]);
    if (bias) y = tf.add(y, bias);
    return applyActivation(y, this.activation);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(), kind: this.kind, filters: this.filters, kernelSize: this.kernelSize, strides: this.strides,
      dilationRate: this.dilationRate, padding: this.padding as unknown as tf.serialization.ConfigDictValue, groups: this.groups,
      useBias: this.useBias, activation: this.activation,
    };
  }
}
tf.serialization.registerClass(FusedConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

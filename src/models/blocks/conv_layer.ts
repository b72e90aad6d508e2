// convLayer: the cvnets ConvLayer (conv without bias -> BN -> activation) as a functional tfjs-layers sub-graph.
import * as tfl from '@tensorflow/tfjs-layers';
import {HardSwish} from '../../layers/hard_swish';
import {GroupedConv2D} from '../../layers/grouped_conv2d';
import {kaimingFanOut} from '../../layers/util';

export type BlockActivation = 'swish' | 'hardswish' | 'relu' | 'none';

export interface ConvLayerOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** PyTorch groups; 1 = dense, = input channels = filters: depthwise, else a grouped conv. */
  groups?: number;
  /** BatchNorm after the conv (eps 1e-5, PyTorch momentum 0.1 = tfjs momentum 0.9). Default true. */
  useNorm?: boolean;
  /** Default 'swish' (SiLU), as every cvnets ConvLayer in EdgeFormer / MobileViT. */
  activation?: BlockActivation;
  /** Conv bias; default false (cvnets ConvLayers have none when followed by BN). */
  useBias?: boolean;
  /**
   * The PyTorch module path, e.g. `conv_1` or `layer_2.0.block.exp_1x1`. Layers are named
   * `<name>.block.conv`, `<name>.block.norm`, `<name>.block.act` (and `<name>.block.pad`), so
   * weight names mirror the state_dict keys.
   */
  name: string;
}

/** BatchNorm with PyTorch's defaults: eps 1e-5 and running-stat momentum 0.1. */
export function batchNorm(name: string) {
  return tfl.layers.batchNormalization({axis: -1, epsilon: 1e-5, momentum: 0.9, name});
}

/** Channel count of a symbolic NHWC tensor, with an error naming the block. */
export function channelsOf(x: tfl.SymbolicTensor, what: string): number {
  const c = x.shape[x.shape.length - 1];
  if (x.shape.length !== 4 || c == null) {
    throw new Error(`${what}: expected an NHWC input with known channels, got shape [${x.shape}]`);
  }
  return c;
}

/**
 * conv (k×k, stride s, groups, zero padding (k-1)/2 on every side like PyTorch) → BN → activation.
 * Stride-2 convs get an explicit symmetric ZeroPadding2D + 'valid' because tfjs' 'same' pads
 * asymmetrically (0 before, 1 after) and would shift the sampling grid against PyTorch's.
 */
export function convLayer(x: tfl.SymbolicTensor, opts: ConvLayerOptions): tfl.SymbolicTensor {
  const {filters, kernelSize: k, name} = opts;
  const strides = opts.strides ?? 1;
  const groups = opts.groups ?? 1;
  const cin = channelsOf(x, `convLayer '${name}'`);
  if (cin % groups !== 0 || filters % groups !== 0) {
    throw new Error(`convLayer '${name}': groups ${groups} must divide input channels ${cin} and filters ${filters}`);
  }
  if (k % 2 !== 1) throw new Error(`convLayer '${name}': kernelSize must be odd, got ${k}`);
  const pad = (k - 1) / 2;
  const prefix = `${name}.block`;
  let y: tfl.SymbolicTensor = x;
  const common = {name: `${prefix}.conv`, useBias: opts.useBias ?? false};
  if (groups > 1 && !(groups === cin && filters === cin)) {
    y = new GroupedConv2D({...common, filters, kernelSize: k, strides, pad, groups}).apply(y) as tfl.SymbolicTensor;
  } else {
    const explicitPad = strides > 1 && pad > 0;
    if (explicitPad) y = tfl.layers.zeroPadding2d({padding: pad, name: `${prefix}.pad`}).apply(y) as tfl.SymbolicTensor;
    const padding = explicitPad || pad === 0 ? 'valid' : 'same';
    const init = kaimingFanOut(filters, k, k);
    y = (groups > 1
      ? tfl.layers.depthwiseConv2d({...common, kernelSize: k, strides, padding, depthMultiplier: 1, depthwiseInitializer: init})
      : tfl.layers.conv2d({...common, filters, kernelSize: k, strides, padding, kernelInitializer: init})
    ).apply(y) as tfl.SymbolicTensor;
  }
  if (opts.useNorm ?? true) y = batchNorm(`${prefix}.norm`).apply(y) as tfl.SymbolicTensor;
  const act = opts.activation ?? 'swish';
  if (act === 'swish' || act === 'relu') {
    y = tfl.layers.activation({activation: act, name: `${prefix}.act`}).apply(y) as tfl.SymbolicTensor;
  } else if (act === 'hardswish') {
    y = new HardSwish({name: `${prefix}.act`}).apply(y) as tfl.SymbolicTensor;
  } else if (act !== 'none') {
    throw new Error(`convLayer '${name}': activation must be 'swish', 'hardswish', 'relu' or 'none', got '${act}'`);
  }
  return y;
}

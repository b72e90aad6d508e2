// invertedResidual: the cvnets MobileNetV2 block (docs/op.md §5.3) as a functional sub-graph with torch-mirroring names.
import * as tfl from '@tensorflow/tfjs-layers';
import {channelsOf, convLayer} from './conv_layer';

/** cvnets make_divisible: round to the nearest multiple of `divisor`, never below 90% of `v`. */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  let out = Math.max(minValue, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  if (out < 0.9 * v) out += divisor;
  return out;
}

export interface InvertedResidualOptions {
  inC: number;
  outC: number;
  stride: number;
  /** Expansion ratio e; hidden = makeDivisible(round(inC·e), 8); e = 1 drops the 1×1 expansion. */
  expand: number;
  /** PyTorch module path, e.g. `layer_2.1`; sub-layers are `<name>.block.{exp_1x1,conv_3x3,red_1x1}.block.*`. */
  name: string;
}

/** exp 1×1 (BN, swish) → depthwise 3×3 stride s (BN, swish) → red 1×1 (BN); + input iff s = 1 and inC = outC. */
export function invertedResidual(x: tfl.SymbolicTensor, opts: InvertedResidualOptions): tfl.SymbolicTensor {
  const {inC, outC, stride, expand, name} = opts;
  const c = channelsOf(x, `invertedResidual '${name}'`);
  if (c !== inC) throw new Error(`invertedResidual '${name}': inC ${inC} does not match the input shape [${x.shape}]`);
  if (stride !== 1 && stride !== 2) throw new Error(`invertedResidual '${name}': stride must be 1 or 2, got ${stride}`);
  const hidden = makeDivisible(Math.round(inC * expand), 8);
  let y = x;
  if (expand !== 1) y = convLayer(y, {filters: hidden, kernelSize: 1, name: `${name}.block.exp_1x1`});
  y = convLayer(y, {filters: hidden, kernelSize: 3, strides: stride, groups: hidden, name: `${name}.block.conv_3x3`});
  y = convLayer(y, {filters: outC, kernelSize: 1, activation: 'none', name: `${name}.block.red_1x1`});
  if (stride === 1 && inC === outC) y = tfl.layers.add({name: `${name}.add`}).apply([x, y]) as tfl.SymbolicTensor;
  return y;
}

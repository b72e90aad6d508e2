// ParC-MobileNetV2 recipe (docs/op.md §6): the 3×3 depthwise conv of features 9, 10, 13, 16 (Keras block_8, 9, 12, 15) becomes a depthwise H|W ParC split.
import {byName, inputChannels, kaimingStd, parcReplacement} from './common';
import type {Candidate, Recipe} from './types';

/** torchvision `features.i` (i = 1..17) stage of each block, (t,c,n,s) table order. */
const STAGE_SIZES = [1, 2, 3, 4, 3, 3, 1];
/** Official replacement: features 9, 10, 13, 16 (index ≥ 2 in the 64/96/160 stages). */
const OFFICIAL = new Set([9, 10, 13, 16]);
/** Output stride after features.i. */
const STRIDE = [0, 2, 4, 4, 8, 8, 8, 16, 16, 16, 16, 16, 16, 16, 32, 32, 32, 32];

/** Keras name prefix of torchvision `features.i`: features.1 is `expanded_conv`, features.i is `block_{i-1}`. */
const kerasPrefix = (i: number) => (i === 1 ? 'expanded_conv' : `block_${i - 1}`);

export const mobilenetv2Recipe: Recipe = {
  family: 'mobilenetv2',
  signature: 'MobileNetV2: DepthwiseConv2D layers expanded_conv_depthwise, block_1_depthwise … block_16_depthwise (Keras applications)',
  detect(layers) {
    const names = byName(layers);
    for (let i = 1; i <= 17; i++) if (names.get(`${kerasPrefix(i)}_depthwise`)?.className !== 'DepthwiseConv2D') return false;
    return !names.has('block_17_depthwise');
  },
  candidates(layers) {
    const names = byName(layers);
    const out: Candidate[] = [];
    let feature = 1;
    for (const size of STAGE_SIZES) {
      for (let j = 0; j < size; j++, feature++) {
        const layer = names.get(`${kerasPrefix(feature)}_depthwise`)!;
        const strides = layer.config['strides'] as number[] | undefined;
        if (strides && strides.some((s) => s !== 1)) continue; // ParC keeps the map size: stride-1 blocks only
        out.push({
          ids: [`features.${feature}`, kerasPrefix(feature)], path: layer.path,
          official: OFFICIAL.has(feature), officialPe: j === 2, stride: STRIDE[feature],
        });
      }
    }
    return out;
  },
  replace(target, c, opts) {
    if (target.className !== 'DepthwiseConv2D') {
      throw new Error(`replaceBlocks(mobilenetv2): layer '${target.path}' is a ${target.className}, expected the block's DepthwiseConv2D`);
    }
    const hidden = inputChannels(target);
    const k = opts.kernel ? opts.kernel[0] : opts.metaKernel;
    // torchvision MobileNetV2 init: kaiming fan_out weights (fan_out of a (c,1,K,1) kernel is c·K), zero biases.
    return parcReplacement(target, {dense: false, kernelStd: kaimingStd(Math.floor(hidden / 2), k), biasBound: 0}, opts);
  },
};

// ParC-ResNet50 recipe (docs/op.md §6): the 3×3 conv of layer3 blocks 3–5 and layer4 block 2 becomes a dense H|W ParC split.
import {byName, inputChannels, kaimingStd, parcReplacement} from './common';
import type {Candidate, FoundLayer, Recipe} from './types';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** Blocks per stage (Keras conv2..conv5 = torchvision layer1..layer4). */
const DEPTHS = [3, 4, 6, 3];
/** Official insert locations: blocks with index ≥ loc get ParC (torchvision numbering). */
const INSERT = [3, 4, 3, 2];

/** Name of the 3×3 conv of (stage s = 2..5, block b = 1-based) in the modern or legacy Keras naming. */
const modern = (s: number, b: number) => `conv${s}_block${b}_2_conv`;
const legacy = (s: number, b: number) => `res${s}${LETTERS[b - 1]}_branch2b`;

function naming(layers: FoundLayer[]): ((s: number, b: number) => string) | null {
  const names = byName(layers);
  for (const f of [modern, legacy]) {
    const complete = DEPTHS.every((d, i) => {
      for (let b = 1; b <= d; b++) if (!names.has(f(i + 2, b))) return false;
      return !names.has(f(i + 2, d + 1));
    });
    if (complete) return f;
  }
  return null;
}

export const resnet50Recipe: Recipe = {
  family: 'resnet50',
  signature: 'ResNet50: 3×3 convs conv2_block1_2_conv … conv5_block3_2_conv (Keras ≥ 2.3) or res2a_branch2b … res5c_branch2b (Keras 2.2), blocks [3,4,6,3]',
  // ResNet50V2 shares the modern names but is pre-activation with strided 3×3 convs: not this recipe.
  detect: (layers) => naming(layers) != null && !layers.some((l) => l.name.endsWith('_preact_bn')),
  candidates(layers) {
    const f = naming(layers)!;
    const names = byName(layers);
    const out: Candidate[] = [];
    DEPTHS.forEach((d, i) => {
      const s = i + 2;
      for (let b = 1; b <= d; b++) {
        const layer = names.get(f(s, b))!;
        const prefix = f === modern ? `conv${s}_block${b}` : `res${s}${LETTERS[b - 1]}`;
        out.push({
          ids: [`layer${i + 1}.${b - 1}`, prefix], path: layer.path,
          official: b - 1 >= INSERT[i], officialPe: true, stride: 2 ** (s),
        });
      }
    });
    return out;
  },
  replace(target, c, opts) {
    if (target.className !== 'Conv2D') {
      throw new Error(`replaceBlocks(resnet50): layer '${target.path}' is a ${target.className}, expected the block's 3×3 Conv2D`);
    }
    const cfg = target.config;
    const strides = (cfg['strides'] as number[] | undefined) ?? [1, 1];
    const kernel = cfg['kernelSize'] as number[] | undefined;
    if (strides.some((v) => v !== 1) || cfg['padding'] !== 'same' || !kernel || kernel.some((k) => k !== 3)) {
      throw new Error(`replaceBlocks(resnet50): '${target.path}' is not a stride-1 'same' 3×3 conv (strides ${JSON.stringify(strides)}, padding ${cfg['padding']}, kernel ${JSON.stringify(kernel)}); a ParC block keeps the feature size`);
    }
    const cin = inputChannels(target);
    const filters = target.config['filters'] as number;
    if (filters !== cin) {
      throw new Error(`replaceBlocks(resnet50): the 3×3 conv '${target.path}' maps ${cin} to ${filters} channels; a ParC block needs equal widths`);
    }
    const half = Math.floor(cin / 2);
    const k = opts.kernel ? opts.kernel[0] : opts.metaKernel;
    // torchvision's ResNet init: kaiming fan_out for the weight; the bias keeps nn.Conv2d's U(±1/√fan_in).
    return parcReplacement(target, {dense: true, kernelStd: kaimingStd(half, k), biasBound: 1 / Math.sqrt(half * k)}, opts);
  },
};

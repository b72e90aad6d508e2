// EdgeViT recipe (no official ParC design exists): the global sparse attention of the final-stage blocks becomes a depthwise H|W ParC mixer.
import {parcReplacement} from './common';
import type {Candidate, FoundLayer, Recipe} from './types';

const ATTN = /^(.*)_stage_(\d+)_block_(\d+)_global_attn$/;

function blocks(layers: FoundLayer[]) {
  const out: {layer: FoundLayer; prefix: string; stage: number; block: number}[] = [];
  for (const l of layers) {
    const m = ATTN.exec(l.name);
    if (m && l.className === 'EdgeVitGlobalSparseAttn') out.push({layer: l, prefix: m[1], stage: Number(m[2]), block: Number(m[3])});
  }
  return out;
}

/**
 * Design (ours, documented in docs/surgery.md): EdgeViT's token mixer in a block is
 * `x + GlobalSparseAttn(LN(x))`; in the final stage (sr = 1) it is plain global
 * multi-head attention over the 7×7 map. We swap that layer for a ParcSplitConv
 * (depthwise, bias, PE; half the channels mix along H, half along W, each with a
 * kernel spanning the whole axis), as EdgeFormer and ParC-ConvNeXt do for their
 * spatial mixers. The global receptive field is kept; channel mixing stays in the
 * block's MLP. Init as ConvNeXt's ParC (N(0, 0.02) kernels and PE, zero biases).
 */
export const edgevitRecipe: Recipe = {
  family: 'edgevit',
  signature: 'EdgeViT: <name>_stage_<i>_block_<j>_global_attn token mixers (pacc.zoo.edgeViT naming), stages 0–3',
  detect(layers) {
    const stages = new Set(blocks(layers).map((b) => b.stage));
    return [0, 1, 2, 3].every((s) => stages.has(s));
  },
  candidates(layers) {
    const all = blocks(layers);
    const last = Math.max(...all.map((b) => b.stage));
    return all.map((b): Candidate => ({
      ids: [`stages.${b.stage}.${b.block}`, `${b.prefix}_stage_${b.stage}_block_${b.block}`], path: b.layer.path,
      official: b.stage === last, officialPe: true, stride: 4 * 2 ** b.stage,
    }));
  },
  replace(target, c, opts) {
    return parcReplacement(target, {dense: false, kernelStd: 0.02, biasBound: 0}, opts);
  },
};

// ParC-ConvNeXt recipe (docs/op.md §6): the 7×7 depthwise conv of stage 3 blocks ≥ 6 and stage 4 blocks ≥ 2 becomes a depthwise H|W ParC split.
import {parcReplacement} from './common';
import type {Candidate, FoundLayer, Recipe} from './types';

const DW = /^(.*)_stage_(\d+)_block_(\d+)_depthwise_conv$/;
/** Official insert locations per stage: blocks with index ≥ loc get ParC. */
const INSERT = [3, 3, 6, 2];
const DW_CLASSES = new Set(['DepthwiseConv2D', 'Conv2D']);

function blocks(layers: FoundLayer[]) {
  const out: {layer: FoundLayer; prefix: string; stage: number; block: number}[] = [];
  for (const l of layers) {
    const m = DW.exec(l.name);
    if (m && DW_CLASSES.has(l.className)) out.push({layer: l, prefix: m[1], stage: Number(m[2]), block: Number(m[3])});
  }
  return out;
}

export const convnextRecipe: Recipe = {
  family: 'convnext',
  signature: 'ConvNeXt: <name>_stage_<i>_block_<j>_depthwise_conv layers (keras.applications ConvNeXt naming), stages 0–3',
  detect(layers) {
    const stages = new Set(blocks(layers).map((b) => b.stage));
    return [0, 1, 2, 3].every((s) => stages.has(s));
  },
  candidates(layers) {
    return blocks(layers).map((b): Candidate => ({
      ids: [`stages.${b.stage}.${b.block}`, `${b.prefix}_stage_${b.stage}_block_${b.block}`], path: b.layer.path,
      official: b.stage < INSERT.length && b.block >= INSERT[b.stage], officialPe: true, stride: 4 * 2 ** b.stage,
    }));
  },
  replace(target, c, opts) {
    const cfg = target.config;
    const k = cfg['kernelSize'] as number[] | undefined;
    const depthwise = target.className === 'DepthwiseConv2D' ? (cfg['depthMultiplier'] ?? 1) === 1
      : cfg['groups'] != null && cfg['groups'] === cfg['filters'];
    if (!depthwise || !k) {
      throw new Error(`replaceBlocks(convnext): layer '${target.path}' (${target.className}) is not the block's depthwise conv`);
    }
    // ConvNeXt init: trunc-normal(0.02) weights (bounds ±2 absolute, i.e. a plain normal), zero biases.
    return parcReplacement(target, {dense: false, kernelStd: 0.02, biasBound: 0}, opts);
  },
};

// EdgeViT recipe placeholder: detection only until the PaCC mixer lands (see docs/surgery.md).
import type {Recipe} from './types';

export const edgevitRecipe: Recipe = {
  family: 'edgevit',
  signature: 'EdgeViT: <name>_stage_<i>_block_<j>_global_attn token mixers (pacc.zoo.edgeVit naming)',
  detect: (layers) => layers.some((l) => /_stage_3_block_\d+_global_attn$/.test(l.name)),
  candidates: () => [],
  replace() {
    throw new Error('replaceBlocks(edgevit): not implemented yet');
  },
};

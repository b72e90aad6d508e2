// Types shared by replaceBlocks and the per-family recipes.
import type {serialization} from '@tensorflow/tfjs-core';

export type Family = 'resnet50' | 'mobilenetv2' | 'convnext' | 'edgevit';
export const FAMILIES: Family[] = ['resnet50', 'mobilenetv2', 'convnext', 'edgevit'];

export type Shape = (number | null)[];

/** A layer of the (possibly nested) model, as the recipes see it. */
export interface FoundLayer {
  /** `outer/inner/name` for layers inside nested models, else the name. */
  path: string;
  name: string;
  className: string;
  /** Shape of the first input of the first call, when known. */
  inputShape: Shape | null;
  config: serialization.ConfigDict;
}

/** One layer swapped for another; the rest of the graph is kept. */
export interface Replacement {
  /** Path of the layer to replace. */
  path: string;
  /** Name of the new layer (the old name with a suffix, so stale weights can never land in it). */
  newName: string;
  className: string;
  /** tfjs (camelCase) config of the new layer, without `name`. */
  config: serialization.ConfigDict;
}

/** Options of `replaceBlocks`. */
export interface ReplaceBlocksOptions {
  /** Model family; detected from the layer names by default. */
  family?: Family;
  /**
   * Blocks to replace, by id: the official PyTorch id (`'layer3.3'`, `'features.9'`,
   * `'stages.2.6'`, `'stages.3.1'`) or the Keras block prefix (`'conv4_block4'`,
   * `'res4d'`, `'block_8'`, `'convnext_tiny_stage_2_block_6'`). Default: the
   * official insert locations (docs/op.md §6).
   */
  blocks?: string[];
  /** `true`/`false` for every new block, or `'official'` (default): as the official model. */
  usePositionEmbedding?: boolean | 'official';
  /**
   * `'auto'` (default): K = the block's feature size at the model's input shape, or a
   * meta kernel when that size is not fixed; `'meta'`: always a meta kernel of the
   * official K taps (its size at 224×224) resized at run time; a number: that K.
   */
  kernelSize?: 'auto' | 'meta' | number;
}

/** One replaceable block of a family. */
export interface Candidate {
  /** Ids accepted in `options.blocks`: official id first, then Keras prefix. */
  ids: string[];
  /** Path of the layer replaced. */
  path: string;
  /** Whether the official design replaces it. */
  official: boolean;
  /** Whether the official design gives it a position embedding. */
  officialPe: boolean;
  /** Stride of the block's feature map w.r.t. the input (K = 224 / stride officially). */
  stride: number;
}

export interface Recipe {
  family: Family;
  /** A short description of what identifies the family, for error messages. */
  signature: string;
  /** True when the layer names/classes are this family's. */
  detect(layers: FoundLayer[]): boolean;
  /** Every replaceable block found in the model. */
  candidates(layers: FoundLayer[]): Candidate[];
  /** The new layer for one chosen candidate. */
  replace(target: FoundLayer, c: Candidate, opts: {pe: boolean; kernel: [number, number] | null; metaKernel: number}): Replacement;
}

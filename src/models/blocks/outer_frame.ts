// outerFrame: EdgeFormer's outer_frame_v1 (docs/op.md §5.2) — local rep, PaCC global rep, channel adaptation, fusion.
import * as tfl from '@tensorflow/tfjs-layers';
import {PaccBlock, PaccMixer} from '../../layers/pacc_block';
import {PaccResizeMethod} from '../../layers/pacc_conv';
import {batchNorm, channelsOf, convLayer} from './conv_layer';

export type FusionMode = 'concat' | 'add';

export interface OuterFrameOptions {
  /** cf_s: channels of the global representation (2d of its PaccBlocks). Must be even. */
  cfS: number;
  /** FFN width F of the PaccBlocks. */
  ffnDim: number;
  numBlocks: number;
  /** Meta kernel length M. */
  metaSize: number;
  fusion: FusionMode;
  method?: PaccResizeMethod;
  mixer?: PaccMixer;
  /** Position embeddings in the first block (official: true). */
  usePe?: boolean;
  /** PyTorch module path of the frame, e.g. `layer_3.1`. */
  name: string;
}

export const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * x [N,S,S,Cin] → [N,S,S,Cin]. dim_adaptive (3×3 grouped by gcd(cfS,Cin), BN, swish; 1×1 plain) →
 * numBlocks PaccBlocks (pe only in block 0) → BN → channel_adaptive (1×1 grouped, BN, swish) →
 * local_global_fusion 3×3 on concat(global, x) or on x + global. No skip around the frame.
 */
export function outerFrame(x: tfl.SymbolicTensor, opts: OuterFrameOptions): tfl.SymbolicTensor {
  const {cfS, ffnDim, numBlocks, metaSize, fusion, name} = opts;
  const cin = channelsOf(x, `outerFrame '${name}'`);
  if (cfS % 2 !== 0) throw new Error(`outerFrame '${name}': cfS must be even (two halves of d channels), got ${cfS}`);
  if (fusion !== 'concat' && fusion !== 'add') throw new Error(`outerFrame '${name}': fusion must be 'concat' or 'add', got '${fusion}'`);
  const groups = gcd(cfS, cin);
  let t = convLayer(x, {filters: cfS, kernelSize: 3, groups, name: `${name}.dim_adaptive.0`});
  t = convLayer(t, {filters: cfS, kernelSize: 1, useNorm: false, activation: 'none', name: `${name}.dim_adaptive.1`});
  for (let b = 0; b < numBlocks; b++) {
    t = new PaccBlock({
      dim: cfS / 2, metaSize, ffnDim, usePe: b === 0 && (opts.usePe ?? true), method: opts.method, mixer: opts.mixer,
      name: `${name}.spatial_global_rep.${b}`,
    }).apply(t) as tfl.SymbolicTensor;
  }
  t = batchNorm(`${name}.spatial_global_rep.${numBlocks}`).apply(t) as tfl.SymbolicTensor;
  t = convLayer(t, {filters: cin, kernelSize: 1, groups, name: `${name}.channel_adaptive`});
  const fused = fusion === 'concat'
    ? tfl.layers.concatenate({axis: -1, name: `${name}.fusion_concat`}).apply([t, x]) as tfl.SymbolicTensor
    : tfl.layers.add({name: `${name}.fusion_add`}).apply([x, t]) as tfl.SymbolicTensor;
  return convLayer(fused, {filters: cin, kernelSize: 3, name: `${name}.local_global_fusion`});
}

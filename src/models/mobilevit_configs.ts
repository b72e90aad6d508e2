// Declarative per-variant configs of MobileViT v1 (cvnets config/mobilevit.py + the official x_small / small yamls).

/** A stage of MobileNetV2 blocks (cvnets block_type 'mv2'). */
export interface MobileViTMv2Stage {
  kind: 'mv2';
  outChannels: number;
  numBlocks: number;
  stride: number;
  expandRatio: number;
}

/** A stride-2 MobileNetV2 block followed by one MobileViT block (cvnets block_type 'mobilevit'). */
export interface MobileViTTransformerStage {
  kind: 'mobilevit';
  outChannels: number;
  transformerDim: number;
  ffnDim: number;
  transformerBlocks: number;
  expandRatio: number;
}

export interface MobileViTConfig {
  stemChannels: number;
  stages: [MobileViTMv2Stage, MobileViTMv2Stage, MobileViTTransformerStage, MobileViTTransformerStage, MobileViTTransformerStage];
  /** conv_1x1_exp width = min(lastLayerExpFactor · C5, 960). */
  lastLayerExpFactor: number;
  /** The yamls set number_heads: 4, so head_dim = transformerDim / 4. */
  numHeads: number;
  patch: number;
  /** Transformer dropouts (yaml: dropout 0.1, attn_dropout 0, ffn_dropout 0) and classifier dropout (yaml: 0.1). */
  dropout: number;
  attnDropout: number;
  ffnDropout: number;
  classifierDropout: number;
}

export type MobileViTVariant = 'xs' | 's';

const mv2 = (outChannels: number, numBlocks: number, stride: number): MobileViTMv2Stage =>
  ({kind: 'mv2', outChannels, numBlocks, stride, expandRatio: 4});
const mvit = (outChannels: number, transformerDim: number, ffnDim: number, transformerBlocks: number): MobileViTTransformerStage =>
  ({kind: 'mobilevit', outChannels, transformerDim, ffnDim, transformerBlocks, expandRatio: 4});
const common = {stemChannels: 16, lastLayerExpFactor: 4, numHeads: 4, patch: 2, dropout: 0.1, attnDropout: 0, ffnDropout: 0, classifierDropout: 0.1};

export const MOBILEVIT_CONFIGS: Record<MobileViTVariant, MobileViTConfig> = {
  // config/classification/mobilevit/mobilevit_x_small.yaml (mode x_small)
  xs: {...common, stages: [mv2(32, 1, 1), mv2(48, 3, 2), mvit(64, 96, 192, 2), mvit(80, 120, 240, 4), mvit(96, 144, 288, 3)]},
  // config/classification/mobilevit/mobilevit_small.yaml (mode small)
  s: {...common, stages: [mv2(32, 1, 1), mv2(64, 3, 2), mvit(96, 144, 288, 2), mvit(128, 192, 384, 4), mvit(160, 240, 480, 3)]},
};

/** Trainable parameters of the official PyTorch models (docs/op.md §5.4), for tests and docs. */
export const MOBILEVIT_PARAM_COUNTS: Record<MobileViTVariant, number> = {xs: 2_317_848, s: 5_578_632};

// Pre-rename spellings (MobileVit*), kept so existing code compiles.
/** @deprecated Renamed MobileViTMv2Stage. */
export type MobileVitMv2Stage = MobileViTMv2Stage;
/** @deprecated Renamed MobileViTTransformerStage. */
export type MobileVitTransformerStage = MobileViTTransformerStage;
/** @deprecated Renamed MobileViTConfig. */
export type MobileVitConfig = MobileViTConfig;
/** @deprecated Renamed MobileViTVariant. */
export type MobileVitVariant = MobileViTVariant;

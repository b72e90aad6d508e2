// Declarative per-variant stage configs of PaCC-Net / EdgeFormer XS, S, H (official yamls, docs/op.md §5.4).
import type {PaccMixer} from '../layers/pacc_block';
import type {PaccResizeMethod} from '../layers/pacc_conv';
import type {FusionMode} from './blocks/outer_frame';

/** A stage of MobileNetV2 blocks (the first has the stage's stride). */
export interface PaccMv2Stage {
  kind: 'mv2';
  outChannels: number;
  numBlocks: number;
  stride: number;
  expandRatio: number;
}

/** One MobileNetV2 block (stride `stride`) followed by an outer frame of PaCC blocks (docs/op.md §5.2). */
export interface PaccFrameStage {
  kind: 'frame';
  outChannels: number;
  stride: number;
  expandRatio: number;
  /** cf_s: width of the global representation; each PaccBlock has d = cfS/2. */
  cfS: number;
  ffnDim: number;
  numBlocks: number;
  /** Meta kernel length M; equals the stage's feature size at the 256×256 training size. */
  metaSize: number;
}

export type PaccStage = PaccMv2Stage | PaccFrameStage;

export interface PaccNetConfig {
  /** conv_1: k×k stride-2 ConvLayer 3 → stemChannels. */
  stemChannels: number;
  stemKernel: number;
  /** Stride of conv_1 (official 2); small-input designs may use 1. */
  stemStride?: number;
  /** layer_1 ... layer_k (official: five). */
  stages: PaccStage[];
  /** conv_1x1_exp width; default min(4 · last stage channels, 960) as the official code. */
  expChannels?: number;
  fusion: FusionMode;
  method?: PaccResizeMethod;
  mixer?: PaccMixer;
  /** Dropout before the classifier (official 0.2). */
  classifierDropout?: number;
}

export type PaccNetVariant = 'xs' | 's' | 'h';

const mv2 = (outChannels: number, numBlocks: number, stride: number): PaccMv2Stage =>
  ({kind: 'mv2', outChannels, numBlocks, stride, expandRatio: 4});
const frame = (outChannels: number, cfS: number, ffnDim: number, numBlocks: number, metaSize: number): PaccFrameStage =>
  ({kind: 'frame', outChannels, stride: 2, expandRatio: 4, cfS, ffnDim, numBlocks, metaSize});

export const PACCNET_CONFIGS: Record<PaccNetVariant, PaccNetConfig> = {
  // config/classification/edgeformer/edgeformer_xs.yaml: fusion add, cf_s = channels.
  xs: {
    stemChannels: 16, stemKernel: 3, fusion: 'add', method: 'bilinear', classifierDropout: 0.2,
    stages: [mv2(32, 1, 1), mv2(64, 3, 2), frame(96, 96, 192, 2, 32), frame(128, 128, 256, 3, 16), frame(160, 160, 320, 2, 8)],
  },
  // edgeformer_s.yaml: fusion concat, cf_s = 2 · channels.
  s: {
    stemChannels: 16, stemKernel: 3, fusion: 'concat', method: 'bilinear', classifierDropout: 0.2,
    stages: [mv2(32, 1, 1), mv2(64, 3, 2), frame(96, 192, 384, 2, 32), frame(128, 256, 512, 4, 16), frame(160, 320, 640, 3, 8)],
  },
  // edgeformer_h.yaml: 5×5 stem, wider stages, 9 blocks in layer_4.
  h: {
    stemChannels: 48, stemKernel: 5, fusion: 'concat', method: 'bilinear', classifierDropout: 0.2,
    stages: [mv2(96, 1, 1), mv2(144, 3, 2), frame(216, 324, 648, 3, 32), frame(288, 432, 864, 9, 16), frame(432, 432, 864, 3, 8)],
  },
};

/** Trainable parameters of the official PyTorch models with 1000 classes (docs/op.md §5.4). */
export const PACCNET_PARAM_COUNTS: Record<PaccNetVariant, number> = {xs: 2_185_384, s: 5_037_088, h: 20_403_940};

// The demo network: PaCC-Net's XS design scaled down to 32×32 Fashion-MNIST inputs.
import type * as pacc from '../../src/index';
import type {TrainConfig} from './trainer';

/** The XS design scaled to 32×32 inputs: MV2 stem stages, PaCC outer frames in the last two stages (8×8, 4×4). */
export const DEMO_CONFIG: pacc.models.PaccNetConfig = {
  stemChannels: 16, stemKernel: 3, stemStride: 2, fusion: 'add', method: 'bilinear', classifierDropout: 0.1, expChannels: 256,
  stages: [
    {kind: 'mv2', outChannels: 24, numBlocks: 1, stride: 1, expandRatio: 4},
    {kind: 'frame', outChannels: 48, stride: 2, expandRatio: 4, cfS: 48, ffnDim: 96, numBlocks: 2, metaSize: 8},
    {kind: 'frame', outChannels: 64, stride: 2, expandRatio: 4, cfS: 64, ffnDim: 128, numBlocks: 2, metaSize: 4},
  ],
};

/** The two networks the demo compares: PaCC convolutions, or every PaCC conv pair replaced by a 3×3 depthwise conv. */
export const DEMO_NETS = [
  {name: 'PaCC-Net', mixer: 'pacc', modelName: 'demo_paccnet', dir: 'paccnet'},
  {name: 'depthwise 3×3 baseline', mixer: 'depthwise', modelName: 'demo_depthwise', dir: 'depthwise'},
] as const;

/** The demo's training recipe (AdamW + cosine + label smoothing at 32×32); the Node demo and the browser page share it. */
export function demoTrainConfig(o: {epochs: number; batchSize: number; lr: number; maxBatches?: number}): TrainConfig {
  return {
    epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, weightDecay: 0.025, warmupEpochs: Math.min(1, o.epochs / 4),
    labelSmoothing: 0.1, emaDecay: 0, numClasses: 10, size: 32, maxBatches: o.maxBatches ?? 0,
  };
}

/** Defaults of the Node demo's command line (the browser page starts from them too). */
export const DEMO_DEFAULTS = {epochs: 2, trainImages: 3000, testImages: 1000, batch: 32, lr: 0.004, seed: 42};

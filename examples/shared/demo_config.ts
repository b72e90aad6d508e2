// The demo network: PaCC-Net's XS design scaled down to 32×32 Fashion-MNIST inputs.
import type * as pacc from '../../src/index';

/** The XS design scaled to 32×32 inputs: MV2 stem stages, PaCC outer frames in the last two stages (8×8, 4×4). */
export const DEMO_CONFIG: pacc.models.PaccNetConfig = {
  stemChannels: 16, stemKernel: 3, stemStride: 2, fusion: 'add', method: 'bilinear', classifierDropout: 0.1, expChannels: 256,
  stages: [
    {kind: 'mv2', outChannels: 24, numBlocks: 1, stride: 1, expandRatio: 4},
    {kind: 'frame', outChannels: 48, stride: 2, expandRatio: 4, cfS: 48, ffnDim: 96, numBlocks: 2, metaSize: 8},
    {kind: 'frame', outChannels: 64, stride: 2, expandRatio: 4, cfS: 64, ffnDim: 128, numBlocks: 2, metaSize: 4},
  ],
};

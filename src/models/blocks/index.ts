// Shared functional building blocks (ConvLayer, MobileNetV2 inverted residual) used by PaCC-Net and MobileViT.
export {batchNorm, channelsOf, convLayer} from './conv_layer';
export type {BlockActivation, ConvLayerOptions} from './conv_layer';
export {invertedResidual, makeDivisible} from './inverted_residual';
export type {InvertedResidualOptions} from './inverted_residual';
export {gcd, outerFrame} from './outer_frame';
export type {FusionMode, OuterFrameOptions} from './outer_frame';

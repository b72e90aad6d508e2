// tfjs-pacc public API. Importing this module registers our kernels and gradients (idempotently).
// tfjs-layers registers tfjs-core's stock gradients (sum, the composite fallback's ops);
// importing the core subpath directly breaks under Node ESM (directory imports).
import '@tensorflow/tfjs-layers';
import {registerAll} from '../ops/register';

export {positionAwareCircularConv} from '../ops/pacc/op';
export type {PositionAwareCircularConvOptions} from '../ops/pacc/op';
export {
  PositionAwareCircularConv, PositionAwareCircularConvBackpropFilter, PositionAwareCircularConvBackpropInput,
} from '../ops/pacc/kernel_names';
export type {PaccDirection} from '../ops/pacc/kernel_names';
export {resizeMetaKernel} from '../ops/resize_meta_kernel/op';
export type {ResizeMethod} from '../ops/resize_meta_kernel/op';
export {registerAll as registerKernels};
/** `pacc.converters.*`: PyTorch checkpoints to tfjs models (issue 6). */
export * as converters from '../converters/index';

/** `pacc.io.*`: model loading helpers. */
export * as io from './io/index';
/** `pacc.replaceBlocks(model, options?)`: PaCC blocks into loaded ResNet50 / MobileNetV2 / ConvNeXt / EdgeViT models (issue 7). */
export {replaceBlocks, detectFamily} from './surgery/index';
export type {Family, ReplaceBlocksOptions} from './surgery/index';
export {ParcSplitConv} from './layers/parc_split_conv';
export type {ParcSplitConvArgs} from './layers/parc_split_conv';
export {LayerScale} from './layers/parc_layer_scale';
/** `pacc.zoo.*`: base-model builders with Keras-compatible layer names (issue 7). */
export * as zoo from './models/zoo/index';

registerAll();

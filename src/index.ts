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

registerAll();

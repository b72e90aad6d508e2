// tfjs-pacc public API. Importing this module registers our kernels and gradients (idempotently).
// Stock gradients (sum, the composite fallback's ops) must exist even for tfjs-core-only users.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
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

registerAll();

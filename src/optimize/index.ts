// The inference optimiser's public face: optimizeForInference and the fused layers it builds (registered for loading).
export {optimizeForInference} from './optimize';
export type {OptimizeOptions} from './optimize';
export {FusedConv2D} from './fused_conv2d';
export type {FusedConv2DArgs, FusedConvKind, FusedConvPadding} from './fused_conv2d';
export {FusedDense} from './fused_dense';
export type {FusedDenseArgs} from './fused_dense';
export {FusedPaccBlock} from './fused_pacc_block';
export type {FusedPaccBlockArgs} from './fused_pacc_block';
export type {FusedActivationName} from './activation';

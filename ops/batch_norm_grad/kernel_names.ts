// Kernel names of the fused FusedBatchNorm gradient (wasm): two passes instead of tfjs-core's dozen stock ops.

/**
 * Per-channel sums of the gradient, inputs {x, dy, mean} (x, dy [..., C], mean [C]),
 * two outputs [C]: Σ dy and Σ dy·(x − mean), summed over every axis but the last.
 */
export const PaccBatchNormGradSums = 'PaccBatchNormGradSums';
/** out = x · k, inputs {x [..., C], k [C]}: k broadcast along the last axis (the direct x-gradient). */
export const PaccMulChannels = 'PaccMulChannels';

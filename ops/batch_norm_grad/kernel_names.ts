// Kernel names of the fused FusedBatchNorm / Sum / Mean gradients on wasm: one or two passes instead of tfjs-core's many stock ops.

/**
 * Per-channel sums of the gradient, inputs {x, dy, mean} (x, dy [..., C], mean [C]),
 * two outputs [C]: Σ dy and Σ dy·(x − mean), summed over every axis but the last.
 */
export const PaccBatchNormGradSums = 'PaccBatchNormGradSums';
/** out = x · k, inputs {x [..., C], k [C]}: k broadcast along the last axis (the direct x-gradient). */
export const PaccMulChannels = 'PaccMulChannels';
/**
 * out [..shape] with out[r, c] = dy[c] · scale, input {dy} of size cols, attrs {shape, scale}:
 * dy broadcast over the leading axes of `shape` (the gradient of Sum/Mean over those axes).
 */
export const PaccBroadcastRows = 'PaccBroadcastRows';

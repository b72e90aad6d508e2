// Kernel name of the fused Adam update (wasm): one pass per variable instead of tfjs-core's ~14 kernels.

/**
 * Inputs {value, m, v, grad} (same shape, float32), attrs {beta1, beta2, epsilon, learningRate,
 * accBeta1, accBeta2}; three outputs: the new value, first and second moment. The maths and
 * float32 rounding of tfjs-core's AdamOptimizer.applyGradients.
 */
export const PaccAdamUpdate = 'PaccAdamUpdate';

// Kernel names of the fused swish (SiLU) on wasm: one pass forward and one backward instead of tfjs-layers' composed ops.

/** y = x · sigmoid(x), input {x} float32, output of x's shape. */
export const PaccSwish = 'PaccSwish';
/** dx = dy · (s + x·s·(1 − s)) with s = sigmoid(x), inputs {x, dy} of one shape. */
export const PaccSwishGrad = 'PaccSwishGrad';

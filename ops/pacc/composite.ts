// The PaCC op from stock tfjs ops (pe add + concat + depthwiseConv2d + bias): fallback and benchmark baseline.
import {add, concat, depthwiseConv2d, reshape, slice, Tensor1D, Tensor2D, Tensor4D, tidy} from '@tensorflow/tfjs-core';
import type {PaccDirection} from './kernel_names';

/**
 * Same result as the native kernel, differentiable through stock gradients.
 * Arguments are assumed valid (see op.ts): this is what the official PyTorch
 * code computes, transposed to NHWC.
 */
export function paccComposite(
    x: Tensor4D, filter: Tensor2D, direction: PaccDirection, bias?: Tensor1D, pe?: Tensor2D): Tensor4D {
  return tidy(() => {
    const [, H, W, C] = x.shape;
    const axis = direction === 'h' ? 1 : 2;
    const L = axis === 1 ? H : W;
    const xp = pe ? add(x, reshape(pe, axis === 1 ? [1, L, 1, C] : [1, 1, L, C])) as Tensor4D : x;
    // Append the first L-1 rows (or columns) so a VALID conv of length L wraps around.
    const head = axis === 1 ? slice(xp, [0, 0, 0, 0], [-1, L - 1, -1, -1]) : slice(xp, [0, 0, 0, 0], [-1, -1, L - 1, -1]);
    const ext = L > 1 ? concat([xp, head], axis) as Tensor4D : xp;
    const f = reshape(filter, axis === 1 ? [L, 1, C, 1] : [1, L, C, 1]) as unknown as Parameters<typeof depthwiseConv2d>[1];
    const y = depthwiseConv2d(ext, f, 1, 'valid');
    return (bias ? add(y, bias) : y) as Tensor4D;
  });
}

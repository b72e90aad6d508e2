// resizeMetaKernel: a learned meta kernel / position embedding [M,C] resized to the feature size [S,C].
import {matMul, op, slice, tensor2d, Tensor2D, TensorLike, tidy} from '@tensorflow/tfjs-core';
import {toFloatTensor} from '../util/validate';

export type ResizeMethod = 'bilinear' | 'crop';

/** The [S,M] matrix of 1-D linear interpolation with align_corners=True (PyTorch F.interpolate). */
export function bilinearResizeMatrix(m: number, s: number): Float32Array {
  const mat = new Float32Array(s * m);
  for (let i = 0; i < s; i++) {
    // Float64 source coordinate as in the PyTorch reference (fixtures were made in float64).
    const src = s > 1 ? i * (m - 1) / (s - 1) : 0;
    const i0 = Math.floor(src);
    const i1 = Math.min(i0 + 1, m - 1);
    const lam = src - i0;
    mat[i * m + i0] += 1 - lam;
    mat[i * m + i1] += lam;
  }
  return mat;
}

/**
 * Resizes a meta kernel (or meta position embedding) `[M, C]` to `[length, C]`,
 * as EdgeFormer does at run time (docs/op.md §3).
 *
 * - `'bilinear'`: linear interpolation along the kernel axis with
 *   `align_corners = true` (an exact copy when `length == M`).
 * - `'crop'`: the first `length` taps; `length` must not exceed `M`.
 *
 * Built from stock ops (a small interpolation matrix times `meta`, or a slice),
 * so it is differentiable on every backend.
 *
 * @param meta float32 `[M, C]`.
 * @param length target length `S >= 1`.
 * @param method `'bilinear'` (default) or `'crop'`.
 */
function resizeMetaKernel_(meta: Tensor2D | TensorLike, length: number, method: ResizeMethod = 'bilinear'): Tensor2D {
  const fn = 'resizeMetaKernel';
  const $meta = toFloatTensor(meta, 'meta', fn);
  if ($meta.rank !== 2) {
    throw new Error(`${fn}: argument 'meta' must be rank 2 [M, C], got shape [${$meta.shape}]`);
  }
  const [m, c] = $meta.shape;
  if (m < 1 || c < 1) throw new Error(`${fn}: argument 'meta' must be non-empty, got shape [${$meta.shape}]`);
  if (!Number.isInteger(length) || length < 1) {
    throw new Error(`${fn}: argument 'length' must be a positive integer, got ${length} (meta shape [${$meta.shape}])`);
  }
  const $method = String(method).toLowerCase();
  if ($method === 'crop') {
    if (length > m) {
      throw new Error(`${fn}: 'crop' needs length <= M, got length ${length} for meta shape [${$meta.shape}]`);
    }
    return slice($meta, [0, 0], [length, c]) as Tensor2D;
  }
  if ($method !== 'bilinear') {
    throw new Error(`${fn}: argument 'method' must be 'bilinear' or 'crop', got '${method}'`);
  }
  if (length === m) return $meta.clone() as Tensor2D;
  return tidy(() => matMul(tensor2d(bilinearResizeMatrix(m, length), [length, m]), $meta as Tensor2D));
}

export const resizeMetaKernel = op({resizeMetaKernel_});

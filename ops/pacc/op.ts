// positionAwareCircularConv: the public op; all argument validation lives here, none in kernels.
import {engine, getBackend, getKernel, op, Tensor, Tensor1D, Tensor2D, Tensor4D, TensorLike, zeros} from '@tensorflow/tfjs-core';
import {shapeStr, toFloatTensor} from '../util/validate';
import {paccComposite} from './composite';
import {PaccDirection, PositionAwareCircularConv, PositionAwareCircularConvAttrs} from './kernel_names';

export interface PositionAwareCircularConvOptions {
  /** `'h'` convolves along the height axis, `'w'` along the width axis (either case). */
  direction: PaccDirection | 'H' | 'W';
  /** Optional per-channel bias `[C]`. */
  bias?: Tensor1D | TensorLike;
  /** Optional position embedding `[L, C]`, added to `x` before the convolution. */
  positionEmbedding?: Tensor2D | TensorLike;
}

const FN = 'positionAwareCircularConv';

/** Validates every argument; returns the canonical direction and tensors. */
export function checkPaccArgs(
    x: Tensor, filter: Tensor, direction: unknown, bias?: Tensor, pe?: Tensor): PaccDirection {
  const dir = typeof direction === 'string' ? direction.toLowerCase() : direction;
  if (dir !== 'h' && dir !== 'w') {
    throw new Error(`${FN}: argument 'direction' must be 'h' or 'w', got ${JSON.stringify(direction)} (x shape ${shapeStr(x.shape)})`);
  }
  if (x.rank !== 4) throw new Error(`${FN}: argument 'x' must be rank 4 [N, H, W, C], got shape ${shapeStr(x.shape)}`);
  if (x.shape.some((d) => d === 0)) throw new Error(`${FN}: argument 'x' has an empty axis: shape ${shapeStr(x.shape)}`);
  const L = dir === 'h' ? x.shape[1] : x.shape[2];
  const C = x.shape[3];
  const want = `[L, C] = [${L},${C}] for x of shape ${shapeStr(x.shape)} and direction '${dir}'`;
  if (filter.rank !== 2 || filter.shape[0] !== L || filter.shape[1] !== C) {
    throw new Error(`${FN}: argument 'filter' must have shape ${want}, got ${shapeStr(filter.shape)}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== C)) {
    throw new Error(`${FN}: argument 'bias' must have shape [C] = [${C}] for x of shape ${shapeStr(x.shape)}, got ${shapeStr(bias.shape)}`);
  }
  if (pe && (pe.rank !== 2 || pe.shape[0] !== L || pe.shape[1] !== C)) {
    throw new Error(`${FN}: argument 'positionEmbedding' must have shape ${want}, got ${shapeStr(pe.shape)}`);
  }
  return dir;
}

/**
 * Position aware circular convolution (PaCC, docs/op.md §1): a depthwise convolution
 * whose kernel spans the whole height (`'h'`) or width (`'w'`) with wrap-around.
 *
 * `y[n,i,j,c] = bias[c] + Σ_{k<H} filter[k,c] · (x + pe)[n, (i+k) mod H, j, c]` for `'h'`,
 * and the same along the width for `'w'`. The position embedding is broadcast
 * along the axis that is not convolved.
 *
 * Runs the backend's native `PositionAwareCircularConv` kernel where one is
 * registered, otherwise a composite of stock ops (concat + depthwiseConv2d).
 * Differentiable with respect to `x`, `filter`, `bias` and `positionEmbedding`.
 *
 * @param x float32 `[N, H, W, C]`.
 * @param filter float32 `[L, C]`, `L = H` for `'h'`, `L = W` for `'w'`.
 * @param options `{direction, bias?, positionEmbedding?}`.
 * @returns `[N, H, W, C]`.
 */
function positionAwareCircularConv_(
    x: Tensor4D | TensorLike, filter: Tensor2D | TensorLike, options: PositionAwareCircularConvOptions): Tensor4D {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${FN}: argument 'options' must be an object {direction, bias?, positionEmbedding?}, got ${options}`);
  }
  const $x = toFloatTensor(x, 'x', FN);
  const $filter = toFloatTensor(filter, 'filter', FN);
  const $bias = options.bias != null ? toFloatTensor(options.bias, 'bias', FN) : undefined;
  const $pe = options.positionEmbedding != null ? toFloatTensor(options.positionEmbedding, 'positionEmbedding', FN) : undefined;
  const direction = checkPaccArgs($x, $filter, options.direction, $bias, $pe);

  if (getKernel(PositionAwareCircularConv, getBackend()) == null) {
    return paccComposite($x as Tensor4D, $filter as Tensor2D, direction, $bias as Tensor1D, $pe as Tensor2D);
  }
  const [, , , C] = $x.shape;
  const L = $filter.shape[0];
  // Every input is always present so the registered gradient can save them by
  // name; absent ones are zeros that the kernels skip (hasBias/hasPositionEmbedding).
  const inputs = {
    x: $x, filter: $filter,
    bias: $bias ?? zeros([C]),
    positionEmbedding: $pe ?? zeros([L, C]),
  };
  const attrs: PositionAwareCircularConvAttrs = {direction, hasBias: $bias != null, hasPositionEmbedding: $pe != null};
  return engine().runKernel(PositionAwareCircularConv, inputs, attrs) as Tensor4D;
}

export const positionAwareCircularConv = op({positionAwareCircularConv_});

// Kernel names, inputs and attributes of the PaCC op, shared by every backend.
import type {NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';

/** Forward kernel: y = circularConv(x + pe, filter) + bias. */
export const PositionAwareCircularConv = 'PositionAwareCircularConv';
/** dL/dx from dy and the filter (the pe add is transparent to x). */
export const PositionAwareCircularConvBackpropInput = 'PositionAwareCircularConvBackpropInput';
/** dL/dfilter from x (+ pe) and dy. */
export const PositionAwareCircularConvBackpropFilter = 'PositionAwareCircularConvBackpropFilter';
/**
 * dL/dbias and dL/dpe from dy and the filter, two outputs [dbias [C], dpe [L, C]].
 * Both come from the row sums of dy, rowSum[i,c] = Σ over the broadcast axes of
 * dy (one pass over dy): dbias[c] = Σ_i rowSum[i,c], and dpe is the input
 * gradient run on rowSum as a single column. Every backend computes both
 * outputs in its own programs (no stock Sum).
 */
export const PositionAwareCircularConvBackpropBiasPe = 'PositionAwareCircularConvBackpropBiasPe';

/** 'h' convolves along axis 1 (height), 'w' along axis 2 (width) of NHWC. */
export type PaccDirection = 'h' | 'w';

/**
 * Forward inputs. All four are always passed (the gradient saves them by name);
 * when the user gave no bias / pe, the op passes zeros and clears the flag so
 * kernels can skip them.
 */
export type PositionAwareCircularConvInputs = {x: Tensor; filter: Tensor; bias: Tensor; positionEmbedding: Tensor};
export interface PositionAwareCircularConvAttrs extends NamedAttrMap {
  direction: PaccDirection;
  hasBias: boolean;
  hasPositionEmbedding: boolean;
}

export type PositionAwareCircularConvBackpropInputInputs = {dy: Tensor; filter: Tensor};
export interface PositionAwareCircularConvBackpropInputAttrs extends NamedAttrMap {
  direction: PaccDirection;
}

export type PositionAwareCircularConvBackpropFilterInputs = {x: Tensor; dy: Tensor; positionEmbedding: Tensor};
export interface PositionAwareCircularConvBackpropFilterAttrs extends NamedAttrMap {
  direction: PaccDirection;
  hasPositionEmbedding: boolean;
}

export type PositionAwareCircularConvBackpropBiasPeInputs = {dy: Tensor; filter: Tensor};
export interface PositionAwareCircularConvBackpropBiasPeAttrs extends NamedAttrMap {
  direction: PaccDirection;
}

/**
 * Every kernel's view of NHWC as [outer, L, inner, C], so one loop serves both
 * directions: 'h' is [N, H, W, C], 'w' is [N·H, W, 1, C]. The conv runs along axis 1.
 */
export function paccLayout(shape: number[], direction: PaccDirection) {
  const [N, H, W, C] = shape;
  return direction === 'h' ? {outer: N, L: H, inner: W, C} : {outer: N * H, L: W, inner: 1, C};
}

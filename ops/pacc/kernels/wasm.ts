// wasm-backend kernels of the PaCC op: run our SIMD module (ops/wasm/) directly on tensors in the tfjs-wasm heap.
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {getPaccWasm} from '../../wasm/module';
import {runPartialSums, runSlices} from '../../wasm/parallel';
import {
  paccLayout, PositionAwareCircularConv, PositionAwareCircularConvAttrs,
  PositionAwareCircularConvBackpropBiasPe, PositionAwareCircularConvBackpropBiasPeAttrs, PositionAwareCircularConvBackpropFilter,
  PositionAwareCircularConvBackpropFilterAttrs, PositionAwareCircularConvBackpropInput,
  PositionAwareCircularConvBackpropInputAttrs,
} from '../kernel_names';

/** The exports of ops/wasm/assembly/pacc.ts not (yet) declared in module.ts's PaccWasmExports. */
interface BiasPeExports {
  /** Scratch bytes paccBackpropBiasPe needs. */
  paccBackpropBiasPeScratch(L: number, C: number): number;
  paccBackpropBiasPe(
      dy: number, w: number, dbias: number, dpe: number, scratch: number, outer: number, L: number, inner: number, C: number): void;
}

// Each kernel splits the `outer` axis over the threads (../../wasm/parallel.ts), every slice with
// its own heap scratch (what it holds: ops/wasm/assembly/pacc.ts). Outputs are allocated first and
// heap offsets never move when the heap grows, so no JS view of the heap is involved.

const forward: KernelFunc = ({inputs, backend, attrs}) => {
  const m = getPaccWasm(backend);
  const {x, filter, bias, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasBias, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvAttrs;
  const {outer, L, inner, C} = paccLayout(x.shape, direction);
  const out = m.makeOutput(x.shape);
  const px = m.offset(x), pw = m.offset(filter), py = m.offset(out), slab = L * inner * C * 4;
  const pb = hasBias ? m.offset(bias) : 0, ppe = hasPositionEmbedding ? m.offset(positionEmbedding) : 0;
  runSlices(m, 'paccForward', outer, (outer * slab / 4) * L,
      (a, b, scratch) => [px + a * slab, pw, pb, ppe, py + a * slab, scratch, b - a, L, inner, C],
      {scratch: m.exports.paccForwardScratch(L, C)});
  return out;
};

const backpropInput: KernelFunc = ({inputs, backend, attrs}) => {
  const m = getPaccWasm(backend);
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropInputAttrs;
  const {outer, L, inner, C} = paccLayout(dy.shape, direction);
  const out = m.makeOutput(dy.shape);
  const pdy = m.offset(dy), pw = m.offset(filter), pdx = m.offset(out), slab = L * inner * C * 4;
  runSlices(m, 'paccBackpropInput', outer, (outer * slab / 4) * L,
      (a, b, scratch) => [pdy + a * slab, pw, pdx + a * slab, scratch, b - a, L, inner, C],
      {scratch: m.exports.paccBackpropInputScratch(L, C)});
  return out;
};

const backpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const m = getPaccWasm(backend);
  const {x, dy, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvBackpropFilterAttrs;
  const {outer, L, inner, C} = paccLayout(x.shape, direction);
  const out = m.makeOutput([L, C]);
  const px = m.offset(x), pdy = m.offset(dy), ppe = hasPositionEmbedding ? m.offset(positionEmbedding) : 0;
  const slab = L * inner * C * 4;
  // A sum over `outer`: each slice's partial [L, C] is added at the end.
  runPartialSums(m, 'paccBackpropFilter', outer, (outer * slab / 4) * L, [{ptr: m.offset(out), len: L * C}],
      (a, b, [dst], _scale, scratch) => [px + a * slab, pdy + a * slab, ppe, dst, scratch, b - a, L, inner, C],
      {scratch: m.exports.paccBackpropFilterScratch(L, C)});
  return out;
};

const backpropBiasPe: KernelFunc = ({inputs, backend, attrs}) => {
  const m = getPaccWasm(backend);
  const ex = m.exports as unknown as BiasPeExports;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropBiasPeAttrs;
  const {outer, L, inner, C} = paccLayout(dy.shape, direction);
  const dbias = m.makeOutput([C]), dpe = m.makeOutput([L, C]);
  const pdy = m.offset(dy), pw = m.offset(filter), slab = L * inner * C * 4;
  // Both outputs are linear in dy, so per-slice partials add up to the whole.
  runPartialSums(m, 'paccBackpropBiasPe', outer, outer * slab / 4, [{ptr: m.offset(dbias), len: C}, {ptr: m.offset(dpe), len: L * C}],
      (a, b, [db, dp], _scale, scratch) => [pdy + a * slab, pw, db, dp, scratch, b - a, L, inner, C],
      {scratch: ex.paccBackpropBiasPeScratch(L, C)});
  return [dbias, dpe];
};

export const wasmKernels: KernelConfig[] = [
  {kernelName: PositionAwareCircularConv, backendName: 'wasm', kernelFunc: forward},
  {kernelName: PositionAwareCircularConvBackpropInput, backendName: 'wasm', kernelFunc: backpropInput},
  {kernelName: PositionAwareCircularConvBackpropFilter, backendName: 'wasm', kernelFunc: backpropFilter},
  {kernelName: PositionAwareCircularConvBackpropBiasPe, backendName: 'wasm', kernelFunc: backpropBiasPe},
];

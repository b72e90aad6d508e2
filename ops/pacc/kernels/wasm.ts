// wasm-backend kernels of the PaCC op: run our SIMD module (ops/wasm/) directly on tensors in the tfjs-wasm heap.
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {getPaccWasm, PaccWasm} from '../../wasm/module';
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

/**
 * Runs `fn` with `bytes` bytes of heap scratch (what it holds: see ops/wasm/assembly/pacc.ts),
 * freed afterwards. Outputs are allocated before this, and offsets
 * never move when the heap grows, so no JS view of the heap is involved.
 */
function withScratch<T>(m: PaccWasm, bytes: number, fn: (ptr: number) => T): T {
  const ptr = m.malloc(bytes);
  try {
    return fn(ptr);
  } finally {
    m.free(ptr);
  }
}

const forward: KernelFunc = ({inputs, backend, attrs}) => {
  const m = getPaccWasm(backend);
  const {x, filter, bias, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasBias, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvAttrs;
  const {outer, L, inner, C} = paccLayout(x.shape, direction);
  const out = m.makeOutput(x.shape);
  withScratch(m, m.exports.paccForwardScratch(L, C), (scratch) =>
    m.exports.paccForward(m.offset(x), m.offset(filter), hasBias ? m.offset(bias) : 0,
        hasPositionEmbedding ? m.offset(positionEmbedding) : 0, m.offset(out), scratch, outer, L, inner, C));
  return out;
};

const backpropInput: KernelFunc = ({inputs, backend, attrs}) => {
  const m = getPaccWasm(backend);
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropInputAttrs;
  const {outer, L, inner, C} = paccLayout(dy.shape, direction);
  const out = m.makeOutput(dy.shape);
  withScratch(m, m.exports.paccBackpropInputScratch(L, C), (scratch) =>
    m.exports.paccBackpropInput(m.offset(dy), m.offset(filter), m.offset(out), scratch, outer, L, inner, C));
  return out;
};

const backpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const m = getPaccWasm(backend);
  const {x, dy, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvBackpropFilterAttrs;
  const {outer, L, inner, C} = paccLayout(x.shape, direction);
  const out = m.makeOutput([L, C]);
  withScratch(m, 2 * L * C * 4, (scratch) =>
    m.exports.paccBackpropFilter(m.offset(x), m.offset(dy), hasPositionEmbedding ? m.offset(positionEmbedding) : 0,
        m.offset(out), scratch, outer, L, inner, C));
  return out;
};

const backpropBiasPe: KernelFunc = ({inputs, backend, attrs}) => {
  const m = getPaccWasm(backend);
  const ex = m.exports as unknown as BiasPeExports;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropBiasPeAttrs;
  const {outer, L, inner, C} = paccLayout(dy.shape, direction);
  const dbias = m.makeOutput([C]), dpe = m.makeOutput([L, C]);
  withScratch(m, ex.paccBackpropBiasPeScratch(L, C), (scratch) =>
    ex.paccBackpropBiasPe(m.offset(dy), m.offset(filter), m.offset(dbias), m.offset(dpe), scratch, outer, L, inner, C));
  return [dbias, dpe];
};

export const wasmKernels: KernelConfig[] = [
  {kernelName: PositionAwareCircularConv, backendName: 'wasm', kernelFunc: forward},
  {kernelName: PositionAwareCircularConvBackpropInput, backendName: 'wasm', kernelFunc: backpropInput},
  {kernelName: PositionAwareCircularConvBackpropFilter, backendName: 'wasm', kernelFunc: backpropFilter},
  {kernelName: PositionAwareCircularConvBackpropBiasPe, backendName: 'wasm', kernelFunc: backpropBiasPe},
];

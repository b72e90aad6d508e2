// Native webgpu kernels of the PaCC op: forward, backprop input, backprop filter, backprop bias + pe (WGSL in webgpu_programs.ts).
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
// Types only: tfjs-backend-webgpu is an optional peer dependency, and the
// kernels use the backend object tfjs hands them, so nothing is imported at runtime.
import type {WebGPUBackend, WebGPUProgram} from '@tensorflow/tfjs-backend-webgpu';
import {
  paccLayout, PositionAwareCircularConv, PositionAwareCircularConvAttrs,
  PositionAwareCircularConvBackpropBiasPe, PositionAwareCircularConvBackpropBiasPeAttrs, PositionAwareCircularConvBackpropFilter,
  PositionAwareCircularConvBackpropFilterAttrs, PositionAwareCircularConvBackpropInput,
  PositionAwareCircularConvBackpropInputAttrs,
} from '../kernel_names';
import {
  Components, ForwardStart, PaccBackpropFilterProgram, PaccCircularProgram, PaccColumnSumProgram, PaccInitProgram,
  PaccRowSumProgram,
} from './webgpu_programs';

type Uniforms = {type: 'int32'; data: number[]}[];
const ints = (...values: number[]): Uniforms => values.map((v) => ({type: 'int32', data: [v]}));

/** Four channels per invocation (vec4 bindings) when C allows it; every buffer then has a multiple of 4 values. */
const components = (C: number): Components => (C % 4 === 0 ? 4 : 1);

const run = (backend: WebGPUBackend, program: WebGPUProgram, inputs: TensorInfo[], uniforms: Uniforms) =>
  backend.runWebGPUProgram(program, inputs, 'float32', uniforms);

const forward: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as WebGPUBackend;
  const {x, filter, bias, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasBias, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvAttrs;
  const {L, inner, C} = paccLayout(x.shape, direction);
  const cp = components(C);
  const srcs = [x, filter];
  let start: ForwardStart = 'zero';
  let init: TensorInfo | undefined;
  if (hasPositionEmbedding) {
    init = run(gpu, new PaccInitProgram(L, C, cp), [filter, bias, positionEmbedding], ints(L, C / cp, hasBias ? 1 : 0));
    srcs.push(init);
    start = 'init';
  } else if (hasBias) {
    srcs.push(bias);
    start = 'bias';
  }
  const out = run(gpu, new PaccCircularProgram(x.shape, cp, true, start), srcs, ints(L, inner, C / cp));
  if (init) gpu.disposeData(init.dataId);
  return out;
};

const backpropInput: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as WebGPUBackend;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropInputAttrs;
  const {L, inner, C} = paccLayout(dy.shape, direction);
  const cp = components(C);
  return run(gpu, new PaccCircularProgram(dy.shape, cp, false, 'zero'), [dy, filter], ints(L, inner, C / cp));
};

const backpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as WebGPUBackend;
  const {x, dy, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvBackpropFilterAttrs;
  const {outer, L, inner, C} = paccLayout(x.shape, direction);
  const cp = components(C);
  const srcs = hasPositionEmbedding ? [x, dy, positionEmbedding] : [x, dy];
  return run(gpu, new PaccBackpropFilterProgram(L, C, cp, hasPositionEmbedding), srcs, ints(L, outer, inner, C / cp));
};

/**
 * dbias and dpe from the row sums of dy: one pass over dy into [L, C], then the
 * column sums of that (dbias) and the input-gradient program on it as a single
 * column (dpe). Three small dispatches instead of tfjs' Sum reductions.
 */
const backpropBiasPe: KernelFunc = ({inputs, backend, attrs}) => {
  const gpu = backend as WebGPUBackend;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropBiasPeAttrs;
  const {outer, L, inner, C} = paccLayout(dy.shape, direction);
  const cp = components(C);
  const rowSum = run(gpu, new PaccRowSumProgram(L, C, cp), [dy], ints(L, outer, inner, C / cp));
  const dbias = run(gpu, new PaccColumnSumProgram(C, cp), [rowSum], ints(L, C / cp));
  const dpe = run(gpu, new PaccCircularProgram([L, C], cp, false, 'zero'), [rowSum, filter], ints(L, 1, C / cp));
  gpu.disposeData(rowSum.dataId);
  return [dbias, dpe];
};

export const webgpuKernels: KernelConfig[] = [
  {kernelName: PositionAwareCircularConv, backendName: 'webgpu', kernelFunc: forward},
  {kernelName: PositionAwareCircularConvBackpropInput, backendName: 'webgpu', kernelFunc: backpropInput},
  {kernelName: PositionAwareCircularConvBackpropFilter, backendName: 'webgpu', kernelFunc: backpropFilter},
  {kernelName: PositionAwareCircularConvBackpropBiasPe, backendName: 'webgpu', kernelFunc: backpropBiasPe},
];

// Native webgl kernels of the PaCC op: forward, backprop input, backprop filter (GLSL in webgl_programs.ts).
import {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import {
  PaccDirection, PositionAwareCircularConv, PositionAwareCircularConvAttrs, PositionAwareCircularConvBackpropFilter,
  PositionAwareCircularConvBackpropFilterAttrs, PositionAwareCircularConvBackpropInput,
  PositionAwareCircularConvBackpropInputAttrs,
} from '../kernel_names';
import {PaccBackpropFilterProgram, PaccCircularProgram, PaccInitProgram} from './webgl_programs';

/** Both directions as [outer, L, inner, C]: 'h' is [N, H, W, C], 'w' is [N*H, W, 1, C]. */
function layout(shape: number[], direction: PaccDirection) {
  const [N, H, W, C] = shape;
  return direction === 'h' ? {outer: N, L: H, inner: W, C} : {outer: N * H, L: W, inner: 1, C};
}

/**
 * `t` seen as the 2-D view `shape` [rows, C], sharing its texture. Inputs are
 * put on the GPU first: tfjs would otherwise inline tiny CPU tensors as
 * uniform arrays, whose shader bakes in the size. Packed textures (2×2 blocks
 * of the last two axes) lack the row-major layout, so they are unpacked with
 * their real shape and the copy is queued in `temps` for disposal.
 */
function view(backend: MathBackendWebGL, t: TensorInfo, shape: [number, number], temps: TensorInfo[]): TensorInfo {
  backend.uploadToGPU(t.dataId);
  let src = t;
  if (backend.texData.get(t.dataId).isPacked) {
    src = backend.unpackTensor(t);
    temps.push(src);
  }
  return {dataId: src.dataId, shape, dtype: t.dtype};
}

type Program = PaccCircularProgram | PaccInitProgram | PaccBackpropFilterProgram;

/** Runs `program` and returns its [rows, C] output under `shape` (same texture). */
function run(backend: MathBackendWebGL, program: Program, inputs: TensorInfo[], uniforms: number[][], shape: number[]): TensorInfo {
  const out = backend.runWebGLProgram(program, inputs, 'float32', uniforms);
  return {dataId: out.dataId, shape, dtype: 'float32'};
}

const forward: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {x, filter, bias, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasBias, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvAttrs;
  const {outer, L, inner, C} = layout(x.shape, direction);
  const rows = outer * L * inner;
  const temps: TensorInfo[] = [];
  const w = view(gl, filter, [L, C], temps);
  const srcs = [view(gl, x, [rows, C], temps), w];
  if (hasBias || hasPositionEmbedding) {
    const init = run(gl, new PaccInitProgram(L, C),
        [w, view(gl, bias, [1, C], temps), view(gl, positionEmbedding, [L, C], temps)],
        [[L], [hasBias ? 1 : 0], [hasPositionEmbedding ? 1 : 0]], [L, C]);
    temps.push(init);
    srcs.push(init);
  }
  const out = run(gl, new PaccCircularProgram(rows, C, true, srcs.length === 3), srcs, [[L], [inner]], x.shape);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

const backpropInput: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropInputAttrs;
  const {outer, L, inner, C} = layout(dy.shape, direction);
  const rows = outer * L * inner;
  const temps: TensorInfo[] = [];
  const out = run(gl, new PaccCircularProgram(rows, C, false, false),
      [view(gl, dy, [rows, C], temps), view(gl, filter, [L, C], temps)], [[L], [inner]], dy.shape);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

const backpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {x, dy, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvBackpropFilterAttrs;
  const {outer, L, inner, C} = layout(x.shape, direction);
  const rows = outer * L * inner;
  const temps: TensorInfo[] = [];
  const out = run(gl, new PaccBackpropFilterProgram(L, C),
      [view(gl, x, [rows, C], temps), view(gl, dy, [rows, C], temps), view(gl, positionEmbedding, [L, C], temps)],
      [[L], [outer], [inner], [hasPositionEmbedding ? 1 : 0]], [L, C]);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

export const webglKernels: KernelConfig[] = [
  {kernelName: PositionAwareCircularConv, backendName: 'webgl', kernelFunc: forward},
  {kernelName: PositionAwareCircularConvBackpropInput, backendName: 'webgl', kernelFunc: backpropInput},
  {kernelName: PositionAwareCircularConvBackpropFilter, backendName: 'webgl', kernelFunc: backpropFilter},
];

// Native webgl kernels of the PaCC op: forward, backprop input, backprop filter (GLSL in webgl_programs.ts).
import {env, KernelConfig, KernelFunc, TensorInfo, util} from '@tensorflow/tfjs-core';
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
 * A flat 1-D view of `t` sharing its texture. Packed textures (2×2 blocks of
 * the last two axes) do not have the flat layout, so they are unpacked first
 * (with their real shape) and the copy is queued in `temps` for disposal.
 */
function flat(backend: MathBackendWebGL, t: TensorInfo, temps: TensorInfo[]): TensorInfo {
  let src = t;
  if (backend.texData.get(t.dataId).isPacked) {
    src = backend.unpackTensor(t);
    temps.push(src);
  }
  return {dataId: src.dataId, shape: [util.sizeFromShape(t.shape)], dtype: t.dtype};
}

/**
 * Output texture [rows, C]: the layout tfjs itself gives an NHWC tensor, so
 * later ops sample it on their fast paths. Falls back to tfjs' choice when a
 * side would exceed the texture limit.
 */
function texShape(size: number, C: number): [number, number] | undefined {
  const max = env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
  return size / C <= max && C <= max ? [size / C, C] : undefined;
}

/** Runs `program` and returns its output under `shape` (the flat output shares the texture). */
function run(
    backend: MathBackendWebGL, program: PaccCircularProgram | PaccInitProgram | PaccBackpropFilterProgram,
    inputs: TensorInfo[], uniforms: number[][], shape: number[], C: number): TensorInfo {
  const out = backend.runWebGLProgram(program, inputs, 'float32', uniforms, false, texShape(util.sizeFromShape(shape), C));
  return {dataId: out.dataId, shape, dtype: 'float32'};
}

const forward: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {x, filter, bias, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasBias, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvAttrs;
  const {L, inner, C} = layout(x.shape, direction);
  const temps: TensorInfo[] = [];
  const w = flat(gl, filter, temps);
  const srcs = [flat(gl, x, temps), w];
  if (hasBias || hasPositionEmbedding) {
    const init = run(gl, new PaccInitProgram(L, C), [w, flat(gl, bias, temps), flat(gl, positionEmbedding, temps)],
        [[L], [C], [hasBias ? 1 : 0], [hasPositionEmbedding ? 1 : 0]], [L * C], C);
    temps.push(init);
    srcs.push(init);
  }
  const size = util.sizeFromShape(x.shape);
  const out = run(gl, new PaccCircularProgram(size, true, srcs.length === 3), srcs, [[L], [inner * C], [C]], x.shape, C);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

const backpropInput: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropInputAttrs;
  const {L, inner, C} = layout(dy.shape, direction);
  const temps: TensorInfo[] = [];
  const program = new PaccCircularProgram(util.sizeFromShape(dy.shape), false, false);
  const out = run(gl, program, [flat(gl, dy, temps), flat(gl, filter, temps)], [[L], [inner * C], [C]], dy.shape, C);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

const backpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {x, dy, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvBackpropFilterAttrs;
  const {outer, L, inner, C} = layout(x.shape, direction);
  const temps: TensorInfo[] = [];
  const out = run(gl, new PaccBackpropFilterProgram(L, C),
      [flat(gl, x, temps), flat(gl, dy, temps), flat(gl, positionEmbedding, temps)],
      [[L], [C], [inner * C], [outer], [inner], [hasPositionEmbedding ? 1 : 0]], [L, C], C);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

export const webglKernels: KernelConfig[] = [
  {kernelName: PositionAwareCircularConv, backendName: 'webgl', kernelFunc: forward},
  {kernelName: PositionAwareCircularConvBackpropInput, backendName: 'webgl', kernelFunc: backpropInput},
  {kernelName: PositionAwareCircularConvBackpropFilter, backendName: 'webgl', kernelFunc: backpropFilter},
];

// Native webgl kernels of the PaCC op: forward, backprop input, backprop filter, backprop bias + pe (GLSL in webgl_*programs.ts).
import {env, KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {GPGPUProgram, MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import {
  paccLayout, PaccDirection, PositionAwareCircularConv, PositionAwareCircularConvAttrs,
  PositionAwareCircularConvBackpropBiasPe, PositionAwareCircularConvBackpropBiasPeAttrs, PositionAwareCircularConvBackpropFilter,
  PositionAwareCircularConvBackpropFilterAttrs, PositionAwareCircularConvBackpropInput,
  PositionAwareCircularConvBackpropInputAttrs,
} from '../kernel_names';
import {
  PaccBackpropFilterProgram, PaccCircularProgram, PaccColumnSumProgram, PaccInitProgram, PaccRowSumProgram,
} from './webgl_programs';
import {
  PaccBackpropFilterPackedProgram, PaccCircularPackedProgram, PaccColumnSumPackedProgram, PaccInitPackedProgram,
  PaccRowSumPackedProgram,
} from './webgl_packed_programs';

/**
 * `tf.env().set('PACC_WEBGL_PACKED', false)` selects the unpacked programs
 * (one value per texel). The packed ones need WebGL 2 and are used there by
 * default: they read four values per fetch and take packed inputs in place.
 */
export const PACC_WEBGL_PACKED = 'PACC_WEBGL_PACKED';
env().registerFlag(PACC_WEBGL_PACKED, () => true);

const usePacked = () => env().getBool(PACC_WEBGL_PACKED) && env().getNumber('WEBGL_VERSION') === 2;

/** The shared layout plus the number of [C] rows it spans. */
function layout(shape: number[], direction: PaccDirection) {
  const l = paccLayout(shape, direction);
  return {...l, rows: l.outer * l.L * l.inner};
}

/**
 * `t` seen as the 2-D view `shape` [rows, C], sharing its texture.
 * Packed programs: tfjs packs, or re-lays out, an input whose texture does not
 * match the view by itself (for NHWC with even W it already matches).
 * Unpacked programs: inputs go to the GPU first, since tfjs would otherwise
 * inline tiny CPU tensors as uniform arrays whose shader bakes in the size;
 * packed textures lack the row-major layout, so they are unpacked with their
 * real shape and the copy is queued in `temps` for disposal.
 */
function view(backend: MathBackendWebGL, t: TensorInfo, shape: [number, number], packed: boolean, temps: TensorInfo[]): TensorInfo {
  if (packed) return {dataId: t.dataId, shape, dtype: t.dtype};
  backend.uploadToGPU(t.dataId);
  let src = t;
  if (backend.texData.get(t.dataId).isPacked) {
    src = backend.unpackTensor(t);
    temps.push(src);
  }
  return {dataId: src.dataId, shape, dtype: t.dtype};
}

/** Runs `program` and returns its [rows, C] output under `shape` (same texture). */
function run(backend: MathBackendWebGL, program: GPGPUProgram, inputs: TensorInfo[], uniforms: number[][], shape: number[]): TensorInfo {
  const out = backend.runWebGLProgram(program, inputs, 'float32', uniforms);
  return {dataId: out.dataId, shape, dtype: 'float32'};
}

const forward: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {x, filter, bias, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasBias, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvAttrs;
  const {L, inner, C, rows} = layout(x.shape, direction);
  const packed = usePacked();
  const temps: TensorInfo[] = [];
  const w = view(gl, filter, [L, C], packed, temps);
  const srcs = [view(gl, x, [rows, C], packed, temps), w];
  if (hasBias || hasPositionEmbedding) {
    const initProgram = packed ? new PaccInitPackedProgram(L, C) : new PaccInitProgram(L, C);
    const init = run(gl, initProgram, [w, view(gl, bias, [1, C], packed, temps), view(gl, positionEmbedding, [L, C], packed, temps)],
        [[L], [hasBias ? 1 : 0], [hasPositionEmbedding ? 1 : 0]], [L, C]);
    temps.push(init);
    srcs.push(init);
  }
  const withInit = srcs.length === 3;
  const program = packed ? new PaccCircularPackedProgram(rows, C, true, withInit) : new PaccCircularProgram(rows, C, true, withInit);
  const out = run(gl, program, srcs, [[L], [inner]], x.shape);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

const backpropInput: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropInputAttrs;
  const {L, inner, C, rows} = layout(dy.shape, direction);
  const packed = usePacked();
  const temps: TensorInfo[] = [];
  const program = packed ? new PaccCircularPackedProgram(rows, C, false, false) : new PaccCircularProgram(rows, C, false, false);
  const out = run(gl, program, [view(gl, dy, [rows, C], packed, temps), view(gl, filter, [L, C], packed, temps)],
      [[L], [inner]], dy.shape);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

const backpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {x, dy, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvBackpropFilterAttrs;
  const {outer, L, inner, C, rows} = layout(x.shape, direction);
  const packed = usePacked();
  const temps: TensorInfo[] = [];
  const xv = view(gl, x, [rows, C], packed, temps), dyv = view(gl, dy, [rows, C], packed, temps);
  const pe = view(gl, positionEmbedding, [L, C], packed, temps);
  let out: TensorInfo;
  if (packed) {
    const srcs = [xv, dyv];
    if (hasPositionEmbedding) {
      const rowSum = run(gl, new PaccRowSumPackedProgram(L, C), [dyv], [[L], [outer], [inner]], [L, C]);
      temps.push(rowSum);
      srcs.push(pe, rowSum);
    }
    out = run(gl, new PaccBackpropFilterPackedProgram(L, C, hasPositionEmbedding), srcs, [[L], [outer], [inner]], [L, C]);
  } else {
    out = run(gl, new PaccBackpropFilterProgram(L, C), [xv, dyv, pe],
        [[L], [outer], [inner], [hasPositionEmbedding ? 1 : 0]], [L, C]);
  }
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return out;
};

/**
 * dbias and dpe from the row sums of dy: one pass over dy into [L, C] (row-sum),
 * then two programs on that small tensor: its column sums (dbias, [1, C]) and
 * the input-gradient program on it as a single column (dpe).
 */
const backpropBiasPe: KernelFunc = ({inputs, backend, attrs}) => {
  const gl = backend as MathBackendWebGL;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropBiasPeAttrs;
  const {outer, L, inner, C, rows} = layout(dy.shape, direction);
  const packed = usePacked();
  const temps: TensorInfo[] = [];
  const dyv = view(gl, dy, [rows, C], packed, temps), w = view(gl, filter, [L, C], packed, temps);
  const rowSum = run(gl, packed ? new PaccRowSumPackedProgram(L, C) : new PaccRowSumProgram(L, C), [dyv],
      [[L], [outer], [inner]], [L, C]);
  temps.push(rowSum);
  const dbias = run(gl, packed ? new PaccColumnSumPackedProgram(C) : new PaccColumnSumProgram(C), [rowSum], [[L]], [C]);
  const dpe = run(gl, packed ? new PaccCircularPackedProgram(L, C, false, false) : new PaccCircularProgram(L, C, false, false),
      [rowSum, w], [[L], [1]], [L, C]);
  for (const t of temps) gl.disposeIntermediateTensorInfo(t);
  return [dbias, dpe];
};

export const webglKernels: KernelConfig[] = [
  {kernelName: PositionAwareCircularConv, backendName: 'webgl', kernelFunc: forward},
  {kernelName: PositionAwareCircularConvBackpropInput, backendName: 'webgl', kernelFunc: backpropInput},
  {kernelName: PositionAwareCircularConvBackpropFilter, backendName: 'webgl', kernelFunc: backpropFilter},
  {kernelName: PositionAwareCircularConvBackpropBiasPe, backendName: 'webgl', kernelFunc: backpropBiasPe},
];

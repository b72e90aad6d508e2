// Native cpu (pure JS) kernels of the PaCC op: forward, backprop input, backprop filter.
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {
  PaccDirection, PositionAwareCircularConv, PositionAwareCircularConvAttrs, PositionAwareCircularConvBackpropFilter,
  PositionAwareCircularConvBackpropFilterAttrs, PositionAwareCircularConvBackpropInput,
  PositionAwareCircularConvBackpropInputAttrs,
} from '../kernel_names';

/**
 * Both directions as one layout [outer, L, inner, C]: for 'h' outer = N, inner = W;
 * for 'w' outer = N*H, inner = 1. The conv then always runs along axis 1.
 */
function layout(shape: number[], direction: PaccDirection) {
  const [N, H, W, C] = shape;
  return direction === 'h' ? {outer: N, L: H, inner: W, C} : {outer: N * H, L: W, inner: 1, C};
}

const values = (backend: MathBackendCPU, t: TensorInfo) => backend.data.get(t.dataId).values as Float32Array;

/**
 * out[o,i,q,c] = init[i,c] + Σ_k w[k,c] · src[o, (i + sign·k) mod L, q, c].
 * sign = +1 is the forward op, sign = -1 the input gradient. `init` is [L,C] or null.
 */
function circularCorrelate(
    src: Float32Array, w: Float32Array, shape: number[], direction: PaccDirection, sign: 1 | -1,
    init: Float32Array | null): Float32Array {
  const {outer, L, inner, C} = layout(shape, direction);
  const rowLen = inner * C;
  const out = new Float32Array(src.length);
  for (let o = 0; o < outer; o++) {
    const base = o * L * rowLen;
    for (let i = 0; i < L; i++) {
      const yOff = base + i * rowLen;
      if (init) {
        const io = i * C;
        for (let q = 0; q < rowLen; q += C) for (let c = 0; c < C; c++) out[yOff + q + c] = init[io + c];
      }
      for (let k = 0; k < L; k++) {
        const r = sign > 0 ? (i + k) % L : (i - k + L) % L;
        const xOff = base + r * rowLen;
        const wk = k * C;
        // Contiguous rows: the inner loop walks x and y with stride 1 (C innermost).
        for (let q = 0; q < rowLen; q += C) {
          const yq = yOff + q, xq = xOff + q;
          for (let c = 0; c < C; c++) out[yq + c] += w[wk + c] * src[xq + c];
        }
      }
    }
  }
  return out;
}

const forward: KernelFunc = ({inputs, backend, attrs}) => {
  const cpu = backend as MathBackendCPU;
  const {x, filter, bias, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasBias, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvAttrs;
  const {L, C} = layout(x.shape, direction);
  const w = values(cpu, filter);
  let init: Float32Array | null = null;
  if (hasBias || hasPositionEmbedding) {
    // The pe term only depends on the position along the conv axis, so fold
    // bias + Σ_k w[k]·pe[i+k] into a per-row [L,C] initial value: no x+pe pass.
    init = new Float32Array(L * C);
    const b = hasBias ? values(cpu, bias) : null;
    const pe = hasPositionEmbedding ? values(cpu, positionEmbedding) : null;
    for (let i = 0; i < L; i++) {
      for (let c = 0; c < C; c++) {
        let acc = b ? b[c] : 0;
        if (pe) for (let k = 0; k < L; k++) acc += w[k * C + c] * pe[((i + k) % L) * C + c];
        init[i * C + c] = acc;
      }
    }
  }
  const out = circularCorrelate(values(cpu, x), w, x.shape, direction, 1, init);
  return cpu.makeTensorInfo(x.shape, 'float32', out);
};

const backpropInput: KernelFunc = ({inputs, backend, attrs}) => {
  const cpu = backend as MathBackendCPU;
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropInputAttrs;
  const out = circularCorrelate(values(cpu, dy), values(cpu, filter), dy.shape, direction, -1, null);
  return cpu.makeTensorInfo(dy.shape, 'float32', out);
};

const backpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const cpu = backend as MathBackendCPU;
  const {x, dy, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvBackpropFilterAttrs;
  const {outer, L, inner, C} = layout(x.shape, direction);
  const xs = values(cpu, x), g = values(cpu, dy);
  const rowLen = inner * C;
  // Float64 accumulation: each tap sums N·H·W products.
  const dw = new Float64Array(L * C);
  const rowSum = hasPositionEmbedding ? new Float64Array(L * C) : null;
  for (let o = 0; o < outer; o++) {
    const base = o * L * rowLen;
    for (let i = 0; i < L; i++) {
      const yOff = base + i * rowLen;
      if (rowSum) {
        for (let q = 0; q < rowLen; q += C) for (let c = 0; c < C; c++) rowSum[i * C + c] += g[yOff + q + c];
      }
      for (let k = 0; k < L; k++) {
        const xOff = base + ((i + k) % L) * rowLen;
        const wk = k * C;
        for (let q = 0; q < rowLen; q += C) {
          const yq = yOff + q, xq = xOff + q;
          for (let c = 0; c < C; c++) dw[wk + c] += g[yq + c] * xs[xq + c];
        }
      }
    }
  }
  if (rowSum) {
    // pe contribution: Σ_i pe[(i+k) mod L, c] · (Σ over the other axes of dy[i, c]).
    const pe = values(cpu, positionEmbedding);
    for (let k = 0; k < L; k++)
      for (let i = 0; i < L; i++)
        for (let c = 0; c < C; c++) dw[k * C + c] += pe[((i + k) % L) * C + c] * rowSum[i * C + c];
  }
  return cpu.makeTensorInfo([L, C], 'float32', Float32Array.from(dw));
};

export const cpuKernels: KernelConfig[] = [
  {kernelName: PositionAwareCircularConv, backendName: 'cpu', kernelFunc: forward},
  {kernelName: PositionAwareCircularConvBackpropInput, backendName: 'cpu', kernelFunc: backpropInput},
  {kernelName: PositionAwareCircularConvBackpropFilter, backendName: 'cpu', kernelFunc: backpropFilter},
];

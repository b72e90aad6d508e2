// wasm kernels of the fused batch-norm gradient and of Sum/Mean over leading axes, run by our SIMD module on the backend's heap.
import {KernelConfig, KernelFunc, SumAttrs, TensorInfo, util} from '@tensorflow/tfjs-core';
import {getPaccWasm} from '../../wasm/module';
import {runPartialSums, runSlices} from '../../wasm/parallel';
import {PaccBatchNormGradSums, PaccBroadcastRows, PaccMulChannels} from '../kernel_names';

// The exports called here (by name, through ../../wasm/parallel.ts, which may split a call over
// threads) are in ops/wasm/assembly/batch_norm.ts: heap byte offsets, then sizes.

const gradSums: KernelFunc = ({inputs, backend}) => {
  const {x, dy, mean} = inputs as {x: TensorInfo; dy: TensorInfo; mean: TensorInfo};
  const C = x.shape[x.shape.length - 1];
  const mod = getPaccWasm(backend);
  const s1 = mod.makeOutput([C]), s2 = mod.makeOutput([C]);
  const size = util.sizeFromShape(x.shape);
  if (size === 0) {
    if (C > 0) { mod.f32(mod.offset(s1), C).fill(0); mod.f32(mod.offset(s2), C).fill(0); }
  } else {
    const px = mod.offset(x), pdy = mod.offset(dy), pm = mod.offset(mean);
    runPartialSums(mod, 'batchNormGradSums', size / C, 2 * size, [{ptr: mod.offset(s1), len: C}, {ptr: mod.offset(s2), len: C}],
        (a, b, [o1, o2]) => [px + a * C * 4, pdy + a * C * 4, pm, o1, o2, b - a, C]);
  }
  return [s1, s2];
};

const mulChannels: KernelFunc = ({inputs, backend}) => {
  const {x, k} = inputs as {x: TensorInfo; k: TensorInfo};
  const C = x.shape[x.shape.length - 1];
  const mod = getPaccWasm(backend);
  const out = mod.makeOutput(x.shape);
  const size = util.sizeFromShape(x.shape);
  if (size > 0) {
    const px = mod.offset(x), pk = mod.offset(k), po = mod.offset(out);
    runSlices(mod, 'mulRowsByChannel', size / C, size, (a, b) => [px + a * C * 4, pk, po + a * C * 4, b - a, C]);
  }
  return out;
};

const broadcastRows: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy} = inputs as {dy: TensorInfo};
  const {shape, scale} = attrs as unknown as {shape: number[]; scale: number};
  const mod = getPaccWasm(backend);
  const out = mod.makeOutput(shape);
  const size = util.sizeFromShape(shape), cols = util.sizeFromShape(dy.shape);
  if (size > 0) {
    const pv = mod.offset(dy), po = mod.offset(out);
    runSlices(mod, 'broadcastRows', size / cols, size, (a, b) => [pv, po + a * cols * 4, b - a, cols, scale]);
  }
  return out;
};

/** Our kernels (names of our own, so they never clash with tfjs's). */
export const wasmBatchNormGradKernels: KernelConfig[] = [
  {kernelName: PaccBatchNormGradSums, backendName: 'wasm', kernelFunc: gradSums},
  {kernelName: PaccMulChannels, backendName: 'wasm', kernelFunc: mulChannels},
  {kernelName: PaccBroadcastRows, backendName: 'wasm', kernelFunc: broadcastRows},
];

/**
 * Sum or Mean of a float32 tensor over its leading axes [0, k) (k < rank), e.g. a batch-norm
 * statistic or a bias gradient over [0, 1, 2] of NHWC: a column sum of a [rows, cols] matrix,
 * done in place. tfjs-backend-wasm 4.22 first transposes the reduced axes innermost (a full
 * copy) and then sums rows one at a time. Returns null for anything else (other axes, a full
 * reduction, other dtypes, empty tensors) so the caller can hand it to tfjs's kernel.
 */
export function reduceLeadingAxes(x: TensorInfo, attrs: SumAttrs, backend: object, mean: boolean): TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const rank = x.shape.length;
  const axes = [...new Set(util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= rank || axes.some((a, i) => a !== i)) return null;
  const rows = util.sizeFromShape(x.shape.slice(0, k)), cols = util.sizeFromShape(x.shape.slice(k));
  if (rows === 0 || cols === 0) return null;
  const mod = getPaccWasm(backend);
  const outShape = attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = mod.makeOutput(outShape);
  const px = mod.offset(x);
  runPartialSums(mod, 'sumRows', rows, rows * cols, [{ptr: mod.offset(out), len: cols}],
      (a, b, [dst], scale) => [px + a * cols * 4, dst, b - a, cols, scale], {scale: mean ? 1 / rows : 1});
  return out;
}

/**
 * FusedBatchNorm forward with per-channel statistics (mean, variance and the optional offset and
 * scale all [C], x [..., C], float32) in one SIMD pass: y = (x − mean)·k + offset, k = scale/√(variance + ε)
 * formed once per call. tfjs-backend-wasm 4.22's kernel is a scalar loop that indexes all four
 * statistics per element (7% of a PaCC-Net-XS training step). Returns null for anything else
 * (broadcast statistics of other shapes, other dtypes, empty tensors) so the caller can hand it to
 * tfjs's kernel.
 */
export function batchNormForwardSimd(
    inputs: {x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo},
    varianceEpsilon: number, backend: object): TensorInfo | null {
  const {x, mean, variance, offset, scale} = inputs;
  const C = x.shape[x.shape.length - 1];
  const perChannel = (t: TensorInfo | undefined) => t == null || (t.shape.length === 1 && t.shape[0] === C && t.dtype === 'float32');
  if (x.dtype !== 'float32' || x.shape.length < 1 || !C || ![mean, variance, offset, scale].every(perChannel)) return null;
  const size = util.sizeFromShape(x.shape);
  if (size === 0) return null;
  const mod = getPaccWasm(backend);
  const out = mod.makeOutput(x.shape);
  const k = mod.malloc(C * 4);
  try {
    mod.run([{fn: 'batchNormFactors', args: [mod.offset(variance), scale ? mod.offset(scale) : 0, k, C, Math.fround(varianceEpsilon)]}]);
    const px = mod.offset(x), pm = mod.offset(mean), po = offset ? mod.offset(offset) : 0, py = mod.offset(out);
    runSlices(mod, 'batchNormForward', size / C, 2 * size, (a, b) => [px + a * C * 4, pm, k, po, py + a * C * 4, b - a, C]);
  } finally {
    mod.free(k);
  }
  return out;
}

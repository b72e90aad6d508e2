// wasm kernels for the conv backprops tfjs-backend-wasm 4.22 lacks, run by our SIMD module on the backend's heap.
import {
  backend_util, Conv2DBackpropFilter, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropFilterAttrs, DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig, KernelFunc, TensorInfo, util,
} from '@tensorflow/tfjs-core';
import {getPaccWasm} from '../../wasm/module';
import {runPartialSums, runSlices} from '../../wasm/parallel';

type Shape4 = [number, number, number, number];

/**
 * The module's conv backprop exports (ops/wasm/assembly/conv_backprop.ts): three heap
 * byte offsets (two inputs, the output) then n, h, w, channels, oh, ow, out-channels or
 * multiplier, kh, kw, stride h, stride w, pad top, pad left (see `run`).
 */
type ConvBackpropFn = (in0: number, in1: number, out: number, ...geometry: number[]) => void;
interface ConvBackpropExports {
  conv2dBackpropInput: ConvBackpropFn;
  transposeFilterIO(f: number, ft: number, taps: number, ci: number, co: number): void;
  conv2dBackpropFilter: ConvBackpropFn;
  depthwiseBackpropInput: ConvBackpropFn;
  depthwiseBackpropFilter: ConvBackpropFn;
}

/**
 * What the SIMD code computes: NHWC float32, dilation 1, any stride and any padding
 * tfjs can express ('same', 'valid', a number, explicit). tfjs's own gradients never
 * ask for more (they assert dilation 1); anything else fails here, loudly, rather
 * than computing something else.
 */
function checkSupported(kernel: string, info: backend_util.Conv2DInfo, tensors: Record<string, TensorInfo>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') {
      throw new Error(`${kernel} on wasm (tfjs-pacc): '${name}' must be float32, got ${t.dtype} of shape [${t.shape}]`);
    }
  }
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on wasm (tfjs-pacc): only NHWC is supported, got NCHW (input shape [${info.inShape}])`);
  }
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(`${kernel} on wasm (tfjs-pacc): only dilation 1 is supported, got ` +
      `[${info.dilationHeight}, ${info.dilationWidth}] (input shape [${info.inShape}], filter [${info.filterShape}])`);
  }
}

/**
 * Runs one export into a new output of `outShape`. `in1` is a tensor or a heap offset
 * (scratch). `channels` is in-channels and out-channels for conv2d, in-channels and the
 * channel multiplier for depthwise. On the threaded build the batch is split over the
 * threads: input gradients write disjoint images; filter gradients sum per-slice partials.
 */
function run(
    fn: Exclude<keyof ConvBackpropExports, 'transposeFilterIO'>, backend: object, in0: TensorInfo, in1: TensorInfo | number,
    outShape: number[], info: backend_util.Conv2DInfo, channels: [number, number]): TensorInfo {
  const mod = getPaccWasm(backend);
  const out = mod.makeOutput(outShape);
  const size = util.sizeFromShape(outShape);
  if (util.sizeFromShape(in0.shape) === 0 || (typeof in1 !== 'number' && util.sizeFromShape(in1.shape) === 0)) {
    // Empty batch or spatial extent: the gradient is all zeros (and the loops would divide by a zero width).
    if (size > 0) mod.f32(mod.offset(out), size).fill(0);
    return out;
  }
  const depthwise = fn.startsWith('depthwise');
  const [c0, c1] = channels;
  const {batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw} = info;
  const geometry = (images: number) =>
    [images, h, w, c0, oh, ow, c1, kh, kw, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
  // Bytes per image of x (or dx) and of dy.
  const xImage = h * w * c0 * 4, dyImage = oh * ow * (depthwise ? c0 * c1 : c1) * 4;
  const work = n * oh * ow * kh * kw * c0 * c1;
  const p0 = mod.offset(in0), p1 = typeof in1 === 'number' ? in1 : mod.offset(in1), po = mod.offset(out);
  if (fn === 'conv2dBackpropFilter' || fn === 'depthwiseBackpropFilter') {
    runPartialSums(mod, fn, n, work, [{ptr: po, len: size}],
        (a, b, [dst]) => [p0 + a * xImage, p1 + a * dyImage, dst, ...geometry(b - a)]);
  } else {
    // in0 is dy, the output dx.
    runSlices(mod, fn, n, work, (a, b) => [p0 + a * dyImage, p1, po + a * xImage, ...geometry(b - a)]);
  }
  return out;
}

const conv2DBackpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const {strides, pad, dataFormat, dimRoundingMode, filterShape} = attrs as unknown as Conv2DBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
      x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, backend_util.convertConv2DDataFormat(dataFormat));
  checkSupported(Conv2DBackpropFilter, info, {x, dy});
  return run('conv2dBackpropFilter', backend, x, dy, info.filterShape, info, [info.inChannels, info.outChannels]);
};

const depthwiseConv2dNativeBackpropInput: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, filter} = inputs as {dy: TensorInfo; filter: TensorInfo};
  const {strides, dilations, pad, dimRoundingMode, inputShape} = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, true);
  checkSupported(DepthwiseConv2dNativeBackpropInput, info, {dy, filter});
  return run('depthwiseBackpropInput', backend, dy, filter, info.inShape, info,
      [info.inChannels, info.outChannels / info.inChannels]);
};

const depthwiseConv2dNativeBackpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const {strides, dilations, pad, dimRoundingMode, filterShape} = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, dilations, pad, dimRoundingMode, true);
  checkSupported(DepthwiseConv2dNativeBackpropFilter, info, {x, dy});
  return run('depthwiseBackpropFilter', backend, x, dy, info.filterShape, info,
      [info.inChannels, info.outChannels / info.inChannels]);
};

/**
 * Conv2DBackpropInput for NHWC float32 (tfjs-wasm has one, a scalar loop; this one is only
 * registered on request, see ../override.ts). Returns null for what it does not handle
 * (NCHW, other dtypes) so the caller can hand those to the kernel it replaced.
 */
export function conv2DBackpropInputSimd(
    dy: TensorInfo, filter: TensorInfo, attrs: Conv2DBackpropInputAttrs, backend: object): TensorInfo | null {
  const {strides, pad, dataFormat, dimRoundingMode, inputShape} = attrs;
  const info = backend_util.computeConv2DInfo(
      inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, backend_util.convertConv2DDataFormat(dataFormat));
  if (info.dataFormat !== 'channelsLast' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const mod = getPaccWasm(backend);
  const exports = mod.exports as unknown as ConvBackpropExports;
  // The filter transposed to [kh, kw, co, ci] in tfjs's heap, so in-channels are contiguous.
  const ft = mod.malloc(util.sizeFromShape(filter.shape) * 4);
  try {
    exports.transposeFilterIO(mod.offset(filter), ft, info.filterHeight * info.filterWidth, info.inChannels, info.outChannels);
    return run('conv2dBackpropInput', backend, dy, ft, info.inShape, info, [info.inChannels, info.outChannels]);
  } finally {
    mod.free(ft);
  }
}

/** Registered (by ops/register.ts) only where the wasm backend has no kernel of that name. */
export const wasmConvBackpropKernels: KernelConfig[] = [
  {kernelName: Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter},
  {kernelName: DepthwiseConv2dNativeBackpropInput, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropInput},
  {kernelName: DepthwiseConv2dNativeBackpropFilter, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropFilter},
];

/** A width w dividing `pixels` (≤ 256 where possible) so a 1×1 conv over `pixels` rows runs as pixels/w image rows of w. */
function rowWidth(pixels: number): number {
  if (pixels <= 256) return pixels;
  for (let w = 256; w >= 16; w--) if (pixels % w === 0) return w;
  return pixels;
}

/**
 * BatchMatMul with exactly one operand transposed — what the gradient of every matMul
 * (and of the 1×1 convs written as matMul) asks for — as our 1×1 conv backprop kernels:
 * Aᵀ·B is Conv2DBackpropFilter of x = A, dy = B over K "pixels", and A·Bᵀ is
 * Conv2DBackpropInput of dy = A with the filter B. tfjs-backend-wasm 4.22 runs these
 * transposed products an order of magnitude slower than the plain one. Returns null (hand
 * it to tfjs's kernel) for no or both transposes, batch broadcasting, other dtypes or empty
 * operands.
 */
export function batchMatMulTransposedSimd(
    a: TensorInfo, b: TensorInfo, attrs: {transposeA: boolean; transposeB: boolean}, backend: object): TensorInfo | null {
  const {transposeA, transposeB} = attrs;
  if (transposeA === transposeB || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || ra !== rb || !util.arraysEqual(a.shape.slice(0, -2), b.shape.slice(0, -2))) return null;
  const batch = util.sizeFromShape(a.shape.slice(0, -2));
  const [a0, a1] = a.shape.slice(-2), [b0, b1] = b.shape.slice(-2);
  const M = transposeA ? a1 : a0, K = transposeA ? a0 : a1;
  const N = transposeB ? b0 : b1, KB = transposeB ? b1 : b0;
  if (K !== KB || batch === 0 || M === 0 || N === 0 || K === 0) return null;
  const mod = getPaccWasm(backend);
  const ex = mod.exports as unknown as ConvBackpropExports;
  const out = mod.makeOutput([...a.shape.slice(0, -2), M, N]);
  const pa = mod.offset(a), pb = mod.offset(b), po = mod.offset(out);
  const sa = M * K * 4, sb = K * N * 4, so = M * N * 4;
  if (transposeA) {
    // C[m,n] = Σ_k A[k,m]·B[k,n]: dW of a 1×1 conv with x = A [K px, M ch], dy = B [K px, N ch];
    // threads take blocks of image rows and their partial products are summed.
    const w = rowWidth(K), h = K / w;
    for (let i = 0; i < batch; i++) {
      runPartialSums(mod, 'conv2dBackpropFilter', h, K * M * N, [{ptr: po + i * so, len: M * N}],
          (r0, r1, [dst]) => [pa + i * sa + r0 * w * M * 4, pb + i * sb + r0 * w * N * 4, dst, 1, r1 - r0, w, M, r1 - r0, w, N, 1, 1, 1, 1, 0, 0]);
    }
    return out;
  }
  // C[m,n] = Σ_k A[m,k]·B[n,k]: dx of a 1×1 conv with dy = A [M px, K ch] and filter B [N in, K out];
  // threads take disjoint blocks of image rows.
  const w = rowWidth(M), h = M / w;
  const ft = mod.malloc(K * N * 4);
  try {
    for (let i = 0; i < batch; i++) {
      ex.transposeFilterIO(pb + i * sb, ft, 1, N, K);
      runSlices(mod, 'conv2dBackpropInput', h, M * N * K,
          (r0, r1) => [pa + i * sa + r0 * w * K * 4, ft, po + i * so + r0 * w * N * 4, 1, r1 - r0, w, N, r1 - r0, w, K, 1, 1, 1, 1, 0, 0]);
    }
  } finally {
    mod.free(ft);
  }
  return out;
}

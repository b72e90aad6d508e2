// wasm kernels for the conv backprops tfjs-backend-wasm 4.22 lacks, run by our SIMD module on the backend's heap.
import {
  backend_util, Conv2DBackpropFilter, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropFilterAttrs, DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig, KernelFunc, TensorInfo, util,
} from '@tensorflow/tfjs-core';
import {getPaccWasm} from '../../wasm/module';

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
 * channel multiplier for depthwise.
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
  (mod.exports as unknown as ConvBackpropExports)[fn](
      mod.offset(in0), typeof in1 === 'number' ? in1 : mod.offset(in1), mod.offset(out),
      info.batchSize, info.inHeight, info.inWidth, channels[0], info.outHeight, info.outWidth, channels[1],
      info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
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

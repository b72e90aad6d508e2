// Opt-in: swaps tfjs-backend-wasm 4.22's scalar Conv2DBackpropInput for our SIMD one, and back.
import {Conv2DBackpropInput, Conv2DBackpropInputAttrs, findBackend, getKernel, KernelConfig, KernelFunc, registerKernel, TensorInfo, unregisterKernel} from '@tensorflow/tfjs-core';
import {conv2DBackpropInputSimd} from './kernels/wasm';

/** tfjs-wasm's own kernel while ours is installed: restored on disable, and used for what ours does not handle. */
let replaced: KernelConfig | null = null;
let installed = false;

const kernelFunc: KernelFunc = (args) => {
  const {dy, filter} = args.inputs as {dy: TensorInfo; filter: TensorInfo};
  const out = conv2DBackpropInputSimd(dy, filter, args.attrs as unknown as Conv2DBackpropInputAttrs, args.backend);
  if (out) return out;
  if (replaced) return replaced.kernelFunc(args);
  throw new Error(`Conv2DBackpropInput on wasm (tfjs-pacc): only NHWC float32 is supported, got dy ${dy.dtype} ` +
    `[${dy.shape}], filter ${filter.dtype} [${filter.shape}], dataFormat ${(args.attrs as {dataFormat?: string})?.dataFormat}`);
};

/**
 * Replaces (`enable` true, the default) or restores (`false`) the wasm backend's
 * `Conv2DBackpropInput` — the input gradient of every conv2d. tfjs-backend-wasm 4.22
 * ships it as a scalar loop that takes most of a ResNet50 training step; ours is the
 * SIMD GEMM of docs/wasm-training.md, same attributes and results (1e-4 of the cpu
 * kernel). NCHW and non-float32 calls still go to tfjs's kernel. Not on by default:
 * the package otherwise only adds kernels a backend lacks. Idempotent; returns whether
 * ours is installed afterwards.
 */
export function useFastWasmConv2DBackpropInput(enable = true): boolean {
  if (enable && !installed) {
    replaced = getKernel(Conv2DBackpropInput, 'wasm') ?? null;
    if (replaced) unregisterKernel(Conv2DBackpropInput, 'wasm');
    registerKernel({kernelName: Conv2DBackpropInput, backendName: 'wasm', kernelFunc});
    installed = true;
  } else if (!enable && installed) {
    unregisterKernel(Conv2DBackpropInput, 'wasm');
    if (replaced) {
      registerKernel(replaced);
      // tfjs runs a wasm kernel's setup when the backend starts; if that happened while ours was in, run it now.
      const backend = findBackend('wasm');
      if (backend && replaced.setupFunc) replaced.setupFunc(backend);
    }
    replaced = null;
    installed = false;
  }
  return installed;
}

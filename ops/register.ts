// The one registration path: every kernel and gradient of ours, idempotent (checked before registering).
import {getGradient, getKernel, GradConfig, KernelConfig, registerGradient, registerKernel} from '@tensorflow/tfjs-core';
import {wasmAdamKernels} from './adam/kernels/wasm';
import {wasmBatchNormGradKernels} from './batch_norm_grad/kernels/wasm';
import {wasmConvBackpropKernels} from './conv_backprop/kernels/wasm';
import {useFastWasmTrainingKernels} from './conv_backprop/override';
import {positionAwareCircularConvGradConfig} from './pacc/grad';
import {cpuKernels} from './pacc/kernels/cpu';
import {stridedSliceGradConfig} from './strided_slice/grad';
import {swishGradConfig} from './swish/grad';
import {wasmSwishKernels} from './swish/kernels/wasm';
import {tensorflowKernels} from './pacc/kernels/tensorflow';
import {webglKernels} from './pacc/kernels/webgl';
import {webgpuKernels} from './pacc/kernels/webgpu';
import {wasmKernels} from './pacc/kernels/wasm';

/** Kernel lists per backend; a backend's kernels need not be loaded to be registered. */
const kernelLists: KernelConfig[][] = [cpuKernels, webglKernels, webgpuKernels, wasmKernels, tensorflowKernels, wasmConvBackpropKernels, wasmBatchNormGradKernels, wasmAdamKernels, wasmSwishKernels];
/** Ours, plus tfjs-core gradients missing in 4.22 that our models need (registered only where absent). */
const gradients: GradConfig[] = [positionAwareCircularConvGradConfig, stridedSliceGradConfig, swishGradConfig];

/**
 * Registers every kernel and gradient that is not yet registered. Safe to call
 * any number of times, before or after a backend is set: tfjs warns on duplicate
 * registration, so we look each one up first.
 */
export function registerAll(): void {
  for (const list of kernelLists) {
    for (const config of list) {
      if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
    }
  }
  for (const grad of gradients) {
    if (getGradient(grad.kernelName) == null) registerGradient(grad);
  }
  // Faster wasm training kernels in place of some of tfjs-wasm's own (each falls back to tfjs's for
  // what it does not take); pacc.useFastWasmTrainingKernels(false) restores tfjs's. docs/wasm-training.md.
  useFastWasmTrainingKernels(true);
}

// wasm kernel of the fused Adam update, run by our SIMD module on the backend's heap.
import {KernelConfig, KernelFunc, TensorInfo, util} from '@tensorflow/tfjs-core';
import {getPaccWasm} from '../../wasm/module';
import {runSlices} from '../../wasm/parallel';
import {PaccAdamUpdate} from '../kernel_names';

// adamUpdate (ops/wasm/assembly/batch_norm.ts) is called by name through ../../wasm/parallel.ts.

export interface AdamUpdateAttrs {
  learningRate: number; beta1: number; beta2: number; epsilon: number; accBeta1: number; accBeta2: number;
}

const f = Math.fround;

const adamUpdate: KernelFunc = ({inputs, backend, attrs}) => {
  const {value, m, v, grad} = inputs as {value: TensorInfo; m: TensorInfo; v: TensorInfo; grad: TensorInfo};
  const a = attrs as unknown as AdamUpdateAttrs;
  const mod = getPaccWasm(backend);
  const outs = [mod.makeOutput(value.shape), mod.makeOutput(value.shape), mod.makeOutput(value.shape)];
  const n = util.sizeFromShape(value.shape);
  if (n > 0) {
    // The constants as tfjs-core forms them: JS numbers made float32 scalars; 1 − accBeta a float32 subtraction.
    const ptrs = [value, m, v, grad, ...outs].map((t) => mod.offset(t));
    const constants = [f(a.beta1), f(1 - a.beta1), f(a.beta2), f(1 - a.beta2), f(1 - f(a.accBeta1)), f(1 - f(a.accBeta2)), f(a.epsilon), f(-a.learningRate)];
    // Elementwise, so threads take disjoint ranges (multiples of 4 keep the SIMD loop whole).
    runSlices(mod, 'adamUpdate', n, 8 * n, (s, e) => [...ptrs.map((p) => p + s * 4), e - s, ...constants], {align: 4});
  }
  return outs;
};

export const wasmAdamKernels: KernelConfig[] = [{kernelName: PaccAdamUpdate, backendName: 'wasm', kernelFunc: adamUpdate}];

// wasm kernel of the fused Adam update, run by our SIMD module on the backend's heap.
import {KernelConfig, KernelFunc, TensorInfo, util} from '@tensorflow/tfjs-core';
import {getPaccWasm} from '../../wasm/module';
import {PaccAdamUpdate} from '../kernel_names';

interface AdamExports {
  adamUpdate(value: number, m: number, v: number, g: number, outValue: number, outM: number, outV: number, n: number,
    b1: number, c1: number, b2: number, c2: number, a1: number, a2: number, eps: number, nlr: number): void;
}

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
    (mod.exports as unknown as AdamExports).adamUpdate(
        mod.offset(value), mod.offset(m), mod.offset(v), mod.offset(grad), mod.offset(outs[0]), mod.offset(outs[1]), mod.offset(outs[2]), n,
        f(a.beta1), f(1 - a.beta1), f(a.beta2), f(1 - a.beta2), f(1 - f(a.accBeta1)), f(1 - f(a.accBeta2)), f(a.epsilon), f(-a.learningRate));
  }
  return outs;
};

export const wasmAdamKernels: KernelConfig[] = [{kernelName: PaccAdamUpdate, backendName: 'wasm', kernelFunc: adamUpdate}];

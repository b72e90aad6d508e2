// wasm kernels of the fused swish and its gradient, run by our SIMD module (ops/wasm/assembly/swish.ts) on the backend's heap.
import {KernelConfig, KernelFunc, TensorInfo, util} from '@tensorflow/tfjs-core';
import {getPaccWasm} from '../../wasm/module';
import {runSlices} from '../../wasm/parallel';
import {PaccSwish, PaccSwishGrad} from '../kernel_names';

/** Elements per unit of "work" for the thread split: an exp and a divide cost about this many multiply-adds. */
const COST = 16;

const swish: KernelFunc = ({inputs, backend}) => {
  const {x} = inputs as {x: TensorInfo};
  const mod = getPaccWasm(backend);
  const out = mod.makeOutput(x.shape);
  const n = util.sizeFromShape(x.shape);
  if (n > 0) {
    const px = mod.offset(x), py = mod.offset(out);
    runSlices(mod, 'swishForward', n, COST * n, (a, b) => [px + a * 4, py + a * 4, b - a], {align: 4});
  }
  return out;
};

const swishGrad: KernelFunc = ({inputs, backend}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const mod = getPaccWasm(backend);
  const out = mod.makeOutput(x.shape);
  const n = util.sizeFromShape(x.shape);
  if (n > 0) {
    const px = mod.offset(x), pdy = mod.offset(dy), pdx = mod.offset(out);
    runSlices(mod, 'swishBackward', n, COST * n, (a, b) => [px + a * 4, pdy + a * 4, pdx + a * 4, b - a], {align: 4});
  }
  return out;
};

export const wasmSwishKernels: KernelConfig[] = [
  {kernelName: PaccSwish, backendName: 'wasm', kernelFunc: swish},
  {kernelName: PaccSwishGrad, backendName: 'wasm', kernelFunc: swishGrad},
];

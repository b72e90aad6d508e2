// Fast wasm training kernels that replace tfjs-backend-wasm 4.22's own (Conv2DBackpropInput, transposed BatchMatMul, Sum/Mean, Identity, Cast, FusedBatchNorm) and the fused batch-norm gradient; installed by default, reversible.
import {
  BatchMatMulAttrs, Conv2DBackpropInputAttrs, findBackend, FusedBatchNormAttrs, getKernel, KernelBackend, KernelConfig, KernelFunc, registerKernel, SumAttrs,
  TensorInfo, unregisterKernel,
} from '@tensorflow/tfjs-core';
import {useFusedAdam} from '../adam/patch';
import {useFusedSwish} from '../swish/patch';
import {ensureFusedGrad, useFusedGrads} from '../batch_norm_grad/grad';
import {batchNormForwardSimd, reduceLeadingAxes} from '../batch_norm_grad/kernels/wasm';
import {batchMatMulTransposedSimd, conv2DBackpropInputSimd} from './kernels/wasm';

/** Ours for one tfjs-wasm kernel: a result, or null to hand the call to tfjs's kernel. */
type Fast = (args: Parameters<KernelFunc>[0]) => TensorInfo | null;

const FAST: Record<string, Fast> = {
  Conv2DBackpropInput: ({inputs, attrs, backend}) => {
    const {dy, filter} = inputs as {dy: TensorInfo; filter: TensorInfo};
    return conv2DBackpropInputSimd(dy, filter, attrs as unknown as Conv2DBackpropInputAttrs, backend);
  },
  BatchMatMul: ({inputs, attrs, backend}) => {
    const {a, b} = inputs as {a: TensorInfo; b: TensorInfo};
    return batchMatMulTransposedSimd(a, b, attrs as unknown as BatchMatMulAttrs, backend);
  },
  // (Each also makes sure our fused gradient of the op is the registered one, see ../batch_norm_grad/grad.ts.)
  Sum: ({inputs, attrs, backend}) => {
    ensureFusedGrad('Sum');
    return reduceLeadingAxes((inputs as {x: TensorInfo}).x, attrs as unknown as SumAttrs, backend, false);
  },
  Mean: ({inputs, attrs, backend}) => {
    ensureFusedGrad('Mean');
    return reduceLeadingAxes((inputs as {x: TensorInfo}).x, attrs as unknown as SumAttrs, backend, true);
  },
  // tfjs-backend-wasm's Identity copies the data; every tensor a gradient saves goes through it
  // (engine.clone), ~2,500 copies per PaCC-Net step. Heap data is never written in place
  // (Reshape already shares it), so sharing by reference count is safe.
  Identity: ({inputs, backend}) => {
    const {x} = inputs as {x: TensorInfo};
    const b = backend as unknown as {dataIdMap: {has(id: object): boolean}; incRef(id: object): void};
    if (!b.dataIdMap.has(x.dataId)) return null;
    b.incRef(x.dataId);
    return {dataId: x.dataId, shape: x.shape, dtype: x.dtype};
  },
  // Same for a Cast to the dtype the tensor already has (tfjs-layers casts often; tfjs-wasm copies).
  Cast: ({inputs, attrs, backend}) => {
    const {x} = inputs as {x: TensorInfo};
    const b = backend as unknown as {dataIdMap: {has(id: object): boolean}; incRef(id: object): void};
    if (x.dtype !== (attrs as {dtype: string}).dtype || !b.dataIdMap.has(x.dataId)) return null;
    b.incRef(x.dataId);
    return {dataId: x.dataId, shape: x.shape, dtype: x.dtype};
  },
  // One SIMD pass with per-channel statistics (tfjs-wasm's is a scalar loop); also makes sure the
  // fused gradient is the registered one (see grad.ts).
  FusedBatchNorm: ({inputs, attrs, backend}) => {
    ensureFusedGrad('FusedBatchNorm');
    return batchNormForwardSimd(inputs as never, (attrs as unknown as FusedBatchNormAttrs).varianceEpsilon, backend);
  },
};

/** tfjs-wasm's kernels while ours are installed: restored on disable, and called for what ours does not handle. */
const replaced = new Map<string, KernelConfig>();
/** Backends on which a replaced kernel's setup has run (tfjs only sets up registered kernels when a backend starts). */
const setUp = new WeakMap<KernelConfig, WeakSet<object>>();

function fallback(name: string, args: Parameters<KernelFunc>[0]) {
  const original = replaced.get(name)!;
  const backend = args.backend as unknown as KernelBackend;
  let done = setUp.get(original);
  if (!done) setUp.set(original, done = new WeakSet());
  if (original.setupFunc && !done.has(backend)) {
    original.setupFunc(backend);
    done.add(backend);
  }
  return original.kernelFunc(args);
}

function install(name: string): boolean {
  if (replaced.has(name)) return true;
  const original = getKernel(name, 'wasm');
  // Nothing to replace (tfjs-backend-wasm not imported yet): leave the name free for tfjs.
  if (!original) return false;
  const fast = FAST[name];
  replaced.set(name, original);
  unregisterKernel(name, 'wasm');
  registerKernel({kernelName: name, backendName: 'wasm', kernelFunc: (args) => fast(args) ?? fallback(name, args)});
  return true;
}

function uninstall(name: string): void {
  const original = replaced.get(name);
  if (!original) return;
  unregisterKernel(name, 'wasm');
  registerKernel(original);
  // tfjs runs a wasm kernel's setup when the backend starts; if that happened while ours was in, run it now.
  const backend = findBackend('wasm');
  if (backend && original.setupFunc) original.setupFunc(backend);
  replaced.delete(name);
}

/**
 * Replaces (`enable` true) or restores (`false`) the wasm backend's `Conv2DBackpropInput` —
 * the input gradient of every conv2d. tfjs-backend-wasm 4.22 ships it as a scalar loop; ours
 * is the SIMD GEMM of docs/wasm-training.md, same attributes and results (1e-4 of the cpu
 * kernel). NCHW and non-float32 calls still go to tfjs's kernel. Installed by default with
 * the other fast training kernels (see useFastWasmTrainingKernels). Idempotent; returns
 * whether ours is installed afterwards.
 */
export function useFastWasmConv2DBackpropInput(enable = true): boolean {
  if (enable) return install('Conv2DBackpropInput');
  uninstall('Conv2DBackpropInput');
  return false;
}

/**
 * Installs (`enable` true, what importing the package does) or removes every fast wasm
 * training kernel: Conv2DBackpropInput, BatchMatMul with one operand transposed, Sum and
 * Mean over leading axes, a data-sharing Identity and same-dtype Cast, a SIMD FusedBatchNorm
 * with per-channel statistics — each falling back to tfjs-wasm's kernel for the cases it does not take —
 * the fused FusedBatchNorm, Mean and Sum gradients on wasm, a fused Adam update on wasm
 * (one kernel per variable, ops/adam/patch.ts) and a fused swish activation on wasm (one kernel
 * each way, ops/swish/patch.ts). A kernel is
 * only replaced if tfjs-backend-wasm has registered it already; call again after importing
 * tfjs-backend-wasm late. Idempotent; returns the names installed.
 */
export function useFastWasmTrainingKernels(enable = true): string[] {
  for (const name of Object.keys(FAST)) {
    if (enable) install(name);
    else uninstall(name);
  }
  const grads = useFusedGrads(enable);
  const adam = useFusedAdam(enable);
  const swish = useFusedSwish(enable);
  return [...replaced.keys(), ...grads.map((g) => `${g} gradient`), ...(adam ? ['AdamOptimizer.applyGradients'] : []),
    ...(swish ? ['swish activation'] : [])];
}

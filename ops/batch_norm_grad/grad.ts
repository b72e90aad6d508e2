// FusedBatchNorm gradient on wasm in two SIMD passes (per-channel sums, then dx = dy·scale/√(var+ε)), and Sum/Mean gradients over leading axes in one; other backends keep tfjs-core's.
import {engine, FusedBatchNorm, FusedBatchNormAttrs, getGradient, GradConfig, GradFunc, Mean, Sum, Tensor, tidy, Tensor1D, util} from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-core';
import {PaccBatchNormGradSums, PaccBroadcastRows, PaccMulChannels} from './kernel_names';

/**
 * The fused gradient applies when the step runs on wasm, statistics are per channel (rank 1,
 * the batch-norm layer case) and everything is float32. tfjs-core's gradient of the same op
 * builds ~15 full-size tensors per call, one of them a Tile of 1/σ to the activation's shape,
 * which tfjs-backend-wasm runs as a generic scalar loop (a third of a PaCC-Net training step).
 */
function fusedApplies(x: Tensor, mean: Tensor, variance: Tensor, scale: Tensor | undefined): boolean {
  if (engine().backendName !== 'wasm' || tfc.getKernel(PaccBatchNormGradSums, 'wasm') == null) return false;
  const C = x.shape[x.rank - 1];
  const perChannel = (t: Tensor | undefined) => t == null || (t.rank === 1 && t.shape[0] === C && t.dtype === 'float32');
  return x.dtype === 'float32' && x.rank >= 1 && mean.rank === 1 && perChannel(mean) && perChannel(variance) && perChannel(scale);
}

/**
 * The maths, for s = scale (1 if absent), r = 1/√(variance + ε), S1 = Σ dy, S2 = Σ dy·(x − mean)
 * over every axis but the channels: dx = dy·s·r, dmean = −r·s·S1, dvariance = −½·r³·s·S2,
 * dscale = r·S2, doffset = S1 — term for term tfjs-core's gradient (mean and variance are
 * inputs of the op; their own gradients flow on through the ops that made them).
 */
function fusedGrad(original: GradFunc): GradFunc {
  return (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const dyT = dy as Tensor;
    if (!enabled || !fusedApplies(x, mean, variance, scale) || dyT.dtype !== 'float32') return original(dy, saved, attrs);
    const {varianceEpsilon} = attrs as unknown as FusedBatchNormAttrs;
    // Eager, in the backward scope (freed when backprop ends): both sums come from one pass over x and dy.
    const [sumDy, sumDyXc] = engine().runKernel(PaccBatchNormGradSums, {x, dy: dyT, mean}) as Tensor[];
    const r = tidy(() => tfc.rsqrt(tfc.add(variance, tfc.scalar(varianceEpsilon))));
    // tfjs requires each gradient to be a tensor of its own (it may dispose it), so the sums are cloned where returned as is.
    const s1 = () => sumDy as Tensor1D;
    const s2 = () => sumDyXc as Tensor1D;
    const sr = () => (scale == null ? r : tfc.mul(r, scale));
    return {
      x: () => engine().runKernel(PaccMulChannels, {x: dyT, k: sr()}) as Tensor,
      mean: () => tfc.neg(tfc.mul(sr(), s1())),
      variance: () => tfc.mul(tfc.mul(tfc.mul(tfc.mul(r, r), sr()), tfc.scalar(-0.5)), s2()),
      scale: () => tfc.mul(r, s2()),
      offset: () => tfc.clone(sumDy),
    };
  };
}

/**
 * Sum / Mean gradient over leading axes [0, k) on wasm: dy broadcast back over those axes (÷ the
 * count for Mean) in one pass. tfjs-core builds ones(x.shape), multiplies by the reshaped dy and
 * (Mean) divides by a scalar: three full-size passes and two allocations; batch-norm statistics
 * (two Means per batch norm) take this path on every step.
 */
function reduceGrad(original: GradFunc, mean: boolean): GradFunc {
  return (dy, saved, attrs) => {
    const [x] = saved as Tensor[];
    const dyT = dy as Tensor;
    if (!enabled || engine().backendName !== 'wasm' || tfc.getKernel(PaccBroadcastRows, 'wasm') == null ||
        x.dtype !== 'float32' || dyT.dtype !== 'float32') {
      return original(dy, saved, attrs);
    }
    const axes = [...new Set(util.parseAxisParam((attrs as {axis: number | number[]}).axis, x.shape))].sort((a, b) => a - b);
    const k = axes.length;
    if (k === 0 || k >= x.rank || axes.some((a, i) => a !== i) || util.sizeFromShape(x.shape) === 0) return original(dy, saved, attrs);
    const rows = util.sizeFromShape(x.shape.slice(0, k));
    return {x: () => engine().runKernel(PaccBroadcastRows, {dy: dyT}, {shape: x.shape, scale: mean ? 1 / rows : 1} as never) as Tensor};
  };
}

/** The gradients we patch on wasm, by kernel name. */
const PATCHES: Record<string, (original: GradFunc) => GradFunc> = {
  [FusedBatchNorm]: fusedGrad,
  [Mean]: (o) => reduceGrad(o, true),
  [Sum]: (o) => reduceGrad(o, false),
};

/** Whether the fused gradients are wanted; the originals of the gradient configs we patched. */
let enabled = false;
const patched = new WeakMap<GradConfig, GradFunc>();

/**
 * Patches the currently registered gradient of `name` (FusedBatchNorm, Mean, Sum) if it is not
 * patched yet. A later import of another tfjs-core copy (e.g. '@tensorflow/tfjs' after this
 * package) registers fresh configs and drops the patch, so our wasm forward kernels of these
 * names call this before each use (tfjs reads the gradient when it records the op, after the
 * kernel ran).
 */
export function ensureFusedGrad(name: string): void {
  if (!enabled || !(name in PATCHES)) return;
  const config = getGradient(name);
  if (config == null || patched.has(config)) return;
  patched.set(config, config.gradFunc);
  (config as {gradFunc: GradFunc}).gradFunc = PATCHES[name](config.gradFunc);
}

/**
 * Swaps the registered FusedBatchNorm, Mean and Sum gradients' functions for ones that take the
 * fused path on wasm and call the originals everywhere else (`enable` false restores them). The
 * gradient config objects are patched in place (tfjs has no unregisterGradient). Idempotent;
 * returns the kernel names whose gradient is patched.
 */
export function useFusedGrads(enable = true): string[] {
  enabled = enable;
  const done: string[] = [];
  for (const name of Object.keys(PATCHES)) {
    const config = getGradient(name);
    if (enable) {
      ensureFusedGrad(name);
      if (config != null) done.push(name);
    } else if (config != null && patched.has(config)) {
      (config as {gradFunc: GradFunc}).gradFunc = patched.get(config)!;
      patched.delete(config);
    }
  }
  return done;
}

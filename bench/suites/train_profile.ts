// Per-kernel profile of one PaCC-Net training step on wasm (trainOnBatch, Adam, batch 8, 64×64): forward, backward and optimizer apart.
import * as tf from '@tensorflow/tfjs';
import * as pacc from '../../src/index';
import {progress, Suite, SuiteResult} from '../util';

type Phase = 'forward' | 'backward' | 'optimizer';

/** Accumulated ms and calls per key. */
class Tally {
  readonly ms = new Map<string, number>();
  readonly calls = new Map<string, number>();
  add(key: string, ms: number) {
    this.ms.set(key, (this.ms.get(key) ?? 0) + ms);
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }
  total() { let s = 0; for (const v of this.ms.values()) s += v; return s; }
}

/**
 * Where the engine is: tfjs-core's `gradients()` runs the model function in a tidy scope named
 * 'forward' and backpropagation in one named 'backward'; kernels outside both are the optimizer's
 * update (Adam) and the loss bookkeeping of trainOnBatch.
 */
function phase(): Phase {
  const stack = (tf.engine().state as unknown as {scopeStack: {name: string}[]}).scopeStack;
  let p: Phase = 'optimizer';
  for (const s of stack) {
    if (s.name === 'backward') return 'backward';
    if (s.name === 'forward') p = 'forward';
  }
  return p;
}

/**
 * Times every wasm kernel call (wasm kernels are synchronous, so wall time around kernelFunc is
 * the kernel's time) and, in the backward pass, which forward op's gradient asked for it (by
 * wrapping each registered gradient's closures). Returns an uninstall function.
 */
function instrument(byKernel: Record<Phase, Tally>, byGrad: Tally): () => void {
  const undo: (() => void)[] = [];
  let currentGrad = '';
  for (const config of tf.getKernelsForBackend('wasm')) {
    const orig = config.kernelFunc;
    const wrapped: tf.KernelFunc = (args) => {
      const t0 = performance.now();
      const out = orig(args);
      const dt = performance.now() - t0;
      const p = phase();
      byKernel[p].add(config.kernelName, dt);
      if (p === 'backward') byGrad.add(currentGrad ? `grad of ${currentGrad}` : '(custom gradients: fused conv2d / depthwise; gradient accumulation)', dt);
      return out;
    };
    (config as {kernelFunc: tf.KernelFunc}).kernelFunc = wrapped;
    undo.push(() => { (config as {kernelFunc: tf.KernelFunc}).kernelFunc = orig; });
  }
  // Gradient closures run lazily during backprop: wrap both the gradFunc and the closures it returns.
  const names = new Set<string>();
  for (const config of tf.getKernelsForBackend('wasm')) names.add(config.kernelName);
  for (const name of ['FusedBatchNorm', 'PositionAwareCircularConv', ...names]) {
    const g = tf.getGradient(name);
    if (!g || (g as {__profiled?: boolean}).__profiled) continue;
    const orig = g.gradFunc;
    (g as {gradFunc: tf.GradFunc}).gradFunc = (dy, saved, attrs) => {
      const fns = orig(dy, saved, attrs);
      const out: Record<string, () => tf.Tensor> = {};
      for (const [k, f] of Object.entries(fns)) {
        out[k] = () => {
          const prev = currentGrad;
          currentGrad = name;
          try { return f(); } finally { currentGrad = prev; }
        };
      }
      return out;
    };
    (g as {__profiled?: boolean}).__profiled = true;
    undo.push(() => { (g as {gradFunc: tf.GradFunc}).gradFunc = orig; delete (g as {__profiled?: boolean}).__profiled; });
  }
  return () => undo.forEach((u) => u());
}

/** Builds the model on wasm, warms up, then profiles `steps` training steps; returns per-step tables. */
export async function profileTrainingStep(variant: 'xs' | 's', steps: number, classes = 10, batch = 8, size = 64) {
  await tf.setBackend('wasm');
  pacc.useFastWasmConv2DBackpropInput(true);
  const model = pacc.models.paccNet({variant, inputShape: [size, size, 3], numClasses: classes});
  model.compile({optimizer: tf.train.adam(1e-3), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp)});
  const xs = tf.randomNormal([batch, size, size, 3]);
  const ys = tf.oneHot(tf.tensor1d(Array.from({length: batch}, (_, i) => i % classes), 'int32'), classes);
  const byKernel = {forward: new Tally(), backward: new Tally(), optimizer: new Tally()};
  const byGrad = new Tally();
  try {
    for (let i = 0; i < 2; i++) await model.trainOnBatch(xs, ys);
    const uninstall = instrument(byKernel, byGrad);
    let wall = 0;
    try {
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await model.trainOnBatch(xs, ys);
        wall += performance.now() - t0;
      }
    } finally {
      uninstall();
    }
    return {byKernel, byGrad, wallMs: wall / steps, steps};
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

function rowsOf(t: Tally, steps: number, stepMs: number, limit: number): (string | number)[][] {
  return [...t.ms.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, ms]) => [
    k, (ms / steps).toFixed(1), ((t.calls.get(k) ?? 0) / steps).toFixed(0), `${(100 * ms / steps / stepMs).toFixed(1)}%`,
  ]);
}

export const trainProfileSuite: Suite = async ({quick}) => {
  if (!(await tf.setBackend('wasm').catch(() => false))) {
    return [{title: 'Training step profile on wasm', headers: ['note'], rows: [['backend wasm unavailable here']]}];
  }
  const results: SuiteResult[] = [];
  for (const variant of ['xs', 's'] as const) {
    progress(`profiling a PaCC-Net-${variant.toUpperCase()} training step on wasm`);
    const steps = quick ? 2 : 4;
    const {byKernel, byGrad, wallMs} = await profileTrainingStep(variant, steps);
    const summary: (string | number)[][] = (['forward', 'backward', 'optimizer'] as Phase[]).map((p) => [
      p, (byKernel[p].total() / steps).toFixed(1),
      ([...byKernel[p].calls.values()].reduce((a, b) => a + b, 0) / steps).toFixed(0),
      `${(100 * byKernel[p].total() / steps / wallMs).toFixed(1)}%`]);
    const inKernels = (byKernel.forward.total() + byKernel.backward.total() + byKernel.optimizer.total()) / steps;
    summary.push(['outside kernels (JS: tape, tidy, layers, dispose)', (wallMs - inKernels).toFixed(1), '', `${(100 * (wallMs - inKernels) / wallMs).toFixed(1)}%`]);
    summary.push(['step (wall)', wallMs.toFixed(1), '', '100%']);
    const headers = ['what', 'ms/step', 'calls/step', '% of step'];
    const name = `PaCC-Net-${variant.toUpperCase()}`;
    results.push({title: `${name} training step on wasm (Adam, batch 8, 64×64, 10 classes): phases, mean of ${steps} steps`, headers, rows: summary});
    for (const p of ['forward', 'backward', 'optimizer'] as Phase[]) {
      results.push({title: `${name} ${p}: kernels`, headers: ['kernel', 'ms/step', 'calls/step', '% of step'], rows: rowsOf(byKernel[p], steps, wallMs, p === 'optimizer' ? 8 : 16)});
    }
    results.push({title: `${name} backward: by the forward op whose gradient ran`, headers: ['gradient', 'ms/step', 'kernel calls/step', '% of step'], rows: rowsOf(byGrad, steps, wallMs, 14)});
  }
  results[0].notes = ['Kernel times are wall time around each wasm kernelFunc (synchronous). Profiling adds a little JS per call.'];
  return results;
};

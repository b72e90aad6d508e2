// Browser-only op measurements: first calls (shader compiles) and a queue of calls read back once, native vs composite.
import * as tf from '@tensorflow/tfjs-core';
import * as pacc from '../../src/index';
import {paccComposite} from '../../ops/pacc/composite';
import type {PaccDirection} from '../../ops/pacc/kernel_names';
import {progress, SuiteResult, timeit, Timing} from '../util';

type Impl = 'native' | 'composite';
export type Shape = [number, number, number, number];

/** Inputs of one configuration and its forward / forward+backward calls, each returning the tensors to read. */
function setup(impl: Impl, shape: Shape, direction: PaccDirection) {
  const [, H, W, C] = shape;
  const L = direction === 'h' ? H : W;
  const x = tf.randomNormal(shape) as tf.Tensor4D, f = tf.randomNormal([L, C]) as tf.Tensor2D;
  const b = tf.randomNormal([C]) as tf.Tensor1D, pe = tf.randomNormal([L, C]) as tf.Tensor2D;
  const dy = tf.randomNormal(shape);
  const op = (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => impl === 'native'
    ? pacc.positionAwareCircularConv(x as tf.Tensor4D, f as tf.Tensor2D, {direction, bias: b as tf.Tensor1D, positionEmbedding: pe as tf.Tensor2D})
    : paccComposite(x as tf.Tensor4D, f as tf.Tensor2D, direction, b as tf.Tensor1D, pe as tf.Tensor2D);
  const grads = tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => tf.sum(tf.mul(op(x, f, b, pe), dy)));
  return {
    fwd: (): tf.Tensor[] => [op(x, f, b, pe)],
    fwdBwd: (): tf.Tensor[] => grads([x, f, b, pe]),
    dispose: () => tf.dispose([x, f, b, pe, dy]),
  };
}

/**
 * Reads `outputs` back and disposes them: dataSync, except on webgpu, whose
 * dataSync copies through a canvas (tens of ms per tensor on SwiftShader,
 * which would swamp the kernels), so there it awaits data().
 */
async function readBack(outputs: tf.Tensor[]) {
  if (tf.getBackend() === 'webgpu') await Promise.all(outputs.map((t) => t.data()));
  else for (const t of outputs) t.dataSync();
  tf.dispose(outputs);
}

/** One call including its read, in ms (the first one pays for compiling its shaders). */
async function once(call: () => tf.Tensor[]): Promise<number> {
  const t0 = performance.now();
  await readBack(tf.tidy(call));
  return performance.now() - t0;
}

/** ms per call when `n` calls are queued and only the last one's outputs are read (GPU work runs in order). */
function queued(call: () => tf.Tensor[], n: number) {
  return () => readBack(tf.tidy(() => {
    let last: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      tf.dispose(last);
      last = call();
    }
    return last;
  }));
}

const ms = (v: number) => v.toFixed(1);
const ratio = (native: Timing, composite: Timing) => `${(composite.median / native.median).toFixed(2)}×`;

/**
 * First calls, measured on a fresh page before anything else ran: the first
 * shape compiles every shader; a second, new shape shows whether an
 * implementation compiles again (tfjs keys most stock programs by shape; ours
 * take sizes as uniforms). Native runs before the composite, so the loss
 * ops (mul, sum) are already compiled when the composite's first call runs.
 */
export async function firstCalls(backend: string): Promise<SuiteResult> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  const shapes: [Shape, Shape] = [[1, 24, 24, 48], [2, 20, 12, 40]];
  const rows: (string | number)[][] = [];
  for (const impl of ['native', 'composite'] as Impl[]) {
    for (const [s, shape] of shapes.entries()) {
      for (const direction of ['h', 'w'] as PaccDirection[]) {
        progress(`${backend} first calls ${impl} [${shape}] ${direction}`);
        const c = setup(impl, shape, direction);
        const first = await once(c.fwd), second = await once(c.fwd);
        const firstFb = await once(c.fwdBwd), secondFb = await once(c.fwdBwd);
        c.dispose();
        rows.push([`${impl} [${shape}] ${direction}${s === 0 && direction === 'h' ? ' (first in page)' : ''}`,
          ms(first), ms(second), ms(firstFb), ms(secondFb)]);
      }
    }
  }
  return {
    title: `First calls on ${backend} (ms, one call incl. its read)`,
    headers: ['impl shape dir', 'fwd 1st', 'fwd 2nd', 'f+b 1st', 'f+b 2nd'],
    rows,
    notes: ['1st − 2nd ≈ shader compile + upload. Native compiles each of its programs once per page (sizes are uniforms); the composite compiles again for each new shape.'],
  };
}

/** The Node op table's columns for a queue of `n` calls read back once (per-call time = total / n). */
export async function queuedTable(backend: string, shapes: Shape[], quick: boolean, n = 10): Promise<SuiteResult> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  const rows: (string | number)[][] = [];
  for (const shape of shapes) {
    for (const direction of ['h', 'w'] as PaccDirection[]) {
      progress(`${backend} queued [${shape}] ${direction}`);
      const t = {} as Record<string, Timing>;
      for (const impl of ['native', 'composite'] as Impl[]) {
        const c = setup(impl, shape, direction);
        const opts = {warmup: 1, runs: quick ? 3 : 7};
        const fwd = await timeit(queued(c.fwd, n), opts), fb = await timeit(queued(c.fwdBwd, n), opts);
        t[`fwd ${impl}`] = {...fwd, median: fwd.median / n, min: fwd.min / n, max: fwd.max / n};
        t[`fb ${impl}`] = {...fb, median: fb.median / n, min: fb.min / n, max: fb.max / n};
        c.dispose();
      }
      rows.push([`[${shape}] ${direction}`, t['fwd native'].median.toFixed(3), t['fwd composite'].median.toFixed(3),
        ratio(t['fwd native'], t['fwd composite']), t['fb native'].median.toFixed(3), t['fb composite'].median.toFixed(3),
        ratio(t['fb native'], t['fb composite'])]);
    }
  }
  return {
    title: `PositionAwareCircularConv on ${backend}, queue of ${n} calls then one sync read, median ms per call`,
    headers: ['shape dir', 'fwd native', 'fwd composite', 'composite/native', 'f+b native', 'f+b composite', 'composite/native'],
    rows,
    notes: ['Per-call cost when the GPU pipeline stays full (no read-back stall per call). composite/native > 1 means the native kernel is faster.'],
  };
}

const msCell = (t: Timing) => t.median.toFixed(3);

/**
 * The Node op table (bench/suites/ops.ts) measured in the page: one call then a
 * sync read, per call. The reference columns stay '—' as in Node for every
 * backend but cpu.
 */
export async function perCallTable(backend: string, shapes: Shape[], quick: boolean): Promise<SuiteResult> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  const rows: (string | number)[][] = [];
  for (const shape of shapes) {
    for (const direction of ['h', 'w'] as PaccDirection[]) {
      progress(`${backend} per call [${shape}] ${direction}`);
      const t = {} as Record<string, Timing>;
      for (const impl of ['native', 'composite'] as Impl[]) {
        const c = setup(impl, shape, direction);
        const opts = {warmup: quick ? 1 : 3, runs: quick ? 3 : 15};
        t[`fwd ${impl}`] = await timeit(() => once(c.fwd), opts);
        t[`fb ${impl}`] = await timeit(() => once(c.fwdBwd), opts);
        c.dispose();
      }
      const L = direction === 'h' ? shape[1] : shape[2];
      const gflops = (2 * shape.reduce((a, b) => a * b) * L / (t['fwd native'].median * 1e6)).toFixed(2);
      rows.push([`[${shape}] ${direction}`, msCell(t['fwd native']), msCell(t['fwd composite']), '—', ratio(t['fwd native'], t['fwd composite']),
        msCell(t['fb native']), msCell(t['fb composite']), '—', ratio(t['fb native'], t['fb composite']), gflops]);
    }
  }
  const native = tf.getKernel(pacc.PositionAwareCircularConv, backend) != null;
  return {
    title: `PositionAwareCircularConv on ${backend} (${native ? 'native kernel' : 'NO native kernel: "native" is the composite fallback'}), median ms`,
    headers: ['shape dir', 'fwd native', 'fwd composite', 'fwd reference', 'composite/native', 'f+b native', 'f+b composite', 'f+b reference', 'composite/native', 'GFLOP/s fwd'],
    rows,
    notes: ['fwd = forward with bias and pe, read back with dataSync; f+b = forward + gradients for x, filter, bias, pe. composite/native > 1 means the native kernel is faster.'],
  };
}

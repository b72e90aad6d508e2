// The one op-vs-reference check of the PaCC op: forward and every gradient through the public op, compared with reference.ts.
import * as tf from '@tensorflow/tfjs-core';
import {positionAwareCircularConv} from '../../src/index';
import {paccBackwardRef, paccForwardRef} from '../../ops/pacc/reference';
import type {PaccDirection} from '../../ops/pacc/kernel_names';
import {expectClose, rng} from './compare';
import {FWD_RTOL, GRAD_RTOL} from './tolerances';

export type Shape4 = [number, number, number, number];

/** One call of the op: NHWC input, [L, C] filter, optional bias / pe, and the upstream gradient dy. */
export interface PaccCase {
  shape: Shape4; direction: PaccDirection;
  x: Float32Array; filter: Float32Array; bias?: Float32Array; pe?: Float32Array; dy: Float32Array;
}

/** What the op gives for a case: y and the gradients of sum(y · dy) (dbias / dpe only where given). */
export interface PaccResult {
  y: Float32Array; dx: Float32Array; dfilter: Float32Array; dbias?: Float32Array; dpe?: Float32Array;
}

/** Convolved length: H for 'h', W for 'w'. */
export const paccLength = (shape: Shape4, direction: PaccDirection) => (direction === 'h' ? shape[1] : shape[2]);

/** Normal random values drawn in the order x, filter, bias, pe, dy from `seed` (bias and pe on unless turned off). */
export function randomPaccCase(shape: Shape4, direction: PaccDirection, seed: number, opts: {bias?: boolean; pe?: boolean} = {}): PaccCase {
  const r = rng(seed);
  const L = paccLength(shape, direction), C = shape[3];
  const size = shape.reduce((a, b) => a * b);
  const x = r.normal(size), filter = r.normal(L * C), bias = r.normal(C), pe = r.normal(L * C), dy = r.normal(size);
  return {
    shape, direction, x, filter, dy,
    bias: opts.bias === false ? undefined : bias, pe: opts.pe === false ? undefined : pe,
  };
}

/**
 * Forward and the gradients through the public op on the current backend, read
 * back with dataSync. `make` may replace the x tensor (packed or sliced inputs).
 */
export function runPacc(c: PaccCase, make: (t: tf.Tensor4D) => tf.Tensor4D = (t) => t): PaccResult {
  return tf.tidy(() => {
    const L = paccLength(c.shape, c.direction), C = c.shape[3];
    const x = make(tf.tensor4d(c.x, c.shape));
    const filter = tf.tensor2d(c.filter, [L, C]);
    const bias = c.bias ? tf.tensor1d(c.bias) : undefined;
    const pe = c.pe ? tf.tensor2d(c.pe, [L, C]) : undefined;
    const dy = tf.tensor4d(c.dy, c.shape);
    const args = [x, filter, ...(bias ? [bias] : []), ...(pe ? [pe] : [])];
    const op = (a: tf.Tensor[]) => positionAwareCircularConv(a[0] as tf.Tensor4D, a[1] as tf.Tensor2D, {
      direction: c.direction, bias: bias ? a[2] as tf.Tensor1D : undefined,
      positionEmbedding: pe ? a[bias ? 3 : 2] as tf.Tensor2D : undefined,
    });
    const y = op(args);
    const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(op(a), dy)))(args);
    return {
      y: y.dataSync() as Float32Array, dx: g[0].dataSync() as Float32Array, dfilter: g[1].dataSync() as Float32Array,
      dbias: bias ? g[2].dataSync() as Float32Array : undefined, dpe: pe ? g[bias ? 3 : 2].dataSync() as Float32Array : undefined,
    };
  });
}

/** Compares a result with reference.ts (float64 loops) for the same case. */
export function expectPaccResultMatchesReference(
    out: PaccResult, c: PaccCase, tolerance: {fwd: number; grad: number} = {fwd: FWD_RTOL, grad: GRAD_RTOL}, what = '') {
  const s = {n: c.shape[0], h: c.shape[1], w: c.shape[2], c: c.shape[3]};
  const p = what ? `${what} ` : '';
  expectClose(out.y, paccForwardRef(c.x, s, c.filter, c.direction, c.bias, c.pe), tolerance.fwd, `${p}y`);
  const ref = paccBackwardRef(c.x, s, c.filter, c.direction, c.dy, c.pe);
  expectClose(out.dx, ref.dx, tolerance.grad, `${p}dx`);
  expectClose(out.dfilter, ref.dfilter, tolerance.grad, `${p}dfilter`);
  if (c.bias) expectClose(out.dbias!, ref.dbias, tolerance.grad, `${p}dbias`);
  if (c.pe) expectClose(out.dpe!, ref.dpe, tolerance.grad, `${p}dpe`);
}

/** runPacc + expectPaccResultMatchesReference: the op on the current backend equals reference.ts. */
export function expectPaccMatchesReference(
    c: PaccCase, opts: {what?: string; make?: (t: tf.Tensor4D) => tf.Tensor4D; tolerance?: {fwd: number; grad: number}} = {}) {
  expectPaccResultMatchesReference(runPacc(c, opts.make), c, opts.tolerance, opts.what ?? `x[${c.shape}] ${c.direction}`);
}

/**
 * The op's output feeding later ops on the GPU backends: pacc 'h', then pacc 'w'
 * on its output, then a stock relu, against the same chain of reference.ts.
 * `shape` must have H == W (both filters are [H, C]).
 */
export function expectChainMatchesReference(shape: Shape4, seed: number) {
  const r = rng(seed);
  const [N, H, W, C] = shape;
  const x = r.normal(N * H * W * C), f1 = r.normal(H * C), f2 = r.normal(W * C);
  const got = tf.tidy(() => {
    const a = positionAwareCircularConv(tf.tensor4d(x, shape), tf.tensor2d(f1, [H, C]), {direction: 'h'});
    const b = positionAwareCircularConv(a, tf.tensor2d(f2, [W, C]), {direction: 'w'});
    return tf.relu(b).dataSync();
  });
  const s = {n: N, h: H, w: W, c: C};
  const want = paccForwardRef(paccForwardRef(x, s, f1, 'h'), s, f2, 'w').map((v) => Math.max(v, 0));
  expectClose(got, want, FWD_RTOL, 'relu(pacc_w(pacc_h(x)))');
}

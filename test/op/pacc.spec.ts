// The shared spec of the PaCC op: every backend runs exactly these tests (node and browser suites).
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect} from 'vitest';
import {positionAwareCircularConv, resizeMetaKernel} from '../../src/index';
import {paccComposite} from '../../ops/pacc/composite';
import type {PaccDirection} from '../../ops/pacc/kernel_names';
import {resizeMetaKernelRef} from '../../ops/resize_meta_kernel/reference';
import {expectClose, relError, rng} from '../util/compare';
import {axisTensorToKC, FixtureCase, loadFixture, nchwToNhwc} from '../util/fixtures';
import {expectPaccResultMatchesReference, PaccCase as Case, runPacc as runOp} from '../util/pacc_check';
import {DEFAULT_TOLERANCE, Tolerance} from '../util/tolerances';
import {testOn} from '../skips';
import manifest from '../fixtures/index.json';

function randomCase(seed: number, opts: {maxN?: number; maxC?: number; maxS?: number} = {}): Case {
  const r = rng(seed);
  const shape: Case['shape'] = [r.int(1, opts.maxN ?? 3), r.int(1, opts.maxS ?? 33), r.int(1, opts.maxS ?? 33), r.int(1, opts.maxC ?? 40)];
  const direction: PaccDirection = r.next() < 0.5 ? 'h' : 'w';
  const L = direction === 'h' ? shape[1] : shape[2];
  const C = shape[3];
  const size = shape.reduce((a, b) => a * b);
  return {
    shape, direction, x: r.normal(size), filter: r.normal(L * C),
    bias: r.next() < 0.5 ? r.normal(C) : undefined, pe: r.next() < 0.5 ? r.normal(L * C) : undefined, dy: r.normal(size),
  };
}

const describeCase = (c: Case) =>
  `x[${c.shape}] ${c.direction}${c.bias ? ' bias' : ''}${c.pe ? ' pe' : ''}`;

/**
 * Optional per-run settings: `variant` names a configuration of the backend
 * (e.g. 'webgl-f16') for the describe title and the skip list; `tolerance`
 * overrides the default bounds of test/util/tolerances.ts (forward, gradients,
 * finite differences) for that run only.
 */
export interface PaccSpecOptions {
  variant?: string;
  tolerance?: Partial<Tolerance>;
}

/** Registers the spec for `backend`; fixtures come from test/util/fixtures.ts's readFixture (Node or page). */
export function paccOpSpec(backend: string, options: PaccSpecOptions = {}) {
  const {fwd: FWD_RTOL, grad: GRAD_RTOL, fd: FD_RTOL} = {...DEFAULT_TOLERANCE, ...options.tolerance};
  const label = options.variant ?? backend;
  const test = testOn(label);

  describe(`PositionAwareCircularConv on ${label}`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend), `backend ${backend} could not be initialised`).toBe(true);
      await tf.ready();
    });

    describe('PyTorch fixtures (op_*)', () => {
      for (const name of manifest.op) {
        test(name, async () => {
          const fx: FixtureCase = await loadFixture(name);
          const t = fx.tensors;
          const x = nchwToNhwc(t.x);
          const c: Case = {
            shape: x.shape as Case['shape'], direction: String(fx.attrs.direction).toLowerCase() as PaccDirection,
            x: x.data, filter: axisTensorToKC(t.weight).data, bias: t.bias?.data,
            pe: t.pe ? axisTensorToKC(t.pe).data : undefined, dy: nchwToNhwc(t.dy).data,
          };
          const out = runOp(c);
          expectClose(out.y, nchwToNhwc(t.y).data, FWD_RTOL, `${name} y`);
          expectClose(out.dx, nchwToNhwc(t.dx).data, GRAD_RTOL, `${name} dx`);
          expectClose(out.dfilter, axisTensorToKC(t.dweight).data, GRAD_RTOL, `${name} dfilter`);
          if (t.bias) expectClose(out.dbias!, t.dbias.data, GRAD_RTOL, `${name} dbias`);
          if (t.pe) expectClose(out.dpe!, axisTensorToKC(t.dpe).data, GRAD_RTOL, `${name} dpe`);
        });
      }
    });

    describe('PyTorch fixtures with instance kernels (opinst_*)', () => {
      for (const name of manifest.opinst) {
        test(name, async () => {
          const fx = await loadFixture(name);
          const t = fx.tensors;
          const method = fx.attrs.instance_kernel_method === 'crop' ? 'crop' : 'bilinear';
          const S = fx.attrs.feature_size as number;
          const direction = String(fx.attrs.direction).toLowerCase() as PaccDirection;
          const xs = nchwToNhwc(t.x);
          const metaW = axisTensorToKC(t.meta_weight), metaPe = axisTensorToKC(t.meta_pe);
          const got = tf.tidy(() => {
            const x = tf.tensor4d(xs.data, xs.shape as Case['shape']);
            const dy = tf.tensor4d(nchwToNhwc(t.dy).data, xs.shape as Case['shape']);
            const f = (x: tf.Tensor, mw: tf.Tensor, b: tf.Tensor, mp: tf.Tensor) => positionAwareCircularConv(
                x as tf.Tensor4D, resizeMetaKernel(mw as tf.Tensor2D, S, method),
                {direction, bias: b as tf.Tensor1D, positionEmbedding: resizeMetaKernel(mp as tf.Tensor2D, S, method)});
            const args = [x, tf.tensor2d(metaW.data, metaW.shape as [number, number]), tf.tensor1d(t.bias.data),
              tf.tensor2d(metaPe.data, metaPe.shape as [number, number])];
            const y = f(args[0], args[1], args[2], args[3]);
            const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, b, c, d), dy)))(args);
            return {y: y.dataSync(), g: g.map((t) => t.dataSync())};
          });
          expectClose(got.y, nchwToNhwc(t.y).data, FWD_RTOL, `${name} y`);
          expectClose(got.g[0], nchwToNhwc(t.dx).data, GRAD_RTOL, `${name} dx`);
          expectClose(got.g[1], axisTensorToKC(t.dmeta_weight).data, GRAD_RTOL, `${name} dmeta_weight`);
          expectClose(got.g[2], t.dbias.data, GRAD_RTOL, `${name} dbias`);
          expectClose(got.g[3], axisTensorToKC(t.dmeta_pe).data, GRAD_RTOL, `${name} dmeta_pe`);
          // The instance tensors themselves, against the official ones and our reference.
          const inst = tf.tidy(() => resizeMetaKernel(tf.tensor2d(metaW.data, metaW.shape as [number, number]), S, method).dataSync());
          expectClose(inst, axisTensorToKC(t.weight_instance).data, FWD_RTOL, `${name} weight_instance`);
          expectClose(inst, resizeMetaKernelRef(metaW.data, metaW.shape[0], metaW.shape[1], S, method), FWD_RTOL, `${name} reference`);
        });
      }
    });

    describe('random cases against reference.ts', () => {
      for (let seed = 1; seed <= 24; seed++) {
        const c = randomCase(seed);
        test(`seed ${seed}: ${describeCase(c)}`, () => {
          expectPaccResultMatchesReference(runOp(c), c, {fwd: FWD_RTOL, grad: GRAD_RTOL});
        });
      }
    });

    describe('random cases against composite.ts', () => {
      for (let seed = 101; seed <= 108; seed++) {
        const c = randomCase(seed, {maxC: 16, maxS: 20});
        test(`seed ${seed}: ${describeCase(c)}`, () => {
          const [native, composite] = tf.tidy(() => {
            const [, H, W, C] = c.shape;
            const L = c.direction === 'h' ? H : W;
            const x = tf.tensor4d(c.x, c.shape), f = tf.tensor2d(c.filter, [L, C]);
            const b = c.bias ? tf.tensor1d(c.bias) : undefined, pe = c.pe ? tf.tensor2d(c.pe, [L, C]) : undefined;
            return [positionAwareCircularConv(x, f, {direction: c.direction, bias: b, positionEmbedding: pe}).dataSync(),
              paccComposite(x, f, c.direction, b, pe).dataSync()];
          });
          expectClose(native, composite, FWD_RTOL, 'native vs composite');
        });
      }
    });

    describe('finite differences', () => {
      // Loss sum(y² · dy) is quadratic in every input, so central differences are
      // exact up to rounding: any mismatch is a wrong gradient, not truncation.
      for (const [shape, direction] of [[[1, 3, 4, 2], 'h'], [[2, 3, 2, 3], 'w'], [[1, 1, 5, 1], 'w'], [[1, 2, 1, 2], 'h']] as const) {
        test(`x[${shape}] ${direction}`, () => {
          const r = rng(7 + shape[1] * 10 + shape[2]);
          const [, H, W, C] = shape;
          const L = direction === 'h' ? H : W;
          const size = (shape as readonly number[]).reduce((a, b) => a * b, 1);
          const inputs = [r.normal(size), r.normal(L * C), r.normal(C), r.normal(L * C)];
          const shapes = [shape as unknown as number[], [L, C], [C], [L, C]];
          const dyv = r.normal(size);
          const loss = (...a: tf.Tensor[]) => {
            const y = positionAwareCircularConv(a[0] as tf.Tensor4D, a[1] as tf.Tensor2D,
                {direction, bias: a[2] as tf.Tensor1D, positionEmbedding: a[3] as tf.Tensor2D});
            return tf.sum(tf.mul(tf.square(y), tf.tensor(dyv, shape as unknown as number[])));
          };
          const analytic = tf.tidy(() => tf.grads(loss)(inputs.map((v, i) => tf.tensor(v, shapes[i]))).map((g) => g.dataSync()));
          const evalLoss = (vals: Float32Array[]) =>
            tf.tidy(() => loss(...vals.map((v, i) => tf.tensor(v, shapes[i]))).dataSync()[0]);
          const eps = 1e-2;
          for (let a = 0; a < 4; a++) {
            const numeric = new Float64Array(inputs[a].length);
            for (let e = 0; e < inputs[a].length; e++) {
              const plus = inputs.map((v) => v.slice()), minus = inputs.map((v) => v.slice());
              plus[a][e] += eps; minus[a][e] -= eps;
              numeric[e] = (evalLoss(plus) - evalLoss(minus)) / (2 * eps);
            }
            expect(relError(analytic[a], numeric), `input ${['x', 'filter', 'bias', 'pe'][a]}`).toBeLessThan(FD_RTOL);
          }
        });
      }
    });

    describe('memory', () => {
      test('no tensors leak across forward and backward', () => {
        const c = randomCase(555, {maxS: 9, maxC: 8});
        c.bias = c.bias ?? rng(1).normal(c.shape[3]);
        runOp(c); // warm-up: first calls may create cached tensors
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) runOp(c);
        const x = tf.tensor4d(c.x, c.shape);
        const L = c.direction === 'h' ? c.shape[1] : c.shape[2];
        const f = tf.tensor2d(c.filter, [L, c.shape[3]]);
        positionAwareCircularConv(x, f, {direction: c.direction}).dispose();
        x.dispose(); f.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    });

    describe('bad input', () => {
      const x = () => tf.zeros([2, 5, 4, 3]) as tf.Tensor4D;
      const cases: [string, () => unknown, RegExp[]][] = [
        ['x of rank 3', () => positionAwareCircularConv(tf.zeros([5, 4, 3]) as never, tf.zeros([5, 3]) as tf.Tensor2D, {direction: 'h'}),
          [/'x'/, /\[5,4,3\]/]],
        ['int32 x', () => positionAwareCircularConv(tf.zeros([2, 5, 4, 3], 'int32') as tf.Tensor4D, tf.zeros([5, 3]) as tf.Tensor2D, {direction: 'h'}),
          [/'x'/, /int32/, /\[2,5,4,3\]/]],
        ['filter length != H', () => positionAwareCircularConv(x(), tf.zeros([4, 3]) as tf.Tensor2D, {direction: 'h'}),
          [/'filter'/, /\[2,5,4,3\]/, /\[4,3\]/]],
        ['filter length != W', () => positionAwareCircularConv(x(), tf.zeros([5, 3]) as tf.Tensor2D, {direction: 'W'}),
          [/'filter'/, /\[2,5,4,3\]/, /\[5,3\]/]],
        ['filter channels', () => positionAwareCircularConv(x(), tf.zeros([5, 2]) as tf.Tensor2D, {direction: 'h'}),
          [/'filter'/, /\[5,2\]/, /\[2,5,4,3\]/]],
        ['bias channels', () => positionAwareCircularConv(x(), tf.zeros([5, 3]) as tf.Tensor2D, {direction: 'h', bias: tf.zeros([4]) as tf.Tensor1D}),
          [/'bias'/, /\[4\]/, /\[2,5,4,3\]/]],
        ['pe shape', () => positionAwareCircularConv(x(), tf.zeros([5, 3]) as tf.Tensor2D, {direction: 'h', positionEmbedding: tf.zeros([4, 3]) as tf.Tensor2D}),
          [/'positionEmbedding'/, /\[4,3\]/, /\[2,5,4,3\]/]],
        ['unknown direction', () => positionAwareCircularConv(x(), tf.zeros([5, 3]) as tf.Tensor2D, {direction: 'z' as never}),
          [/'direction'/, /"z"/, /\[2,5,4,3\]/]],
        ['empty axis', () => positionAwareCircularConv(tf.zeros([1, 0, 4, 3]) as tf.Tensor4D, tf.zeros([0, 3]) as tf.Tensor2D, {direction: 'h'}),
          [/'x'/, /empty/, /\[1,0,4,3\]/]],
        ['missing options', () => positionAwareCircularConv(x(), tf.zeros([5, 3]) as tf.Tensor2D, undefined as never),
          [/'options'/]],
        ['resizeMetaKernel crop too long', () => resizeMetaKernel(tf.zeros([4, 3]) as tf.Tensor2D, 5, 'crop'),
          [/crop/, /length 5/, /\[4,3\]/]],
        ['resizeMetaKernel unknown method', () => resizeMetaKernel(tf.zeros([4, 3]) as tf.Tensor2D, 5, 'cubic' as never),
          [/'method'/, /cubic/]],
      ];
      for (const [name, fn, patterns] of cases) {
        test(name, () => {
          let err: unknown;
          tf.tidy(() => { try { fn(); } catch (e) { err = e; } });
          expect(err, 'expected an Error').toBeInstanceOf(Error);
          for (const p of patterns) expect((err as Error).message).toMatch(p);
        });
      }
    });
  });
}

// Op benchmark: native PaCC kernel vs the composite (concat + depthwiseConv2d) vs the reference, per backend.
import * as tf from '@tensorflow/tfjs-core';
import * as pacc from '../../src/index';
import {paccComposite} from '../../ops/pacc/composite';
import {paccBackwardRef, paccForwardRef} from '../../ops/pacc/reference';
import type {PaccDirection} from '../../ops/pacc/kernel_names';
import {progress, Suite, SuiteResult, timeit, Timing} from '../util';
import {estimateWasmSimdPeak, PEAK_METHOD} from '../wasm_peak';

export const BENCH_SHAPES: [number, number, number, number][] = [[1, 32, 32, 64], [1, 16, 16, 128], [1, 8, 8, 256], [8, 16, 16, 64]];

type Impl = 'native' | 'composite' | 'reference';

/** Builds the forward and forward+backward closures of one implementation. */
function closures(impl: Impl, shape: number[], direction: PaccDirection) {
  const [, H, W, C] = shape;
  const L = direction === 'h' ? H : W;
  const x = tf.randomNormal(shape as [number, number, number, number]), f = tf.randomNormal([L, C]) as tf.Tensor2D;
  const b = tf.randomNormal([C]) as tf.Tensor1D, pe = tf.randomNormal([L, C]) as tf.Tensor2D;
  const dy = tf.randomNormal(shape);
  const dispose = () => tf.dispose([x, f, b, pe, dy]);
  if (impl === 'reference') {
    const [xs, fs, bs, ps, ds] = [x, f, b, pe, dy].map((t) => t.dataSync());
    const s = {n: shape[0], h: H, w: W, c: C};
    return {
      fwd: () => { paccForwardRef(xs, s, fs, direction, bs, ps); },
      fwdBwd: () => { paccForwardRef(xs, s, fs, direction, bs, ps); paccBackwardRef(xs, s, fs, direction, ds, ps); },
      dispose,
    };
  }
  const op = (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => impl === 'native'
    ? pacc.positionAwareCircularConv(x as tf.Tensor4D, f as tf.Tensor2D, {direction, bias: b as tf.Tensor1D, positionEmbedding: pe as tf.Tensor2D})
    : paccComposite(x as tf.Tensor4D, f as tf.Tensor2D, direction, b as tf.Tensor1D, pe as tf.Tensor2D);
  const grads = tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => tf.sum(tf.mul(op(x, f, b, pe), dy)));
  return {
    fwd: () => tf.tidy(() => { op(x, f, b, pe).dataSync(); }),
    fwdBwd: () => tf.tidy(() => { for (const g of grads([x, f, b, pe])) g.dataSync(); }),
    dispose,
  };
}

async function measure(fn: () => void, quick: boolean): Promise<Timing | string> {
  try {
    return await timeit(fn, {warmup: quick ? 1 : 3, runs: quick ? 3 : 15});
  } catch (e) {
    return `n/a: ${(e as Error).message.split('\n')[0].slice(0, 60)}`;
  }
}

const ms = (t: Timing | string) => (typeof t === 'string' ? t : t.median.toFixed(3));
const ratio = (a: Timing | string, b: Timing | string) =>
  typeof a === 'string' || typeof b === 'string' ? 'n/a' : `${(b.median / a.median).toFixed(2)}×`;

/** Benchmarks every backend in `backends` that can be initialised here. */
export async function benchOps(backends: string[], quick: boolean): Promise<SuiteResult[]> {
  const results: SuiteResult[] = [];
  for (const backend of backends) {
    if (!(await tf.setBackend(backend).catch(() => false))) {
      results.push({title: `op on ${backend}`, headers: ['note'], rows: [[`backend ${backend} unavailable here`]]});
      continue;
    }
    const native = tf.getKernel(pacc.PositionAwareCircularConv, backend) != null;
    const rows: (string | number)[][] = [];
    for (const shape of BENCH_SHAPES) {
      for (const direction of ['h', 'w'] as PaccDirection[]) {
        progress(`${backend} [${shape}] ${direction}`);
        const t: Record<string, Record<Impl, Timing | string>> = {fwd: {} as never, fwdBwd: {} as never};
        for (const impl of ['native', 'composite', 'reference'] as Impl[]) {
          if (impl === 'reference' && backend !== 'cpu') { t.fwd[impl] = t.fwdBwd[impl] = '—'; continue; }
          const c = closures(impl, shape, direction);
          t.fwd[impl] = await measure(c.fwd, quick || impl === 'reference');
          t.fwdBwd[impl] = await measure(c.fwdBwd, quick || impl === 'reference');
          c.dispose();
        }
        const L = direction === 'h' ? shape[1] : shape[2];
        const gflops = typeof t.fwd.native === 'string' ? 'n/a'
          : (2 * shape.reduce((a, b) => a * b) * L / (t.fwd.native.median * 1e6)).toFixed(2);
        rows.push([`[${shape}] ${direction}`, ms(t.fwd.native), ms(t.fwd.composite), ms(t.fwd.reference), ratio(t.fwd.native, t.fwd.composite),
          ms(t.fwdBwd.native), ms(t.fwdBwd.composite), ms(t.fwdBwd.reference), ratio(t.fwdBwd.native, t.fwdBwd.composite), gflops]);
      }
    }
    results.push({
      title: `PositionAwareCircularConv on ${backend} (${native ? 'native kernel' : 'NO native kernel: "native" is the composite fallback'}), median ms`,
      headers: ['shape dir', 'fwd native', 'fwd composite', 'fwd reference', 'composite/native', 'f+b native', 'f+b composite', 'f+b reference', 'composite/native', 'GFLOP/s fwd'],
      rows,
      notes: ['fwd = forward with bias and pe, read back with dataSync; f+b = forward + gradients for x, filter, bias, pe. composite/native > 1 means the native kernel is faster.',
        ...(backend === 'wasm' ? [`wasm: single-thread wasm-SIMD peak estimate ${(await estimateWasmSimdPeak(quick)).toFixed(1)} GFLOP/s (${PEAK_METHOD}); ` +
          'GFLOP/s fwd above includes dispatch and readback; per-kernel numbers against the peak: --only wasm.'] : [])],
    });
  }
  return results;
}

export const opsSuite: Suite = ({quick}) => benchOps(['cpu', 'wasm'], quick);

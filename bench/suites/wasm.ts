// wasm kernel benchmark: per-kernel time and GFLOP/s against this machine's measured wasm-SIMD peak, and the fwd+bwd/fwd ratio.
import * as tf from '@tensorflow/tfjs-core';
import * as pacc from '../../src/index';
import type {PaccDirection} from '../../src/index';
import {PositionAwareCircularConvBackpropBiasPe} from '../../ops/pacc/kernel_names';
import {progress, Suite, SuiteResult, timeit} from '../util';
import {estimateWasmSimdPeak, PEAK_METHOD} from '../wasm_peak';
import {BENCH_SHAPES} from './ops';

/** Best per-call time of `fn` (ms): kernels are synchronous on wasm, so no readback is needed. */
function best(fn: () => void, trials: number, reps = 4): number {
  let b = Infinity;
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    b = Math.min(b, (performance.now() - t0) / reps);
  }
  return b;
}

export const wasmSuite: Suite = async ({quick}) => {
  if (!(await tf.setBackend('wasm').catch(() => false))) {
    return [{title: 'PaCC wasm kernels', headers: ['note'], rows: [['backend wasm unavailable here']]}];
  }
  progress('wasm peak estimate');
  const peak = await estimateWasmSimdPeak(quick);
  const trials = quick ? 5 : 25;
  const rows: (string | number)[][] = [];
  for (const shape of BENCH_SHAPES) {
    for (const direction of ['h', 'w'] as PaccDirection[]) {
      progress(`wasm kernels [${shape}] ${direction}`);
      const [, H, W, C] = shape;
      const L = direction === 'h' ? H : W;
      const x = tf.randomNormal(shape), f = tf.randomNormal([L, C]), b = tf.randomNormal([C]), pe = tf.randomNormal([L, C]);
      const dy = tf.randomNormal(shape);
      const kernel = (name: string, inputs: tf.NamedTensorMap, attrs: object) => () =>
        (tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor).dispose();
      const fwdK = kernel(pacc.PositionAwareCircularConv, {x, filter: f, bias: b, positionEmbedding: pe},
          {direction, hasBias: true, hasPositionEmbedding: true});
      const bpiK = kernel(pacc.PositionAwareCircularConvBackpropInput, {dy, filter: f}, {direction});
      const bpfK = kernel(pacc.PositionAwareCircularConvBackpropFilter, {x, dy, positionEmbedding: pe}, {direction, hasPositionEmbedding: true});
      const bbpK = () => tf.dispose(tf.engine().runKernel(PositionAwareCircularConvBackpropBiasPe, {dy, filter: f}, {direction}) as tf.Tensor[]);
      for (let i = 0; i < 30; i++) { fwdK(); bpiK(); bpfK(); bbpK(); } // past V8's baseline tier
      const fwd = best(fwdK, trials), bpi = best(bpiK, trials), bpf = best(bpfK, trials), bbp = best(bbpK, trials);
      // The op as users call it: forward read back, and tf.grads of sum(y·dy) for all four inputs.
      const op = (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => pacc.positionAwareCircularConv(
          x as tf.Tensor4D, f as tf.Tensor2D, {direction, bias: b as tf.Tensor1D, positionEmbedding: pe as tf.Tensor2D});
      const grads = tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor, pe: tf.Tensor) => tf.sum(tf.mul(op(x, f, b, pe), dy)));
      const runs = quick ? 3 : 15;
      const opFwd = (await timeit(() => tf.tidy(() => { op(x, f, b, pe).dataSync(); }), {runs})).median;
      const opFb = (await timeit(() => tf.tidy(() => { for (const g of grads([x, f, b, pe])) g.dataSync(); }), {runs})).median;
      tf.dispose([x, f, b, pe, dy]);
      const gflops = 2 * shape.reduce((a, v) => a * v) * L / (fwd * 1e6);
      rows.push([`[${shape}] ${direction}`, fwd.toFixed(4), bpi.toFixed(4), bpf.toFixed(4), bbp.toFixed(4), gflops.toFixed(1),
        `${(100 * gflops / peak).toFixed(0)}%`, `${((fwd + bpi + bpf + bbp) / fwd).toFixed(2)}×`,
        opFwd.toFixed(3), opFb.toFixed(3), `${(opFb / opFwd).toFixed(2)}×`]);
    }
  }
  const result: SuiteResult = {
    title: `PaCC wasm kernels (single thread; peak estimate ${peak.toFixed(1)} GFLOP/s), ms`,
    headers: ['shape dir', 'fwd kernel', 'bwd-input kernel', 'bwd-filter kernel', 'bwd-bias-pe kernel', 'GFLOP/s fwd', '% of peak',
      'kernels f+b / fwd', 'op fwd (median)', 'op f+b (median)', 'op f+b / fwd'],
    rows,
    notes: [
      `Peak estimate: ${peak.toFixed(1)} GFLOP/s = ${PEAK_METHOD}. Forward flops: 2·N·H·W·C·L.`,
      'Kernel columns: best per-call time of the bare kernel through runKernel (no readback), forward with bias and pe.',
      '"kernels f+b / fwd" = (forward + the three backprop kernels) / forward. "op" columns go through the public op with ' +
        'dataSync readback; op f+b is tf.grads of sum(y·dy) for x, filter, bias, pe, so it also pays tfjs-wasm\'s ' +
        'Multiply/Sum of the loss and its gradient, and readback of four gradients.',
    ],
  };
  return [result];
};

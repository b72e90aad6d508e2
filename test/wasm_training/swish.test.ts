// The fused swish on wasm: kernels against float64 references element by element (extremes, NaN, odd sizes), and tfjs-layers' swish activation patched on wasm only.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';
import {PaccSwish, PaccSwishGrad} from '../../ops/swish/kernel_names';
import {swish} from '../../ops/swish/op';
import {swishGradRef, swishRef} from '../../ops/swish/reference';
import {useFastWasmTrainingKernels} from '../../src/index';
import {expectClose, rng} from '../util/compare';
import {FWD_RTOL, GRAD_RTOL} from '../util/tolerances';

/**
 * Element-wise: |got − want| ≤ rtol·scale[i] + atol (scale defaults to |want|), NaN where want is NaN.
 * For the gradient the scale is the size of its terms, not of their sum: s + x·s·(1 − s) cancels
 * near x ≈ −1.28, where any float32 evaluation (tfjs's composition too) loses relative accuracy.
 */
function expectEach(got: Float32Array, want: Float64Array, rtol: number, atol: number, what: string, x: Float32Array,
    scale: ArrayLike<number> = want.map(Math.abs)) {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) {
      expect(got[i], `${what} at x = ${x[i]}`).toBeNaN();
      continue;
    }
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= rtol * scale[i] + atol)) {
      expect.fail(`${what} at x = ${x[i]}: got ${got[i]}, want ${want[i]} (error ${err.toExponential(2)})`);
    }
  }
}

const EXTREMES = [-200, -88, -87.5, -87, -40, -20, -10, -1, -1e-3, -1e-8, 0, -0, 1e-8, 1e-3, 1, 10, 20, 40, 87, 88, 200, 3.4e38, -3.4e38, NaN];

/** Values: the extremes, then normals of scale 6 (sigmoid's whole range), `n` in all. */
function values(n: number, seed: number): Float32Array {
  const r = rng(seed).normal(n).map((v) => v * 6);
  r.set(EXTREMES.slice(0, Math.min(n, EXTREMES.length)));
  return r;
}

function runKernel(name: string, inputs: Record<string, Float32Array>): Float32Array {
  return tf.tidy(() => {
    const t = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor1d(v)]));
    return (tf.engine().runKernel(name, t) as tf.Tensor).dataSync() as Float32Array;
  });
}

describe('fused swish on wasm', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('PaccSwish and PaccSwishGrad equal float64 swish element by element (extremes, NaN, sizes not a multiple of 4)', async () => {
    await tf.setBackend('wasm');
    for (const n of [1, 2, 3, 5, 7, 24, 25, 1001, 40_003]) {
      const x = values(n, n), dy = rng(n + 1).normal(n);
      const before = tf.memory().numTensors;
      // 3 float32 roundings in the vector exp and divide: a few ulps; tiny outputs near −88 are denormal-sized.
      expectEach(runKernel(PaccSwish, {x}), swishRef(x), 1e-6, 1e-37, `swish n=${n}`, x);
      const terms = Float64Array.from(x, (v, i) => {
        const sg = 1 / (1 + Math.exp(-v));
        return Math.abs(dy[i]) * (sg + Math.abs(v * sg * (1 - sg)));
      });
      expectEach(runKernel(PaccSwishGrad, {x, dy}), swishGradRef(x, dy), 2e-6, 1e-37, `swish gradient n=${n}`, x, terms);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it("tfjs-layers' swish activation runs the fused kernels on wasm and equals its own composition on cpu", async () => {
    const shape = [4, 9, 7, 13];
    const x = rng(3).normal(4 * 9 * 7 * 13).map((v) => v * 4), dy = rng(4).normal(x.length);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const layer = tf.layers.activation({activation: 'swish'});
      let kernels: string[] = [];
      const before = tf.memory().numTensors;
      const out = await tf.profile(() => tf.tidy(() => {
        const xt = tf.tensor(x, shape), dyt = tf.tensor(dy, shape);
        const [y, g] = [layer.apply(xt) as tf.Tensor, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a) as tf.Tensor, dyt)))(xt)];
        return [y.dataSync() as Float32Array, g.dataSync() as Float32Array];
      })).then((p) => { kernels = p.kernelNames; return p.result as unknown as Float32Array[]; });
      expect(tf.memory().numTensors, `${backend}: leaked tensors`).toBe(before);
      return {out, kernels};
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(cpu.kernels).toContain('Sigmoid');
    expect(wasm.kernels).toContain(PaccSwish);
    expect(wasm.kernels).toContain(PaccSwishGrad);
    expect(wasm.kernels).not.toContain('Sigmoid');
    expectClose(wasm.out[0], cpu.out[0], FWD_RTOL, 'swish forward, wasm fused vs cpu');
    expectClose(wasm.out[1], cpu.out[1], GRAD_RTOL, 'swish gradient, wasm fused vs cpu');
    expectClose(wasm.out[0], swishRef(x), FWD_RTOL, 'swish forward vs float64');
  });

  it('the swish op (used by optimizeForInference) is the fused kernel on wasm and the composition on cpu, with gradients', async () => {
    const x = rng(12).normal(1000).map((v) => v * 5), dy = rng(13).normal(1000);
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const p = await tf.profile(() => tf.tidy(() => {
        const xt = tf.tensor1d(x);
        return [swish(xt).dataSync(), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(swish(a), tf.tensor1d(dy))))(xt).dataSync()];
      }));
      const [y, g] = p.result as unknown as Float32Array[];
      expect(p.kernelNames.includes(PaccSwish), backend).toBe(backend === 'wasm');
      expectClose(y, swishRef(x), FWD_RTOL, `swish op on ${backend}`);
      expectClose(g, swishGradRef(x, dy), GRAD_RTOL, `swish op gradient on ${backend}`);
    }
    expect(() => swish([1, 2] as unknown as tf.Tensor)).toThrow(/swish: 'x' must be a tf.Tensor/);
  });

  it('is switched off and on with the other fast kernels; other alphas and dtypes keep the composition', async () => {
    await tf.setBackend('wasm');
    const kernelsOf = async (f: () => tf.Tensor) => (await tf.profile(() => tf.tidy(() => f().dataSync()))).kernelNames;
    const layer = tf.layers.activation({activation: 'swish'});
    const x = tf.tensor([[-2, -0.5, 0, 0.5, 2]]);
    expect(useFastWasmTrainingKernels(false)).not.toContain('swish activation');
    expect(await kernelsOf(() => layer.apply(x) as tf.Tensor)).toContain('Sigmoid');
    expect(useFastWasmTrainingKernels(true)).toContain('swish activation');
    expect(await kernelsOf(() => layer.apply(x) as tf.Tensor)).toEqual([PaccSwish]);
    // tfjs-layers' Swish takes an alpha (sigmoid(alpha·x)·x): only alpha 1 is fused.
    const swish = tf.serialization.SerializationMap.getMap().classNameMap.swish[0] as unknown as new () => {apply(x: tf.Tensor, a?: number): tf.Tensor};
    const alpha2 = await tf.tidy(() => new swish().apply(x, 2).dataSync());
    expectClose(alpha2, Array.from(x.dataSync(), (v) => v / (1 + Math.exp(-2 * v))), FWD_RTOL, 'swish alpha 2');
    x.dispose();
  });
});

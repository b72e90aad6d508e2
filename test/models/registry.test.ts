// Every registered model: unique names, derived name lists, exact parameter counts, forward (heavy ones: one small forward), gradients, fit, save/load and leaks.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {testOn} from '../skips';
import {expectPredictLeakFree, expectSaveLoadRoundTrip} from '../util/model_checks';

const {MODEL_REGISTRY} = pacc.models;
const size = (s: (number | null)[]) => s.reduce<number>((a, d) => a * (d ?? 0), 1);
const trainableCount = (m: tf.LayersModel) => m.trainableWeights.reduce((a, w) => a + size(w.shape), 0);
const SMALL = 64;
const CLASSES = 10;

describe('model registry: names', () => {
  it('names and aliases are unique (case-insensitive) and every alias resolves to its entry', () => {
    const all = MODEL_REGISTRY.flatMap((e) => [e.name, ...(e.aliases ?? [])].map((n) => n.toLowerCase()));
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
    for (const e of MODEL_REGISTRY) for (const n of [e.name, ...(e.aliases ?? [])]) expect(pacc.models.getModelEntry(n.toUpperCase())).toBe(e);
    expect(() => pacc.models.getModelEntry('no-such-net')).toThrow(/unknown model 'no-such-net'; known: paccnet-xs/);
  });

  it('converter arch names, CLI help and examples choices derive from the registry', async () => {
    const torch = MODEL_REGISTRY.filter((e) => e.torch).map((e) => e.name);
    expect(torch).toEqual(expect.arrayContaining(['paccnet-xs', 'paccnet-s', 'paccnet-h', 'mobilevit-xs', 'mobilevit-s']));
    expect(pacc.converters.TORCH_ARCHS).toEqual(torch);
    expect(pacc.models.modelNames({torch: true})).toEqual(torch);
    const {HELP} = await import('../../converters/cli_main');
    for (const n of torch) expect(HELP).toContain(n);
    const {MODEL_NAMES} = await import('../../examples/shared/models');
    for (const e of MODEL_REGISTRY.filter((m) => m.task === 'classification')) expect(MODEL_NAMES).toEqual(expect.arrayContaining([e.name, ...(e.aliases ?? [])]));
  });

  it('registerModel refuses a name or alias another entry has', () => {
    const e = MODEL_REGISTRY[0];
    expect(() => pacc.models.registerModel({...e, name: 'another-net', aliases: [e.name.toUpperCase()]})).toThrow(/already registered/);
    expect(MODEL_REGISTRY.some((m) => m.name === 'another-net')).toBe(false);
  });
});

describe('model registry: parameter counts', () => {
  beforeAll(() => tf.setBackend('cpu'));
  for (const entry of MODEL_REGISTRY) {
    it(`${entry.name}: ${entry.params.toLocaleString('en')} trainable parameters, unique weight names`, () => {
      const m = entry.build();
      expect(trainableCount(m)).toBe(entry.params);
      const names = m.weights.map((w) => w.originalName);
      expect(new Set(names).size).toBe(names.length);
      m.dispose();
    });
  }
});

// 32×32 (the last stage is 1×1): the forward runs every layer at a fraction of the cost.
const HEAVY_SIZE = 32;
describe('heavy models: one small forward each (wasm)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });
  for (const entry of MODEL_REGISTRY.filter((e) => e.heavy && e.task === 'classification')) {
    it(`${entry.name}: logits of shape [1, ${CLASSES}], finite, at ${HEAVY_SIZE}×${HEAVY_SIZE}; no leaks`, () => {
      const m = entry.build({numClasses: CLASSES, inputShape: [HEAVY_SIZE, HEAVY_SIZE, entry.defaultInput[2]]});
      const before = tf.memory().numTensors;
      const y = tf.tidy(() => m.predict(tf.randomUniform([1, HEAVY_SIZE, HEAVY_SIZE, entry.defaultInput[2]])) as tf.Tensor);
      expect(y.shape).toEqual([1, CLASSES]);
      const v = y.dataSync();
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(0);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    }, 120_000);
  }
});

for (const backend of ['cpu', 'wasm']) {
  /** `it`, or a skip that says why when test/skips.ts names this test for the backend. */
  const test = testOn(backend);
  for (const entry of MODEL_REGISTRY.filter((e) => !e.heavy && e.task === 'classification')) {
    describe(`${entry.name} on ${backend}`, () => {
      let model: tf.LayersModel;
      beforeAll(async () => {
        expect(await tf.setBackend(backend)).toBe(true);
        model = entry.build({numClasses: CLASSES, inputShape: [null, null, 3]});
      });
      afterAll(() => model?.dispose());

      test(`forward: shape and finite logits at ${SMALL}×${SMALL} and 32×32`, () => {
        for (const s of [SMALL, 32]) {
          const y = tf.tidy(() => model.predict(tf.randomUniform([2, s, s, 3])) as tf.Tensor);
          expect(y.shape).toEqual([2, CLASSES]);
          const v = y.dataSync();
          expect(v.every(Number.isFinite)).toBe(true);
          expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(0);
          y.dispose();
        }
      });

      test('leaks: predict keeps tf.memory().numTensors stable', () => {
        const x = tf.randomUniform([1, 32, 32, 3]);
        expectPredictLeakFree(model, x);
        x.dispose();
      });

      test('gradients: every trainable weight gets a finite, non-zero gradient', () => {
        // 64×64 so the last stage is 2×2: at 1×1 a pe added before a training-mode BN is exactly
        // cancelled by the batch mean (zero gradient, as in PyTorch). Inference mode and batch 1
        // keep the cpu backward affordable; fit below covers the training-mode path.
        const x = tf.randomUniform([1, SMALL, SMALL, 3]);
        const w = tf.randomNormal([1, CLASSES]);
        const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
        const {value, grads} = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, {training: false}) as tf.Tensor, w)) as tf.Scalar, vars);
        const bad: string[] = [];
        for (const v of model.trainableWeights) {
          const g = grads[(v.read() as tf.Variable).name];
          const d = g?.dataSync();
          if (!d || !d.every(Number.isFinite) || !d.some((e) => e !== 0)) bad.push(v.originalName);
        }
        tf.dispose([x, w, value, ...Object.values(grads)]);
        expect(bad, 'weights without a finite non-zero gradient').toEqual([]);
      }, 300_000);

      test('fit: a few steps on random data change the loss, without leaks per step', async () => {
        const m = entry.build({numClasses: CLASSES, inputShape: [32, 32, 3]});
        m.compile({optimizer: tf.train.adam(1e-3), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp)});
        // Batch 2 at 32×32: tfjs-backend-cpu's Conv2DBackpropFilter is a slow scalar loop.
        const x = tf.randomUniform([2, 32, 32, 3]);
        const y = tf.oneHot(tf.tensor1d([0, 1], 'int32'), CLASSES);
        const losses: number[] = [];
        const counts: number[] = [];
        for (let i = 0; i < 6; i++) {
          losses.push(await m.trainOnBatch(x, y) as number);
          counts.push(tf.memory().numTensors);
        }
        expect(losses.every(Number.isFinite)).toBe(true);
        expect(new Set(losses).size).toBeGreaterThan(1);
        // Dropout and batch-2 BN make single steps noisy; a few steps in, the loss is below the start.
        expect(Math.min(...losses.slice(3)), `losses ${losses.map((l) => l.toFixed(3))}`).toBeLessThan(losses[0]);
        // The first step creates the optimizer's slots; after that every step is leak-free.
        expect(counts[5]).toBe(counts[1]);
        tf.dispose([x, y]);
        m.dispose();
      }, 300_000);

      test('save/load: memory and file-system round trips give identical outputs', async () => {
        const x = tf.randomUniform([1, 32, 32, 3]);
        try {
          await expectSaveLoadRoundTrip(model, x);
        } finally {
          x.dispose();
        }
      }, 300_000);
    });
  }
}

// Short seeded soak (npm run soak runs the long one): predict and training loops on cpu and wasm, and repeated conversions, leave tensor counts and the wasm heap where warm-up left them.
import * as tf from '@tensorflow/tfjs-core';
import {describe, expect, it} from 'vitest';
import {soakConvert, soakPredict, soakTrain} from '../../scripts/soak/soak';

// cpu gets fewer iterations: tfjs-backend-cpu's Conv2DBackpropFilter is a scalar loop (seconds per step); 3 steps = 2 warm-up + 1 checked.
for (const [backend, predicts, steps] of [['cpu', 20, 3], ['wasm', 40, 15]] as const) {
  describe(`soak on ${backend}`, () => {
    it(`${predicts} predict calls: tensors and wasm heap constant after warm-up`, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const r = await soakPredict(predicts);
      expect(new Set(r.samples.tensors), 'tensor counts').toEqual(new Set([r.tensors[0]]));
      expect(r.heap[1], 'wasm heap bytes').toBe(r.heap[0]);
    }, 60_000);

    it(`${steps} training steps: tensors and wasm heap constant after 2 warm-up steps`, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const before = tf.memory().numTensors;
      const r = await soakTrain(steps, 2, 2);
      expect(new Set(r.samples.tensors), 'tensor counts').toEqual(new Set([r.tensors[0]]));
      expect(r.heap[1], 'wasm heap bytes').toBe(r.heap[0]);
      expect(tf.memory().numTensors, 'after the model and optimizer are disposed').toBe(before);
    }, 120_000);
  });
}

describe('soak: conversions', () => {
  it('4 conversions of the EdgeFormer-XS checkpoint leave no tensors behind', async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    const before = tf.memory().numTensors;
    const r = await soakConvert(4, 'test/fixtures/edgeformer_xs.pt', 'paccnet-xs');
    expect(r.tensors, 'tensor counts after warm-up and at the end').toEqual([before, before]);
  }, 120_000);
});

// Helpers of the surgery tests: fixture loading, weight snapshots, parameter counts.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {expect} from 'vitest';
import {readFixtureText} from '../util/fixtures';

/** A Keras model.json of test/fixtures/models/. */
export const readModelJson = async (file: string) => JSON.parse(await readFixtureText(`models/${file}`)) as {[k: string]: unknown};

/** Every weight value of a model, by variable name, as plain bytes (for bitwise comparisons). */
export function snapshot(model: LayersModel): Map<string, Uint8Array> {
  return new Map(model.weights.map((w) => [w.originalName, new Uint8Array((w.read().dataSync() as Float32Array).slice().buffer)]));
}

export function bitwiseEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export const trainableParams = (m: LayersModel) => m.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

/** Layer (class name, weight shapes) by name, nested models flattened. */
export function structure(m: LayersModel): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (model: LayersModel) => {
    for (const l of model.layers) {
      if ('layers' in l) walk(l as unknown as LayersModel);
      else out.set(l.name, `${l.getClassName()} ${JSON.stringify(l.weights.map((w) => w.shape))}`);
    }
  };
  walk(m);
  return out;
}

export async function useCpu() {
  await tf.setBackend('cpu');
}

export {seeded} from '../util/compare';

/**
 * `steps` plain SGD steps on one batch (trainOnBatch: no shuffling, no Adam sign-like first
 * steps). Returns the loss each step computed (before its update), in training mode; with a
 * small enough rate each must be lower than the one before, which is what gradient descent on
 * a fixed batch promises. Also checks that tf.memory().numTensors is the same after every step
 * from the second on, and after a predict.
 */
export async function sgdSteps(model: LayersModel, xs: tf.Tensor, ys: tf.Tensor, steps: number, lr: number): Promise<number[]> {
  model.compile({optimizer: tf.train.sgd(lr), loss: 'categoricalCrossentropy'});
  const losses: number[] = [];
  let n1 = 0;
  for (let s = 0; s < steps; s++) {
    losses.push(await model.trainOnBatch(xs, ys) as number);
    if (s === 0) n1 = tf.memory().numTensors;
    else expect(tf.memory().numTensors, `tensors after step ${s + 1}`).toBe(n1);
  }
  (model.predict(xs) as tf.Tensor).dispose();
  expect(tf.memory().numTensors, 'tensors after predict').toBe(n1);
  (model.optimizer as tf.Optimizer).dispose();
  return losses;
}

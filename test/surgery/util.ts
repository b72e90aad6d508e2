// Helpers of the surgery tests: fixture loading, weight snapshots, parameter counts.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const dir = fileURLToPath(new URL('../fixtures/models/', import.meta.url));

export const readModelJson = (file: string) => JSON.parse(readFileSync(dir + file, 'utf8')) as {[k: string]: unknown};

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

// Model checks shared by the Node model suites: artifacts in memory, the memory + pacc.io.fileSystem round trip, predict without leaks.
import * as tf from '@tensorflow/tfjs-core';
import {LayersModel, loadLayersModel} from '@tensorflow/tfjs-layers';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'vitest';
import {fileSystem} from '../../src/io/index';

/** What `model.save` writes (topology, weight specs and bytes), kept in memory. */
export async function saveToMemory(model: LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  return saved!;
}

const outputsOf = (y: tf.Tensor | tf.Tensor[]) => (Array.isArray(y) ? y : [y]);

/**
 * Saves `model` to memory and to a temporary folder through pacc.io.fileSystem, loads both back
 * and expects outputs on `x` identical to the model's (every output, bit for bit) and the same
 * weight names in the same order. Disposes what it loaded; returns the in-memory artifacts.
 */
export async function expectSaveLoadRoundTrip(model: LayersModel, x: tf.Tensor, tmpPrefix = 'pacc-io-'): Promise<tf.io.ModelArtifacts> {
  const want = outputsOf(model.predict(x) as tf.Tensor | tf.Tensor[]);
  const saved = await saveToMemory(model);
  const dir = await mkdtemp(join(tmpdir(), tmpPrefix));
  const loaded: [string, LayersModel][] = [];
  try {
    loaded.push(['memory', await loadLayersModel(tf.io.fromMemory(saved))]);
    await model.save(fileSystem(dir));
    loaded.push(['file system', await loadLayersModel(fileSystem(join(dir, 'model.json')))]);
    for (const [what, m] of loaded) {
      const got = outputsOf(m.predict(x) as tf.Tensor | tf.Tensor[]);
      expect(got.length, what).toBe(want.length);
      got.forEach((g, i) => expect(Array.from(g.dataSync()), `${what}, output ${i}`).toEqual(Array.from(want[i].dataSync())));
      expect(m.weights.map((w) => w.originalName), what).toEqual(model.weights.map((w) => w.originalName));
      tf.dispose(got);
    }
  } finally {
    for (const [, m] of loaded) m.dispose();
    tf.dispose(want);
    await rm(dir, {recursive: true, force: true});
  }
  return saved;
}

/** Two predicts on `x` after a warm-up one leave tf.memory().numTensors where it was. */
export function expectPredictLeakFree(model: LayersModel, x: tf.Tensor): void {
  tf.dispose(model.predict(x) as tf.Tensor | tf.Tensor[]);
  const before = tf.memory().numTensors;
  tf.dispose(model.predict(x) as tf.Tensor | tf.Tensor[]);
  expect(tf.memory().numTensors).toBe(before);
}

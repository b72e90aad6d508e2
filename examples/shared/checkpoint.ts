// Training checkpoints on disk: the model (pacc.io.fileSystem), optimizer slots, EMA weights and progress, for --resume.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import * as pacc from '../../src/index';
import type {EpochStats} from './trainer';

export interface TrainState<H = EpochStats> { epoch: number; history: H[]; args: Record<string, unknown>; }

/** Checkpoints written before tf.io weight specs were used: names and shapes, float32 only. */
interface OldBlob { names: string[]; shapes: number[][]; }

/** Tensors as `<path>.json` (tf.io weight specs) and `<path>.bin` (tf.io.encodeWeights). */
async function writeTensors(path: string, named: {name: string; tensor: tf.Tensor}[]) {
  const {data, specs} = await tf.io.encodeWeights(named);
  writeFileSync(`${path}.json`, JSON.stringify(specs));
  writeFileSync(`${path}.bin`, new Uint8Array(data));
}

function readTensors(path: string): {name: string; tensor: tf.Tensor}[] {
  const meta: tf.io.WeightsManifestEntry[] | OldBlob = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
  const specs = Array.isArray(meta) ? meta : meta.names.map((name, i) => ({name, shape: meta.shapes[i], dtype: 'float32' as const}));
  const bytes = readFileSync(`${path}.bin`);
  const named = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), specs);
  return specs.map((s) => ({name: s.name, tensor: named[s.name]}));
}

/** File stem of optimizer `i` (several when parameter groups have their own learning rate). */
const optimizerFile = (dir: string, i: number) => (i === 0 ? `${dir}/optimizer` : `${dir}/optimizer_${i}`);

/**
 * Writes `<dir>/model`, `<dir>/optimizer.{json,bin}` (further optimizers: `optimizer_<i>.*`), `<dir>/ema.*`
 * and `<dir>/state.json` (state last, atomically).
 */
export async function saveCheckpoint<H = EpochStats>(dir: string, model: tfl.LayersModel, optimizer: tf.Optimizer | tf.Optimizer[], ema: tf.Tensor[] | undefined, state: TrainState<H>) {
  mkdirSync(dir, {recursive: true});
  await model.save(pacc.io.fileSystem(`${dir}/model`));
  const optimizers = Array.isArray(optimizer) ? optimizer : [optimizer];
  for (let i = 0; i < optimizers.length; i++) await writeTensors(optimizerFile(dir, i), await optimizers[i].getWeights());
  if (ema) await writeTensors(`${dir}/ema`, ema.map((t, i) => ({name: `ema_${i}`, tensor: t})));
  writeFileSync(`${dir}/state.json.tmp`, JSON.stringify(state, null, 1));
  renameSync(`${dir}/state.json.tmp`, `${dir}/state.json`);
}

export function hasCheckpoint(dir: string) { return existsSync(`${dir}/state.json`); }

/** Loads what saveCheckpoint wrote; the optimizer gets its slots back in variable order. */
export async function loadCheckpoint<H = EpochStats>(dir: string, optimizer: tf.Optimizer | tf.Optimizer[]) {
  const state: TrainState<H> = JSON.parse(readFileSync(`${dir}/state.json`, 'utf8'));
  const model = await tfl.loadLayersModel(pacc.io.fileSystem(`${dir}/model`));
  await loadOptimizers(dir, optimizer);
  const ema = existsSync(`${dir}/ema.json`) ? readTensors(`${dir}/ema`).map((e) => e.tensor) : undefined;
  return {state, model, ema};
}

/** Restores optimizer slots saved by saveCheckpoint (one file per optimizer, in the same order). */
export async function loadOptimizers(dir: string, optimizer: tf.Optimizer | tf.Optimizer[]) {
  const optimizers = Array.isArray(optimizer) ? optimizer : [optimizer];
  for (let i = 0; i < optimizers.length; i++) {
    if (!existsSync(`${optimizerFile(dir, i)}.json`)) throw new Error(`${dir}: checkpoint has no ${optimizerFile(dir, i)}.json (it was saved with fewer optimizers)`);
    await optimizers[i].setWeights(readTensors(optimizerFile(dir, i)));
  }
}

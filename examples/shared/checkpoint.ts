// Training checkpoints on disk: the model (pacc.io.fileSystem), optimizer slots, EMA weights and progress, for --resume.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import * as pacc from '../../src/index';
import type {EpochStats} from './trainer';

export interface TrainState { epoch: number; history: EpochStats[]; args: Record<string, unknown>; }

interface Blob { names: string[]; shapes: number[][]; }

async function writeTensors(path: string, named: {name: string; tensor: tf.Tensor}[]) {
  const meta: Blob = {names: [], shapes: []};
  const parts: Float32Array[] = [];
  for (const {name, tensor} of named) {
    meta.names.push(name);
    meta.shapes.push(tensor.shape);
    parts.push(Float32Array.from(await tensor.data()));
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const buf = new Float32Array(total);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  writeFileSync(`${path}.json`, JSON.stringify(meta));
  writeFileSync(`${path}.bin`, new Uint8Array(buf.buffer));
}

function readTensors(path: string): {name: string; tensor: tf.Tensor}[] {
  const meta: Blob = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
  const bytes = readFileSync(`${path}.bin`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let o = 0;
  return meta.names.map((name, i) => {
    const n = meta.shapes[i].reduce((a, b) => a * b, 1);
    const t = tf.tensor(all.subarray(o, o + n), meta.shapes[i]);
    o += n;
    return {name, tensor: t};
  });
}

/** Writes `<dir>/model`, `<dir>/optimizer.{json,bin}`, `<dir>/ema.*` and `<dir>/state.json` (state last, atomically). */
export async function saveCheckpoint(dir: string, model: tfl.LayersModel, optimizer: tf.Optimizer, ema: tf.Tensor[] | undefined, state: TrainState) {
  mkdirSync(dir, {recursive: true});
  await model.save(pacc.io.fileSystem(`${dir}/model`));
  await writeTensors(`${dir}/optimizer`, await optimizer.getWeights());
  if (ema) await writeTensors(`${dir}/ema`, ema.map((t, i) => ({name: `ema_${i}`, tensor: t})));
  writeFileSync(`${dir}/state.json.tmp`, JSON.stringify(state, null, 1));
  renameSync(`${dir}/state.json.tmp`, `${dir}/state.json`);
}

export function hasCheckpoint(dir: string) { return existsSync(`${dir}/state.json`); }

/** Loads what saveCheckpoint wrote; the optimizer gets its slots back in variable order. */
export async function loadCheckpoint(dir: string, optimizer: tf.Optimizer) {
  const state: TrainState = JSON.parse(readFileSync(`${dir}/state.json`, 'utf8'));
  const model = await tfl.loadLayersModel(pacc.io.fileSystem(`${dir}/model`));
  await optimizer.setWeights(readTensors(`${dir}/optimizer`));
  const ema = existsSync(`${dir}/ema.json`) ? readTensors(`${dir}/ema`).map((e) => e.tensor) : undefined;
  return {state, model, ema};
}

// Node writer of a tfjs LayersModel folder: model.json + sharded weights, optionally quantised (float16, uint16, uint8).
import {io} from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {mkdir, readdir, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {quantizeWeights, WeightQuantization} from './quantize';

export {float16Bits} from './quantize';

export interface SaveDirOptions {
  /**
   * Weight encoding: 'float16' halves the files, 'uint16' / 'uint8' (affine per weight, 0 exact)
   * halve / quarter them; tfjs dequantises to float32 on load (weightsManifest `quantization`).
   */
  dtype?: 'float32' | WeightQuantization;
  /** Shard size in bytes (default 4 MiB, like tensorflowjs_converter). */
  shardBytes?: number;
  /** Recorded as `convertedBy` in model.json. */
  convertedBy?: string;
}

export interface SaveDirResult { files: string[]; weightBytes: number; }

/**
 * Writes model artifacts into `dir` as the standard tfjs model folder
 * (`model.json` + `group1-shard{i}of{n}.bin`), loadable by `tf.loadLayersModel`
 * (with `pacc.io.fileSystem(dir)` in Node, or over http in browsers).
 */
export async function saveArtifactsToDir(artifacts: io.ModelArtifacts, dir: string, opts: SaveDirOptions = {}): Promise<SaveDirResult> {
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  if (!(shardBytes > 0)) throw new Error(`save: shardBytes must be positive, got ${shardBytes}`);
  if (artifacts.modelTopology == null || artifacts.modelTopology instanceof ArrayBuffer) throw new Error('save: expected a JSON model topology');
  const raw = artifacts.weightData == null ? new ArrayBuffer(0) : new io.CompositeArrayBuffer(artifacts.weightData).slice();
  let specs = artifacts.weightSpecs ?? [];
  let data: Uint8Array = new Uint8Array(raw);
  if (opts.dtype && opts.dtype !== 'float32') ({specs, data} = quantizeWeights(specs, raw, opts.dtype));
  const n = Math.max(1, Math.ceil(data.length / shardBytes));
  const paths = Array.from({length: n}, (_, i) => `group1-shard${i + 1}of${n}.bin`);
  await mkdir(dir, {recursive: true});
  // Shards of an earlier, larger conversion into the same folder would linger and mislead.
  for (const f of await readdir(dir)) {
    if (/^group1-shard\d+of\d+\.bin$/.test(f) && !paths.includes(f)) await rm(join(dir, f));
  }
  for (let i = 0; i < n; i++) await writeFile(join(dir, paths[i]), data.subarray(i * shardBytes, (i + 1) * shardBytes));
  const modelJSON: io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: opts.convertedBy ?? artifacts.convertedBy ?? null,
    weightsManifest: [{paths, weights: specs}],
  };
  if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJSON.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJSON));
  return {files: ['model.json', ...paths], weightBytes: data.length};
}

/** Saves `model` into `dir` with `saveArtifactsToDir`. */
export async function saveLayersModelToDir(model: LayersModel, dir: string, opts: SaveDirOptions = {}): Promise<SaveDirResult> {
  let result: SaveDirResult | undefined;
  await model.save(io.withSaveHandler(async (artifacts) => {
    result = await saveArtifactsToDir(artifacts, dir, opts);
    return {modelArtifactsInfo: io.getModelArtifactsInfoForJSON(artifacts)};
  }));
  return result!;
}

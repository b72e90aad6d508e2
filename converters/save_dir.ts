// Node writer of a tfjs LayersModel folder: model.json + sharded weights, optionally float16-quantised.
import {io} from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {mkdir, readdir, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

export interface SaveDirOptions {
  /** 'float16' halves the files; tfjs dequantises to float32 on load (`quantization: {dtype: 'float16'}`). */
  dtype?: 'float32' | 'float16';
  /** Shard size in bytes (default 4 MiB, like tensorflowjs_converter). */
  shardBytes?: number;
  /** Recorded as `convertedBy` in model.json. */
  convertedBy?: string;
}

export interface SaveDirResult { files: string[]; weightBytes: number; }

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even, with subnormals, infinities and NaN. */
export function float16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let v = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (v & 1))) v++;
    return sign | v;
  }
  let v = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (v & 1))) {
    v++;
    if (v === 0x400) { v = 0; e++; if (e >= 31) return sign | 0x7c00; }
  }
  return sign | (e << 10) | v;
}

/** Re-encodes float32 weights as float16 and marks their specs so tfjs dequantises them on load. */
function quantise(specs: io.WeightsManifestEntry[], data: ArrayBuffer): {specs: io.WeightsManifestEntry[]; data: Uint8Array} {
  const parts: Uint8Array[] = [];
  const out: io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = n * (spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : spec.dtype === 'bool' ? 1 : NaN);
    if (!Number.isFinite(bytes) || spec.quantization) throw new Error(`save: cannot quantise weight '${spec.name}' of dtype ${spec.dtype}`);
    const chunk = new Uint8Array(data, offset, bytes);
    offset += bytes;
    if (spec.dtype !== 'float32') { parts.push(chunk); out.push(spec); continue; }
    const src = new Float32Array(data.slice(chunk.byteOffset, chunk.byteOffset + bytes));
    const half = new Uint16Array(n);
    for (let i = 0; i < n; i++) half[i] = float16Bits(src[i]);
    parts.push(new Uint8Array(half.buffer));
    out.push({...spec, quantization: {dtype: 'float16'}});
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const merged = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { merged.set(p, at); at += p.length; }
  return {specs: out, data: merged};
}

/**
 * Saves `model` into `dir` as the standard tfjs layers-model folder
 * (`model.json` + `group1-shard{i}of{n}.bin`), loadable by `tf.loadLayersModel`
 * (with `pacc.io.fileSystem(dir)` in Node, or over http in browsers).
 */
export async function saveLayersModelToDir(model: LayersModel, dir: string, opts: SaveDirOptions = {}): Promise<SaveDirResult> {
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  if (!(shardBytes > 0)) throw new Error(`save: shardBytes must be positive, got ${shardBytes}`);
  let result: SaveDirResult | undefined;
  await model.save(io.withSaveHandler(async (artifacts) => {
    if (artifacts.modelTopology == null || artifacts.modelTopology instanceof ArrayBuffer) throw new Error('save: expected a layers-model JSON topology');
    const raw = artifacts.weightData == null ? new ArrayBuffer(0) : new io.CompositeArrayBuffer(artifacts.weightData).slice();
    let specs = artifacts.weightSpecs ?? [];
    let data: Uint8Array = new Uint8Array(raw);
    if (opts.dtype === 'float16') ({specs, data} = quantise(specs, raw));
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
    await writeFile(join(dir, 'model.json'), JSON.stringify(modelJSON));
    result = {files: ['model.json', ...paths], weightBytes: data.length};
    return {modelArtifactsInfo: io.getModelArtifactsInfoForJSON(artifacts)};
  }));
  return result!;
}

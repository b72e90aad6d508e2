// modelFromJSON: a LayersModel from a Keras 2 or Keras 3 converted model.json object, with its weights when given.
import * as tf from '@tensorflow/tfjs-core';
import {LayersModel, models} from '@tensorflow/tfjs-layers';
import '../layers/parc_split_conv';
import '../layers/layer_scale';
import '../layers/edgevit_global_sparse_attn';
import '../layers/normalization';
import {normaliseKerasTopology} from './keras3';
import {checkJsonText, checkJsonValue, checkManifest, checkTopology, modelError} from './validate_model_json';

type Json = {[key: string]: unknown};

/** Weight data: one buffer, or the shards in `weightsManifest` order. */
export type WeightData = ArrayBuffer | Uint8Array | (ArrayBuffer | Uint8Array)[];

const FN = 'modelFromJSON';

function toBuffer(data: WeightData): ArrayBuffer {
  const parts = (Array.isArray(data) ? data : [data]).map((p) => (p instanceof Uint8Array ? p : new Uint8Array(p)));
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out.buffer;
}

const BYTES: Record<string, number> = {float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2};

/**
 * Loads a Keras-converted tfjs `model.json` (the parsed object or its text): both
 * Keras 2 and Keras 3 exports (the latter are normalised first, see `io/keras3.ts`).
 * Without `weights` the weights are freshly initialised from the layer configs;
 * with `weights` (the shard contents concatenated in manifest order, or the list of
 * shards) they are loaded, and the byte count is checked against the manifest.
 *
 * Also accepts a bare `modelTopology` object (then `weights` needs `weightSpecs`
 * from a manifest, so is rejected).
 */
export async function modelFromJSON(modelJson: Json | string, weights?: WeightData, file = 'model.json'): Promise<LayersModel> {
  // The file is untrusted: size, depth, prototype keys, code-carrying layers and the graph are
  // checked before anything recursive (the normaliser, tfjs-layers) or any allocation runs.
  if (typeof modelJson === 'string') checkJsonText(modelJson, file);
  let json: Json;
  try {
    json = (typeof modelJson === 'string' ? JSON.parse(modelJson) : modelJson) as Json;
  } catch (e) {
    throw modelError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (json == null || typeof json !== 'object') throw new Error(`${FN}: argument 'modelJson' must be a model.json object or string, got ${json}`);
  checkJsonValue(json, file);
  const rawTopology = (json['modelTopology'] ?? (json['model_config'] || json['class_name'] ? json : null)) as Json | null;
  if (rawTopology == null) {
    throw new Error(`${FN}: argument 'modelJson' has no 'modelTopology' (keys: ${Object.keys(json).join(', ')}); pass a layers-model model.json`);
  }
  checkTopology(rawTopology, file);
  const {topology, renames} = normaliseKerasTopology(rawTopology);
  checkTopology(topology, file, true);
  if (weights == null) return build(topology, file);

  const manifest = json['weightsManifest'] as {weights: tf.io.WeightsManifestEntry[]}[] | undefined;
  if (!Array.isArray(manifest)) throw new Error(`${FN}: weights were given but 'modelJson' has no 'weightsManifest'`);
  const expected = checkManifest(manifest, file);
  const specs = manifest.flatMap((g) => g.weights).map((w) => {
    const r = renames.get(w.name);
    return r ? {...w, name: r.name, shape: r.shape ?? w.shape} : w;
  });
  // Sizes are compared before the shards are concatenated or any tensor is made.
  const given = (Array.isArray(weights) ? weights : [weights]).reduce((s, p) => s + p.byteLength, 0);
  if (given !== expected) {
    throw new Error(`${FN}(${file}): weight data has ${given} bytes but the manifest's ${specs.length} weights need ${expected}`);
  }
  const weightData = toBuffer(weights);
  const model = await build(topology, file);
  const named = tf.io.decodeWeights(weightData, specs);
  try {
    model.loadWeights(matchWeightNames(named, model), true);
  } catch (e) {
    tf.dispose(Object.values(named));
    model.dispose();
    throw e;
  }
  tf.dispose(Object.values(named));
  return model;
}

/**
 * tfjs-layers' own config errors (unknown class, bad option) get our prefix naming the file;
 * engine errors (TypeError, RangeError) stay as they are so the fuzzer still sees them as bugs.
 */
async function build(topology: unknown, file: string): Promise<LayersModel> {
  try {
    return await models.modelFromJSON({modelTopology: topology} as Parameters<typeof models.modelFromJSON>[0]);
  } catch (e) {
    // Sizes within the per-key caps can still multiply to more memory than exists (units × input
    // channels): the allocation fails with a RangeError that says so; anything else stays an engine error.
    if (e instanceof RangeError && /Invalid typed array length|Array buffer allocation failed|Invalid array length/.test(e.message)) {
      throw modelError(file, `the layer sizes in the file make weights too large to allocate (${e.message})`);
    }
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError) && !e.message.startsWith(FN)) {
      throw modelError(file, `tfjs-layers cannot build the model: ${e.message.split('\n')[0]}`);
    }
    throw e;
  }
}

/**
 * Maps manifest names onto the model's weight names. Exact names are kept; a layer whose
 * only weight is stored under another name (Keras 3 names un-named weights `variable`,
 * e.g. LayerScale's γ) is matched by its layer prefix when both sides have one weight.
 */
function matchWeightNames(named: tf.NamedTensorMap, model: LayersModel): tf.NamedTensorMap {
  const want = new Set(model.weights.map((w) => w.originalName));
  const prefix = (n: string) => n.slice(0, n.lastIndexOf('/'));
  const modelByLayer = new Map<string, string[]>();
  for (const n of want) modelByLayer.set(prefix(n), [...(modelByLayer.get(prefix(n)) ?? []), n]);
  const specByLayer = new Map<string, string[]>();
  for (const n of Object.keys(named)) specByLayer.set(prefix(n), [...(specByLayer.get(prefix(n)) ?? []), n]);
  const out: tf.NamedTensorMap = {};
  for (const [n, t] of Object.entries(named)) {
    const m = modelByLayer.get(prefix(n));
    if (!want.has(n) && m?.length === 1 && specByLayer.get(prefix(n))?.length === 1) out[m[0]] = t;
    else out[n] = t;
  }
  return out;
}

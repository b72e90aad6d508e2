// fileSystem(dir): a Node IOHandler for model.json + weights.bin that needs no tfjs-node; node:fs is imported lazily.
import * as tf from '@tensorflow/tfjs-core';

type IOHandler = tf.io.IOHandler;

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

async function nodeModules() {
  // Imported at call time only, so browser bundles that never save/load through this handler work.
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return {fs, path};
}

/** A stored weights buffer as one ArrayBuffer (tfjs may hand over several). */
function toSingleBuffer(data: tf.io.WeightData): ArrayBuffer {
  return new tf.io.CompositeArrayBuffer(data).slice();
}

/**
 * An IOHandler that saves a LayersModel as `<dir>/model.json` + `<dir>/weights.bin` (the layout of
 * tfjs-node's `file://` handler and tfjs-converter) and loads it back, using only `node:fs`:
 *
 * ```ts
 * await model.save(pacc.io.fileSystem('./my-model'));
 * const m = await tf.loadLayersModel(pacc.io.fileSystem('./my-model'));   // or './my-model/model.json'
 * ```
 *
 * `path` is a directory, or the path of a `.json` model file (its weight files are then looked up
 * beside it, as listed in its weightsManifest). Node only; in browsers use tfjs' own handlers.
 */
export function fileSystem(path: string): IOHandler {
  if (typeof path !== 'string' || path.length === 0) {
    throw new Error(`fileSystem: argument 'path' must be a non-empty directory or .json path, got ${JSON.stringify(path)}`);
  }
  const isJson = path.toLowerCase().endsWith('.json');

  const save = async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new Error('fileSystem: saving a binary (GraphDef) topology is not supported; save a LayersModel');
    }
    const {fs, path: p} = await nodeModules();
    const modelPath = isJson ? path : p.join(path, MODEL_FILE);
    const dir = p.dirname(modelPath);
    await fs.mkdir(dir, {recursive: true});
    const weightsManifest: tf.io.WeightsManifestConfig = [{paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? []}];
    const modelJSON: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      weightsManifest,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
    };
    if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
    if (artifacts.signature != null) modelJSON.signature = artifacts.signature;
    if (artifacts.userDefinedMetadata != null) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
    const weights = artifacts.weightData != null ? new Uint8Array(toSingleBuffer(artifacts.weightData)) : new Uint8Array(0);
    await fs.writeFile(p.join(dir, WEIGHTS_FILE), weights);
    await fs.writeFile(modelPath, JSON.stringify(modelJSON));
    return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
  };

  const load = async (): Promise<tf.io.ModelArtifacts> => {
    const {fs, path: p} = await nodeModules();
    const modelPath = isJson ? path : p.join(path, MODEL_FILE);
    let text: string;
    try {
      text = await fs.readFile(modelPath, 'utf8');
    } catch (e) {
      throw new Error(`fileSystem: cannot read the model file '${modelPath}': ${(e as Error).message}`);
    }
    const modelJSON = JSON.parse(text) as tf.io.ModelJSON;
    if (modelJSON.modelTopology == null && modelJSON.weightsManifest == null) {
      throw new Error(`fileSystem: '${modelPath}' has neither modelTopology nor weightsManifest`);
    }
    const dir = p.dirname(modelPath);
    return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const file of group.paths) {
          const b = await fs.readFile(p.join(dir, file));
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
      }
      return [specs, tf.io.concatenateArrayBuffers(buffers)];
    });
  };

  return {save, load};
}

// fileSystem(dir): a Node IOHandler for model.json + weights.bin that needs no tfjs-node; it imports no Node module (browser-safe).
import * as tf from '@tensorflow/tfjs-core';

type IOHandler = tf.io.IOHandler;

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/** The parts of node:fs/promises and node:path this handler uses. */
export interface NodeFs {
  fs: {
    mkdir(p: string, o: {recursive: true}): Promise<unknown>;
    readFile(p: string): Promise<Uint8Array>;
    readFile(p: string, enc: 'utf8'): Promise<string>;
    writeFile(p: string, data: Uint8Array | string): Promise<void>;
    realpath(p: string): Promise<string>;
  };
  path: {
    join(...p: string[]): string;
    dirname(p: string): string;
    resolve(...p: string[]): string;
    relative(from: string, to: string): string;
    isAbsolute(p: string): boolean;
    sep: string;
  };
}

let provided: NodeFs | null = null;

/** Called by the `tfjs-pacc/node` entry, which imports node:fs statically (works on every Node version). */
export function provideNodeFs(nodeFs: NodeFs): void {
  provided = nodeFs;
}

/**
 * node:fs without an import statement: bundlers then never see a Node built-in in the default entry
 * (docs/browser.md). process.getBuiltinModule exists from Node 20.16 / 22.3; older Nodes get the
 * modules from `tfjs-pacc/node`.
 */
function nodeModules(): NodeFs {
  if (provided != null) return provided;
  const proc = (globalThis as {process?: {getBuiltinModule?: (id: string) => unknown}}).process;
  if (typeof proc?.getBuiltinModule === 'function') {
    provided = {fs: proc.getBuiltinModule('fs/promises') as NodeFs['fs'], path: proc.getBuiltinModule('path') as NodeFs['path']};
    return provided;
  }
  throw new Error(
    `fileSystem: Node's file system is not available here. In Node >= 20.16 it works from 'tfjs-pacc'; on older Nodes ` +
    `import {fileSystem} from 'tfjs-pacc/node'. In browsers use tfjs' handlers (tf.io.browserFiles, a URL, 'indexeddb://').`);
}

/** A stored weights buffer as one ArrayBuffer (tfjs may hand over several). */
function toSingleBuffer(data: tf.io.WeightData): ArrayBuffer {
  return new tf.io.CompositeArrayBuffer(data).slice();
}

/**
 * The file a weightsManifest entry names, which must stay inside the model's folder: a model.json
 * from elsewhere could otherwise read any file the process can (`../../secret`, `/etc/passwd`, a
 * symlink pointing out). Throws naming the model file and the offending path.
 */
async function confinedWeightPath({fs, path: p}: NodeFs, modelPath: string, dir: string, file: unknown): Promise<string> {
  const bad = (why: string) => new Error(`fileSystem: weight path ${JSON.stringify(file)} in '${modelPath}' ${why}`);
  if (typeof file !== 'string' || file.length === 0) throw bad('must be a non-empty relative path');
  if (p.isAbsolute(file) || /^[a-zA-Z]:/.test(file) || file.startsWith('/') || file.startsWith('\\')) {
    throw bad('is absolute; weight files must be inside the model folder');
  }
  if (file.split(/[\\/]/).includes('..')) throw bad(`contains '..'; weight files must be inside the model folder`);
  const full = p.join(dir, file);
  let real: string;
  let realDir: string;
  try {
    [real, realDir] = await Promise.all([fs.realpath(full), fs.realpath(dir)]);
  } catch (e) {
    throw new Error(`fileSystem: cannot read weight file ${JSON.stringify(file)} listed in '${modelPath}': ${(e as Error).message}`);
  }
  const rel = p.relative(realDir, real);
  if (rel === '' || rel.startsWith('..') || p.isAbsolute(rel)) {
    throw bad(`resolves to '${real}', outside the model folder '${realDir}' (a symlink?)`);
  }
  return full;
}

/**
 * An IOHandler that saves a LayersModel as `<dir>/model.json` + `<dir>/weights.bin` (the layout of
 * tfjs-node's `file://` handler and tfjs-converter) and loads it back, using only Node's fs:
 *
 * ```ts
 * await model.save(pacc.io.fileSystem('./my-model'));
 * const m = await tf.loadLayersModel(pacc.io.fileSystem('./my-model'));   // or './my-model/model.json'
 * ```
 *
 * `path` is a directory, or the path of a `.json` model file (its weight files are then looked up
 * beside it, as listed in its weightsManifest; they must stay inside that folder). Node only; in
 * browsers use tfjs' own handlers.
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
    const {fs, path: p} = nodeModules();
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
    const nodeFs = nodeModules();
    const {fs, path: p} = nodeFs;
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
          const b = await fs.readFile(await confinedWeightPath(nodeFs, modelPath, dir, file));
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
      }
      return [specs, tf.io.concatenateArrayBuffers(buffers)];
    });
  };

  return {save, load};
}

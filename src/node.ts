// The `tfjs-pacc/node` entry: the whole public API plus the Node-only helpers (file-system IO handler, model-folder writer).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {provideNodeFs} from './io/file_system';

export * from './index';
export {fileSystem} from './io/file_system';
/** Writes a LayersModel as model.json + sharded (optionally quantised) weights: what `npx tfjs-pacc convert` writes. */
export {saveArtifactsToDir, saveLayersModelToDir} from '../converters/save_dir';
export type {SaveDirOptions, SaveDirResult} from '../converters/save_dir';

// Static imports work on every Node version; the default entry's fileSystem needs process.getBuiltinModule otherwise.
provideNodeFs({fs, path});

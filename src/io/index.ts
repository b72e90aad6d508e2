// The `pacc.io` namespace: model loading/saving helpers: the file-system IO handler and modelFromJSON.
export {fileSystem} from './file_system';
export {modelFromJSON} from './model_from_json';
export type {WeightData} from './model_from_json';

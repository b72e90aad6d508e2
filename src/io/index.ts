// The `pacc.io` namespace: model loading/saving helpers (file-system handler; more are added here).
export {fileSystem} from './file_system';
export {modelFromJSON} from './model_from_json';
export type {WeightData} from './model_from_json';

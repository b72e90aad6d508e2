// The `pacc.io` namespace: model loading/saving helpers.
export {modelFromJSON} from './model_from_json';
export type {WeightData} from './model_from_json';

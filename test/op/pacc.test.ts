// Node suite of the shared op spec: every backend available in Node runs it.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {paccOpSpec} from './pacc.spec';

for (const backend of ['cpu', 'wasm']) paccOpSpec(backend);

// Browser test setup: loads every backend into the page and points tfjs-backend-wasm at its .wasm files.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import {WASM_PATH} from '../../tools/browser/wasm_path';

// The dev server serves the project root, so node_modules is reachable by URL;
// the wasm backend picks the threaded SIMD binary when the page is isolated.
setWasmPaths(WASM_PATH);

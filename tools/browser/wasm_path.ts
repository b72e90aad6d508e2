// Where the dev server (root = the project) serves tfjs-backend-wasm's .wasm files; imported by pages, so no Node APIs here.
export const WASM_PATH = '/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/';

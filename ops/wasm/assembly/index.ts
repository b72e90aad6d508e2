// The single entry of our WebAssembly module: re-exports every kernel file under ops/wasm/assembly/.
export * from './pacc';
export * from './conv_backprop';
export * from './batch_norm';
export * from './swish';

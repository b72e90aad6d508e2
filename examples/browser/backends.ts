// Backend switching for the demo: webgl, wasm (threaded SIMD when the page is cross-origin isolated), cpu, and webgpu when the browser has it.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import * as pacc from '../../src/index';

// vite.config.ts copies tfjs-backend-wasm's .wasm files here, so the page works offline from its own files.
setWasmPaths(new URL('./wasm/', document.baseURI).href);

/** Backends offered by this browser; webgpu only when navigator.gpu exists (its backend is loaded on demand). */
export function availableBackends(): string[] {
  const list = ['webgl', 'wasm', 'cpu'];
  if ('gpu' in navigator) list.unshift('webgpu');
  return list;
}

/** Switches tfjs to `name` and returns a one-line description of what it runs on. */
export async function useBackend(name: string): Promise<string> {
  if (name === 'webgpu' && !tf.findBackendFactory('webgpu')) await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise in this browser`);
  await tf.ready();
  if (name === 'wasm') pacc.useFastWasmConv2DBackpropInput();
  if (name === 'wasm') return `wasm: ${crossOriginIsolated ? 'threaded SIMD' : 'SIMD, single thread (page not cross-origin isolated)'}`;
  if (name === 'webgl') return `webgl ${tf.env().getNumber('WEBGL_VERSION')}`;
  return name;
}

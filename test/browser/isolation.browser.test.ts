// The page itself: cross-origin isolated, so tfjs-backend-wasm runs its threaded SIMD build; webgl runs WebGL 2.
import * as tf from '@tensorflow/tfjs-core';
import {getThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import {describe, expect, it} from 'vitest';

describe('browser page', () => {
  it('is cross-origin isolated (COOP/COEP headers from the dev server)', () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    expect(typeof SharedArrayBuffer).toBe('function');
  });

  it('wasm loads the threaded SIMD binary from node_modules', async () => {
    expect(await tf.setBackend('wasm'), 'wasm backend (see setWasmPaths in setup.ts)').toBe(true);
    expect(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')).toBe(true);
    expect(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(true);
    const loaded = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm'));
    expect(loaded.some((n) => n.endsWith('tfjs-backend-wasm-threaded-simd.wasm')), `loaded: ${loaded.join(', ')}`).toBe(true);
    expect(getThreadsCount()).toBeGreaterThanOrEqual(1);
  });

  it('webgl is WebGL 2 with float32 render targets', async () => {
    expect(await tf.setBackend('webgl')).toBe(true);
    expect(tf.env().getNumber('WEBGL_VERSION')).toBe(2);
    expect(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')).toBe(true);
  });
});

// The benchmark page: first calls, the Node op table (per call, read each) and the queued table, for webgl, wasm and webgpu.
// It must not import bench/suites/*: those may use Node APIs; the runner passes the shapes in the URL.
import './process_shim';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import {WASM_PATH} from '../../tools/browser/wasm_path';
import {PACC_WEBGL_PACKED} from '../../ops/pacc/kernels/webgl';
import type {SuiteResult} from '../util';
import {firstCalls, perCallTable, queuedTable, Shape} from './suite';

setWasmPaths(WASM_PATH);

export interface PageOutcome { done: true; results?: SuiteResult[]; env?: Record<string, unknown>; error?: string; }

async function main(): Promise<PageOutcome> {
  const params = new URLSearchParams(location.search);
  const quick = params.get('quick') === '1';
  const backends = (params.get('backends') ?? 'webgl,wasm,webgpu').split(',');
  const shapes = JSON.parse(params.get('shapes') ?? '[]') as Shape[];
  if (params.get('unpacked') === '1') tf.env().set(PACC_WEBGL_PACKED, false);
  const results: SuiteResult[] = [];
  // First calls before anything else compiles a shader in this page.
  for (const b of backends) results.push(await firstCalls(b));
  for (const b of backends) results.push(await perCallTable(b, shapes, quick), await queuedTable(b, shapes, quick));
  await tf.setBackend('webgl');
  const gl = (tf.backend() as unknown as {gpgpu: {gl: WebGL2RenderingContext}}).gpgpu.gl;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return {
    done: true, results,
    env: {
      userAgent: navigator.userAgent, crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency,
      webglVersion: tf.env().getNumber('WEBGL_VERSION'), paccWebglPacked: tf.env().getBool(PACC_WEBGL_PACKED), float32Textures: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
      renderer: info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
    },
  };
}

const w = window as unknown as {__paccBench?: PageOutcome};
main().then((r) => { w.__paccBench = r; }, (e: unknown) => {
  w.__paccBench = {done: true, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e)};
});

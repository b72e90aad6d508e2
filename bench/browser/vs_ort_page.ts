// The vs-ort browser page: one thread count per page load; tfjs-wasm (threaded SIMD build under COOP/COEP) runs the optimised PaCC-Net against onnxruntime-web's wasm EP on the official ONNX export, interleaved.
import * as tf from '@tensorflow/tfjs-core';
import {getThreadsCount, setThreadsCount, setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import * as pacc from '../../src/index';
import {WASM_PATH} from '../../tools/browser/wasm_path';

export interface VsOrtRow { label: string; tfjs: number[]; ort: number[]; }
export interface VsOrtOutcome { done: true; rows?: VsOrtRow[]; env?: Record<string, unknown>; error?: string; }
/** What the runner passes in the URL (`?config=`): thread count, size, runs, and the models with their ONNX file URL. */
export interface VsOrtConfig { threads: number; size: number; warmup: number; runs: number; models: {label: string; model: string; onnxUrl: string}[]; }

interface OrtTensor { dispose(): void; }
interface OrtSession { inputNames: string[]; run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>; release(): Promise<void>; }
interface Ort {
  env: {wasm: {numThreads?: number; wasmPaths?: string; simd?: boolean}; versions?: {common?: string}};
  InferenceSession: {create(bytes: Uint8Array, opts: object): Promise<OrtSession>};
  Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown;
}

const log = (s: string) => console.log(`[bench] ${s}`);

async function main(): Promise<VsOrtOutcome> {
  const cfg = JSON.parse(new URLSearchParams(location.search).get('config') ?? '{}') as VsOrtConfig;
  const ort = (globalThis as unknown as {ort?: Ort}).ort;
  if (!ort) throw new Error('onnxruntime-web did not load (global ort missing): /__ort/ort.wasm.min.js');
  // Both thread counts are fixed before either runtime starts its wasm module (neither can change it later).
  setWasmPaths(WASM_PATH);
  setThreadsCount(cfg.threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  ort.env.wasm.numThreads = cfg.threads;
  ort.env.wasm.wasmPaths = '/__ort/';
  const rows: VsOrtRow[] = [];
  const S = cfg.size;
  for (const m of cfg.models) {
    log(`${m.label}: building, optimising, loading ${m.onnxUrl} (${cfg.threads} thread(s))`);
    const model = pacc.models.getModelEntry(m.model).build({inputShape: [S, S, 3]});
    const fast = pacc.optimizeForInference(model);
    model.dispose();
    const res = await fetch(m.onnxUrl);
    if (!res.ok) throw new Error(`${m.onnxUrl}: HTTP ${res.status}`);
    const session = await ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()), {executionProviders: ['wasm'], graphOptimizationLevel: 'all'});
    const x = tf.randomUniform([1, S, S, 3]);
    // The exports take NCHW: the same pixels, transposed.
    const nhwc = x.dataSync() as Float32Array, nchw = new Float32Array(nhwc.length), hw = S * S;
    for (let i = 0; i < hw; i++) for (let c = 0; c < 3; c++) nchw[c * hw + i] = nhwc[i * 3 + c];
    const input = new ort.Tensor('float32', nchw, [1, 3, S, S]);
    const runTfjs = async () => {
      const t0 = performance.now();
      tf.tidy(() => { (fast.predict(x) as tf.Tensor).dataSync(); });
      return performance.now() - t0;
    };
    const runOrt = async () => {
      const t0 = performance.now();
      const out = await session.run({[session.inputNames[0]]: input});
      const ms = performance.now() - t0;
      Object.values(out).forEach((t) => t.dispose());
      return ms;
    };
    for (let i = 0; i < cfg.warmup; i++) { await runTfjs(); await runOrt(); }
    const row: VsOrtRow = {label: m.label, tfjs: [], ort: []};
    for (let i = 0; i < cfg.runs; i++) {
      row.tfjs.push(await runTfjs());
      row.ort.push(await runOrt());
    }
    rows.push(row);
    log(`${m.label}: tfjs ${row.tfjs.map((t) => t.toFixed(0)).join(' ')} | ort ${row.ort.map((t) => t.toFixed(0)).join(' ')}`);
    await session.release();
    x.dispose();
    fast.dispose();
  }
  return {
    done: true, rows,
    env: {
      userAgent: navigator.userAgent, crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency,
      tfjsThreads: getThreadsCount(), tfjsMultithreadSupport: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      wasmLoaded: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')).map((n) => n.slice(n.lastIndexOf('/') + 1)).join(', '), ortThreads: ort.env.wasm.numThreads, ortVersion: ort.env.versions?.common ?? '?',
    },
  };
}

const w = window as unknown as {__paccVsOrt?: VsOrtOutcome};
main().then((r) => { w.__paccVsOrt = r; }, (e: unknown) => {
  w.__paccVsOrt = {done: true, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e)};
});

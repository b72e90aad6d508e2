// The training bench page: one (tfjs threads, our kernel threads) setting per page load; PaCC-Net-XS/S trainOnBatch steps (Adam, batch 8, 64×64) timed on tfjs-wasm.
import * as tf from '@tensorflow/tfjs';
import {getThreadsCount, setThreadsCount, setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import * as pacc from '../../src/index';
import {WASM_PATH} from '../../tools/browser/wasm_path';

/** What the runner passes in the URL (`?config=`). */
export interface TrainConfig {
  /** tfjs-wasm's pthread pool (XNNPACK: forward convs, matMuls). */
  threads: number;
  /** tfjs-pacc's own kernels (conv / batch-norm gradients, PaCC op, Adam): a count, or 'auto' = tfjs's. */
  kernelThreads: number | 'auto';
  size: number; batch: number; classes: number; warmup: number; steps: number; models: string[];
}
export interface TrainRow { model: string; ms: number[]; }
export interface TrainOutcome { done: true; rows?: TrainRow[]; env?: Record<string, unknown>; error?: string; }

const log = (s: string) => console.log(`[bench] ${s}`);

async function main(): Promise<TrainOutcome> {
  const cfg = JSON.parse(new URLSearchParams(location.search).get('config') ?? '{}') as TrainConfig;
  setWasmPaths(WASM_PATH);
  setThreadsCount(cfg.threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  pacc.setWasmKernelThreads(cfg.kernelThreads);
  const kernelThreads = await pacc.wasmKernelThreads();
  const rows: TrainRow[] = [];
  const shape = [cfg.batch, cfg.size, cfg.size, 3];
  for (const name of cfg.models) {
    const variant = name.replace('paccnet-', '') as 'xs' | 's';
    log(`${name}: ${cfg.warmup} warm-up + ${cfg.steps} steps, tfjs ${getThreadsCount()} thread(s), our kernels ${kernelThreads}`);
    const model = pacc.models.paccNet({variant, inputShape: [cfg.size, cfg.size, 3], numClasses: cfg.classes});
    model.compile({optimizer: tf.train.adam(1e-3), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp)});
    const xs = tf.randomNormal(shape), ys = tf.oneHot(tf.tensor1d(Array.from({length: cfg.batch}, (_, i) => i % cfg.classes), 'int32'), cfg.classes);
    const ms: number[] = [];
    for (let i = 0; i < cfg.warmup + cfg.steps; i++) {
      const t0 = performance.now();
      await model.trainOnBatch(xs, ys);
      if (i >= cfg.warmup) ms.push(performance.now() - t0);
    }
    tf.dispose([xs, ys]);
    (model.optimizer as tf.Optimizer).dispose();
    model.dispose();
    rows.push({model: name, ms});
  }
  return {
    done: true, rows,
    env: {
      userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency,
      tfjsThreads: getThreadsCount(), kernelThreads,
      wasmLoaded: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')).map((n) => n.slice(n.lastIndexOf('/') + 1)).join(', '),
    },
  };
}

const w = window as unknown as {__paccTrain?: TrainOutcome};
main().then((o) => { w.__paccTrain = o; }, (e: Error) => { w.__paccTrain = {done: true, error: `${e.message}\n${e.stack ?? ''}`}; });

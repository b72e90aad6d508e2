// vs-ort benchmark: PaCC-Net / MobileViT on tfjs-wasm (as built and after optimizeForInference) against onnxruntime-web (wasm, 1 thread) on the official ONNX exports.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {existsSync, readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as pacc from '../../src/index';
import {progress, Suite, SuiteResult, Timing} from '../util';

const SIZE = 256;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * Where the official exports are looked for: bench/data/ (a local copy), then the shared fixtures
 * next to the clone (../shared/fixtures). The files are 10-22 MB each, too big to commit. The S
 * exports are made from the official code by bench/peers/export_onnx.py (see bench/README.md).
 */
const ONNX_DIRS = [join(ROOT, 'bench/data'), resolve(ROOT, '../shared/fixtures')];

/** Rows: registry model and the official ONNX export of the same network (null: none exists). */
const ROWS: {label: string; model: string; onnx: string | null}[] = [
  {label: 'PaCC-Net-XS', model: 'paccnet-xs', onnx: 'edgeformer_xs.onnx'},
  {label: 'PaCC-Net-S', model: 'paccnet-s', onnx: 'edgeformer_s.onnx'},
  {label: 'MobileViT-XS', model: 'mobilevit-xs', onnx: 'mobilevit_xs.onnx'},
  {label: 'MobileViT-S', model: 'mobilevit-s', onnx: 'mobilevit_s.onnx'},
];

type Runner = () => Promise<number>;

const findOnnx = (file: string) => ONNX_DIRS.map((d) => join(d, file)).find((p) => existsSync(p)) ?? null;

/** Milliseconds of one tfjs predict including the read-back of the logits. */
function tfjsRunner(model: LayersModel, x: tf.Tensor): Runner {
  return async () => {
    const t0 = performance.now();
    tf.tidy(() => { (model.predict(x) as tf.Tensor).dataSync(); });
    return performance.now() - t0;
  };
}

/** onnxruntime-web on the wasm EP with one thread, graph optimisations on (its default 'all'). */
async function ortRunner(path: string, nhwc: Float32Array): Promise<{run: Runner; release: () => Promise<void>; version: string}> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(path), {executionProviders: ['wasm'], graphOptimizationLevel: 'all'});
  // The exports take NCHW: the same pixels as the tfjs input, transposed.
  const nchw = new Float32Array(nhwc.length), hw = SIZE * SIZE;
  for (let i = 0; i < hw; i++) for (let c = 0; c < 3; c++) nchw[c * hw + i] = nhwc[i * 3 + c];
  const input = new ort.Tensor('float32', nchw, [1, 3, SIZE, SIZE]);
  const name = session.inputNames[0];
  return {
    run: async () => {
      const t0 = performance.now();
      const out = await session.run({[name]: input});
      const ms = performance.now() - t0;
      Object.values(out).forEach((t) => t.dispose());
      return ms;
    },
    release: () => session.release(),
    version: ort.env.versions?.common ?? '?',
  };
}

/** Runs the contestants round-robin (a, b, c, a, b, c, ...) so load changes hit them alike; medians after warm-up. */
async function interleaved(runners: Runner[], warmup: number, runs: number): Promise<Timing[]> {
  for (let i = 0; i < warmup; i++) for (const r of runners) await r();
  const times = runners.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) for (const [j, r] of runners.entries()) times[j].push(await r());
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return {median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1], runs: t.length};
  });
}

/** Kernel time per kernel name over one predict, largest first. */
async function profile(model: LayersModel, x: tf.Tensor, top = 8): Promise<string> {
  const info = await tf.profile(() => tf.tidy(() => { (model.predict(x) as tf.Tensor).dataSync(); }));
  const by = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels.filter((k) => !k.name.endsWith('__op'))) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    by.set(k.name, (by.get(k.name) ?? 0) + ms);
    total += ms;
  }
  const rows = [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return `${info.kernels.filter((k) => !k.name.endsWith('__op')).length} kernels, ` +
    rows.map(([n, ms]) => `${n} ${ms.toFixed(1)} ms (${((100 * ms) / Math.max(total, 1e-9)).toFixed(0)}%)`).join(', ') +
    ` — kernel total ${total.toFixed(1)} ms`;
}

export const vsOrtSuite: Suite = async ({quick}) => {
  if (!(await tf.setBackend('wasm'))) throw new Error('vs-ort: the tfjs wasm backend is unavailable');
  await tf.ready();
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const [warmup, runs] = quick ? [1, 3] : [2, 11];
  let ortVersion = '?';
  for (const row of ROWS) {
    const entry = pacc.models.MODEL_REGISTRY.find((e) => e.name === row.model);
    if (!entry) { notes.push(`${row.model}: not in the model registry`); continue; }
    progress(`vs-ort: ${row.label}`);
    const model = entry.build({inputShape: [SIZE, SIZE, 3]});
    const fast = pacc.optimizeForInference(model);
    const x = tf.randomUniform([1, SIZE, SIZE, 3]);
    const onnxPath = row.onnx ? findOnnx(row.onnx) : null;
    if (row.onnx && !onnxPath) notes.push(`${row.label}: ${row.onnx} not found in ${ONNX_DIRS.join(' or ')}`);
    const ort = onnxPath ? await ortRunner(onnxPath, x.dataSync() as Float32Array) : null;
    if (ort) ortVersion = ort.version;
    try {
      const runners = [tfjsRunner(model, x), tfjsRunner(fast, x), ...(ort ? [ort.run] : [])];
      const [base, opt, onnx] = await interleaved(runners, warmup, runs);
      const ms = (t?: Timing) => (t ? t.median.toFixed(1) : 'n/a');
      const ratio = (a: Timing, b?: Timing) => (b ? `${(a.median / b.median).toFixed(2)}×` : 'n/a');
      rows.push([row.label, ms(base), ms(opt), ms(onnx), ratio(base, onnx), ratio(opt, onnx), ratio(base, opt)]);
      if (!quick) {
        notes.push(`${row.label} as built, tfjs-wasm kernel profile: ${await profile(model, x)}`);
        notes.push(`${row.label} optimised, tfjs-wasm kernel profile: ${await profile(fast, x)}`);
      }
    } finally {
      await ort?.release();
      x.dispose();
      model.dispose();
      fast.dispose();
    }
  }
  const tasks = await taskRows(warmup, runs, quick);
  const result: SuiteResult = {
    title: `tfjs-pacc (tfjs-wasm) vs onnxruntime-web ${ortVersion} (wasm EP, 1 thread), ${SIZE}×${SIZE}, batch 1 (ms, median after warm-up, interleaved)`,
    headers: ['model', 'tfjs-pacc', 'tfjs-pacc optimised', 'onnxruntime-web', 'tfjs-pacc / ORT', 'optimised / ORT', 'speed-up of optimizeForInference'],
    rows,
    notes: [
      'tfjs-pacc: pacc.models.* as built; optimised: pacc.optimizeForInference(model). ORT: the official ONNX exports (the S exports made by bench/peers/export_onnx.py). Target (issue 17): PaCC-Net-XS and -S optimised / ORT ≤ 1.0.',
      ...notes,
    ],
  };
  return [result, tasks];
};

/** Detection / segmentation rows: the task models as built vs optimised (no ONNX exports of them exist), at their official input sizes. */
const TASK_ROWS: {label: string; model: string; size: number}[] = [
  {label: 'SSD-PaCC-Net-S', model: 'ssd-paccnet-s', size: 320},
  {label: 'DeepLabV3-PaCC-Net-S', model: 'deeplabv3-paccnet-s', size: 512},
];

/** Milliseconds of one predict of a model with one or several outputs, all read back. */
function tfjsRunnerAll(model: LayersModel, x: tf.Tensor): Runner {
  return async () => {
    const t0 = performance.now();
    tf.tidy(() => {
      const y = model.predict(x) as tf.Tensor | tf.Tensor[];
      for (const t of Array.isArray(y) ? y : [y]) t.dataSync();
    });
    return performance.now() - t0;
  };
}

async function taskRows(warmup: number, runs: number, quick: boolean): Promise<SuiteResult> {
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const row of TASK_ROWS) {
    const entry = pacc.models.MODEL_REGISTRY.find((e) => e.name === row.model);
    if (!entry) { notes.push(`${row.model}: not in the model registry`); continue; }
    progress(`vs-ort: ${row.label} at ${row.size}`);
    const model = entry.build({inputShape: [row.size, row.size, 3]});
    const fast = pacc.optimizeForInference(model);
    const x = tf.randomUniform([1, row.size, row.size, 3]);
    try {
      const [base, opt] = await interleaved([tfjsRunnerAll(model, x), tfjsRunnerAll(fast, x)], warmup, Math.max(3, Math.ceil(runs / 2)));
      rows.push([row.label, `${row.size}×${row.size}`, base.median.toFixed(1), opt.median.toFixed(1), `${(base.median / opt.median).toFixed(2)}×`]);
      if (!quick) {
        notes.push(`${row.label} as built, tfjs-wasm kernel profile: ${await profileAll(model, x)}`);
        notes.push(`${row.label} optimised, tfjs-wasm kernel profile: ${await profileAll(fast, x)}`);
      }
    } finally {
      x.dispose();
      model.dispose();
      fast.dispose();
    }
  }
  return {
    title: 'optimizeForInference on the detection / segmentation models (tfjs-wasm, 1 thread), batch 1 (ms, median after warm-up, interleaved)',
    headers: ['model', 'input', 'tfjs-pacc', 'tfjs-pacc optimised', 'speed-up'],
    rows,
    notes: ['Random weights; both SSD outputs (confidences, locations) / the DeepLabV3 logits read back. No ONNX exports of these models exist for an ORT column.', ...notes],
  };
}

/** As profile(), for models with several outputs. */
async function profileAll(model: LayersModel, x: tf.Tensor): Promise<string> {
  const single = {predict: (t: tf.Tensor) => tf.concat((([] as tf.Tensor[]).concat(model.predict(t) as tf.Tensor | tf.Tensor[])).map((y) => y.reshape([-1])))} as unknown as LayersModel;
  return profile(single, x);
}

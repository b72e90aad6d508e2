// Training on wasm: each conv backprop kernel we add vs the cpu kernel, a PaCC-Net-XS training step on wasm vs cpu, and PaCC-Net-XS/S steps vs PyTorch.
import * as tf from '@tensorflow/tfjs';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {loadavg} from 'node:os';
import * as pacc from '../../src/index';
import {progress, Suite, SuiteResult, timeit, Timing} from '../util';

type Shape4 = [number, number, number, number];

/** Kernel cases at PaCC-Net-XS / MobileNetV2 sizes (batch 8, 64×64 input): name, x shape, filter shape, stride, pad. */
const KERNEL_CASES: {kernel: string; x: Shape4; filter: Shape4; stride: number; pad: 'same' | 'valid'}[] = [
  {kernel: 'Conv2DBackpropFilter', x: [8, 64, 64, 3], filter: [3, 3, 3, 16], stride: 2, pad: 'same'},
  {kernel: 'Conv2DBackpropFilter', x: [8, 32, 32, 16], filter: [1, 1, 16, 64], stride: 1, pad: 'valid'},
  {kernel: 'Conv2DBackpropFilter', x: [8, 8, 8, 96], filter: [1, 1, 96, 192], stride: 1, pad: 'valid'},
  {kernel: 'Conv2DBackpropFilter', x: [8, 16, 16, 32], filter: [3, 3, 32, 32], stride: 1, pad: 'same'},
  {kernel: 'Conv2DBackpropInput', x: [8, 16, 16, 64], filter: [3, 3, 64, 64], stride: 1, pad: 'same'},
  {kernel: 'Conv2DBackpropInput', x: [8, 16, 16, 64], filter: [1, 1, 64, 256], stride: 1, pad: 'valid'},
  {kernel: 'Conv2DBackpropInput', x: [8, 32, 32, 16], filter: [3, 3, 16, 32], stride: 2, pad: 'same'},
  {kernel: 'DepthwiseConv2dNativeBackpropInput', x: [8, 32, 32, 64], filter: [3, 3, 64, 1], stride: 1, pad: 'same'},
  {kernel: 'DepthwiseConv2dNativeBackpropInput', x: [8, 32, 32, 64], filter: [3, 3, 64, 1], stride: 2, pad: 'same'},
  {kernel: 'DepthwiseConv2dNativeBackpropInput', x: [8, 8, 8, 384], filter: [3, 3, 384, 1], stride: 1, pad: 'same'},
  {kernel: 'DepthwiseConv2dNativeBackpropFilter', x: [8, 32, 32, 64], filter: [3, 3, 64, 1], stride: 1, pad: 'same'},
  {kernel: 'DepthwiseConv2dNativeBackpropFilter', x: [8, 32, 32, 64], filter: [3, 3, 64, 1], stride: 2, pad: 'same'},
  {kernel: 'DepthwiseConv2dNativeBackpropFilter', x: [8, 8, 8, 384], filter: [3, 3, 384, 1], stride: 1, pad: 'same'},
];

/** One call of the kernel on the current backend with the case's inputs; returns a closure that runs and syncs it. */
function kernelClosure(c: typeof KERNEL_CASES[number]) {
  const depthwise = c.kernel.startsWith('Depthwise');
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad, undefined, depthwise);
  const x = tf.randomNormal(c.x), f = tf.randomNormal(c.filter), dy = tf.randomNormal(info.outShape);
  const common = {strides: c.stride, pad: c.pad, dilations: 1, dataFormat: 'NHWC'};
  const run = () => tf.tidy(() => {
    const out = c.kernel.endsWith('BackpropInput')
      ? tf.engine().runKernel(c.kernel, {dy, filter: f}, {...common, inputShape: c.x} as never)
      : tf.engine().runKernel(c.kernel, {x, dy}, {...common, filterShape: c.filter} as never);
    (out as tf.Tensor).dataSync();
  });
  // 2 flops per multiply-add: every output pixel meets every tap once per (in, out) channel pair.
  const macs = info.batchSize * info.outHeight * info.outWidth * info.filterHeight * info.filterWidth *
    (depthwise ? info.outChannels : info.inChannels * info.outChannels);
  return {run, flops: 2 * macs, dispose: () => tf.dispose([x, f, dy])};
}

/**
 * Median ms of `make().run` on `backend`. A first single call decides: cpu kernels can
 * take tens of seconds per call, so a slow call (> 1 s) is reported as it is, unrepeated.
 */
async function time(backend: string, make: () => {run: () => void; dispose: () => void}, quick: boolean): Promise<Timing> {
  await tf.setBackend(backend);
  const c = make();
  try {
    const once = await timeit(c.run, {warmup: 0, runs: 1});
    if (once.median > 1000) return once;
    return await timeit(c.run, {warmup: quick ? 1 : 2, runs: quick ? 3 : 10});
  } finally {
    c.dispose();
  }
}

async function kernelRows(quick: boolean): Promise<SuiteResult> {
  const rows: (string | number)[][] = [];
  for (const c of KERNEL_CASES) {
    progress(`${c.kernel} x[${c.x}] f[${c.filter}] s${c.stride}`);
    const flops = kernelClosure(c);
    flops.dispose();
    // Conv2DBackpropInput exists in tfjs-wasm: ours replaces it by default, so time both.
    const replaces = c.kernel === 'Conv2DBackpropInput';
    if (replaces) pacc.useFastWasmConv2DBackpropInput(false);
    const tTfjs = replaces ? await time('wasm', () => kernelClosure(c), quick) : null;
    pacc.useFastWasmConv2DBackpropInput(true);
    const tw = await time('wasm', () => kernelClosure(c), quick);
    const tc = await time('cpu', () => kernelClosure(c), true);
    rows.push([c.kernel + (replaces ? ' (replaces tfjs\'s)' : ''), `[${c.x}]`, `[${c.filter}]`, `${c.stride} ${c.pad}`, tw.median.toFixed(2),
      tTfjs ? tTfjs.median.toFixed(2) : '—', tc.median.toFixed(1), `${(tc.median / tw.median).toFixed(1)}×`,
      (flops.flops / (tw.median * 1e6)).toFixed(2)]);
  }
  return {
    title: 'Conv backprop kernels added to wasm vs the cpu kernel of the same name, median ms',
    headers: ['kernel', 'x', 'filter', 'stride pad', 'ours wasm ms', 'tfjs-wasm ms', 'cpu ms', 'cpu/ours', 'ours GFLOP/s'],
    rows,
    notes: ['cpu timings over 1 s are single calls. GFLOP/s counts 2 flops per multiply-add of the convolution. ' +
      'tfjs-wasm ms: tfjs-backend-wasm\'s own kernel, where it has one (Conv2DBackpropInput; ours replaces it by default, ' +
      'pacc.useFastWasmConv2DBackpropInput(false) restores it).'],
  };
}

/**
 * Median ms of one training step (trainOnBatch, SGD) of `build()` on `backend`. The cpu step
 * of PaCC-Net-XS takes minutes, so there a single step is timed (after no warm-up: its
 * one-off costs are negligible next to the step); wasm gets one warm-up step and several runs.
 */
async function trainStep(backend: string, build: () => tf.LayersModel, inputShape: Shape4, classes: number, quick: boolean) {
  await tf.setBackend(backend);
  const model = build();
  model.compile({optimizer: tf.train.sgd(1e-3), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp)});
  const xs = tf.randomNormal(inputShape);
  const ys = tf.oneHot(tf.tensor1d(Array.from({length: inputShape[0]}, (_, i) => i % classes), 'int32'), classes);
  const step = async () => { await model.trainOnBatch(xs, ys); };
  try {
    return backend === 'cpu' ? await timeit(step, {warmup: 0, runs: 1}) : await timeit(step, {warmup: 1, runs: quick ? 2 : 5});
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

/** Step time on wasm with tfjs-wasm's stock kernels (plus the conv gradients it lacks) and with our fast training kernels (the default). */
async function wasmBoth(build: () => tf.LayersModel, shape: Shape4, classes: number, quick: boolean) {
  pacc.useFastWasmTrainingKernels(false);
  try {
    const plain = await trainStep('wasm', build, shape, classes, quick);
    pacc.useFastWasmTrainingKernels(true);
    return {plain, fast: await trainStep('wasm', build, shape, classes, quick)};
  } finally {
    pacc.useFastWasmTrainingKernels(true);
  }
}

async function modelRows(quick: boolean): Promise<SuiteResult> {
  const rows: (string | number)[][] = [];
  const classes = 10, shape: Shape4 = [8, 64, 64, 3];
  const paccNetXs = () => pacc.models.paccNet({variant: 'xs', inputShape: [64, 64, 3], numClasses: classes});
  progress('PaCC-Net-XS training step on wasm');
  const pw = await wasmBoth(paccNetXs, shape, classes, quick);
  progress('PaCC-Net-XS training step on cpu (takes minutes)');
  const pc = await trainStep('cpu', paccNetXs, shape, classes, quick);
  const ms = (t: Timing) => `${t.median.toFixed(0)} (${t.runs})`;
  const x = (a: Timing, b: Timing) => `${(b.median / a.median).toFixed(1)}×`;
  rows.push(['PaCC-Net-XS', `[${shape}]`, ms(pw.plain), ms(pw.fast), ms(pc), x(pw.plain, pc), x(pw.fast, pc)]);
  progress('ResNet50 (zoo) training step on wasm');
  const rw = await wasmBoth(() => pacc.zoo.resNet50({inputShape: [64, 64, 3], numClasses: classes}), shape, classes, true);
  rows.push(['zoo ResNet50', `[${shape}]`, ms(rw.plain), ms(rw.fast), 'not run', '—', '—']);
  return {
    title: 'One training step (trainOnBatch, SGD, batch 8, 64×64) on wasm vs cpu, median ms (runs)',
    headers: ['model', 'input', 'wasm stock kernels', 'wasm (default: fast kernels)', 'cpu', 'cpu/wasm stock', 'cpu/wasm'],
    rows,
    notes: ['On wasm the step runs tfjs-wasm kernels, the conv backprop kernels of this suite and our PaCC kernels; the default ' +
      'also swaps in our fast training kernels (pacc.useFastWasmTrainingKernels(): Conv2DBackpropInput, transposed BatchMatMul, ' +
      'Sum/Mean, Identity, the fused batch-norm gradient); "stock" is useFastWasmTrainingKernels(false). The cpu step takes ' +
      'minutes, so it is one timed step.'],
  };
}

const PYTHON = process.env.PACC_TORCH_PYTHON ?? '/usr/bin/python3';
const OFFICIAL = process.env.PACC_OFFICIAL ?? '/work/official';
const TORCH_SCRIPT = 'bench/peers/torch_train.py';

/** Why the PyTorch side cannot run here, or null if it can. */
function torchUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (set PACC_TORCH_PYTHON)`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], {encoding: 'utf8'});
  if (probe.status !== 0) return `${PYTHON} cannot import torch: ${(probe.stderr || '').trim().split('\n').pop()}`;
  if (!existsSync(`${OFFICIAL}/cvnets`)) return `official code not found at ${OFFICIAL} (set PACC_OFFICIAL to a hkzhang91/ParC-Net checkout)`;
  return null;
}

/** `runs` timed steps (after `warmup`) of the official model in PyTorch, one thread; ms per step. */
function torchSteps(variant: 'xs' | 's', runs: number, warmup: number): {ms: number[]; cpuMs: number[]; params1000: number} {
  const r = spawnSync(PYTHON, [TORCH_SCRIPT, '--variant', variant, '--official', OFFICIAL, '--runs', String(runs),
    '--warmup', String(warmup), '--threads', '1'], {encoding: 'utf8', maxBuffer: 1 << 24});
  if (r.status !== 0) throw new Error(`${TORCH_SCRIPT} --variant ${variant} failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return {ms: out.ms, cpuMs: out.cpu_ms, params1000: out.params_1000};
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/**
 * PaCC-Net-XS and -S training steps (trainOnBatch, Adam 1e-3, batch 8, 64×64, 10 classes) on
 * tfjs-wasm in this process (one thread) — with our fast training kernels (the default) and
 * with tfjs-wasm's stock kernels — against the official PyTorch model (torch.set_num_threads(1))
 * in a child process. The machine may be shared: rounds interleave the three, and each column
 * is the median over every step of every round, so all see the same load.
 */
export const wasmTrainingVsTorchSuite: Suite = async ({quick}) => {
  if (!(await tf.setBackend('wasm').catch(() => false))) {
    return [{title: 'Training step vs PyTorch', headers: ['note'], rows: [['backend wasm unavailable here']]}];
  }
  const skip = torchUnavailable();
  if (skip) progress(`PyTorch side skipped: ${skip}`);
  const rounds = quick ? 1 : 3, steps = quick ? 2 : 4, classes = 10;
  const shape: Shape4 = [8, 64, 64, 3];
  const rows: (string | number)[][] = [];
  const loads: number[] = [loadavg()[0]];
  for (const variant of ['xs', 's'] as const) {
    const name = `PaCC-Net-${variant.toUpperCase()}`;
    await tf.setBackend('wasm');
    const model = pacc.models.paccNet({variant, inputShape: [64, 64, 3], numClasses: classes});
    model.compile({optimizer: tf.train.adam(1e-3), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp)});
    const xs = tf.randomNormal(shape);
    const ys = tf.oneHot(tf.tensor1d(Array.from({length: shape[0]}, (_, i) => i % classes), 'int32'), classes);
    // Wall time and this process's CPU time per step (CPU time is what a loaded machine distorts least).
    const timeSteps = async (n: number, wall: number[] = [], cpu: number[] = []) => {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now(), c0 = process.cpuUsage();
        await model.trainOnBatch(xs, ys);
        const c = process.cpuUsage(c0);
        wall.push(performance.now() - t0);
        cpu.push((c.user + c.system) / 1000);
      }
    };
    const fast: number[] = [], stock: number[] = [], torch: number[] = [];
    const fastCpu: number[] = [], stockCpu: number[] = [], torchCpu: number[] = [];
    let params1000 = 0;
    try {
      for (let r = 0; r < rounds; r++) {
        progress(`${name} round ${r + 1}/${rounds}: tfjs-pacc wasm (fast kernels)`);
        pacc.useFastWasmTrainingKernels(true);
        await timeSteps(1);
        await timeSteps(steps, fast, fastCpu);
        progress(`${name} round ${r + 1}/${rounds}: tfjs-wasm stock kernels`);
        pacc.useFastWasmTrainingKernels(false);
        await timeSteps(1);
        await timeSteps(Math.max(1, steps / 2), stock, stockCpu);
        pacc.useFastWasmTrainingKernels(true);
        if (!skip) {
          progress(`${name} round ${r + 1}/${rounds}: PyTorch`);
          const t = torchSteps(variant, steps, 2);
          torch.push(...t.ms);
          torchCpu.push(...t.cpuMs);
          params1000 = t.params1000;
        }
        loads.push(loadavg()[0]);
      }
    } finally {
      pacc.useFastWasmTrainingKernels(true);
      tf.dispose([xs, ys]);
      model.dispose();
    }
    for (const [what, fw, sw, tw] of [['wall', fast, stock, torch], ['CPU', fastCpu, stockCpu, torchCpu]] as const) {
      const f = median(fw), st = median(sw), pt = tw.length ? median(tw) : NaN;
      rows.push([name, what, `${f.toFixed(0)} (${fw.length})`, `${st.toFixed(0)} (${sw.length})`,
        tw.length ? `${pt.toFixed(0)} (${tw.length})` : 'skipped', tw.length ? `${(f / pt).toFixed(2)}×` : '—',
        `${(st / f).toFixed(2)}×`, (shape[0] * 1000 / f).toFixed(1), tw.length ? (shape[0] * 1000 / pt).toFixed(1) : '—',
        params1000 ? params1000.toLocaleString('en-US') : '—']);
    }
  }
  return [{
    title: 'Training step vs PyTorch (Adam, batch 8, 64×64, 10 classes, one thread each), median ms per step (steps)',
    headers: ['model', 'time', 'tfjs-pacc wasm', 'tfjs-wasm stock kernels', 'PyTorch 1 thread', 'tfjs-pacc / PyTorch', 'stock / fast',
      'tfjs-pacc img/s', 'PyTorch img/s', 'official params (1000 cls)'],
    rows,
    notes: [
      'tfjs-pacc wasm: the default (pacc.useFastWasmTrainingKernels() installed); stock: pacc.useFastWasmTrainingKernels(false), ' +
      'i.e. tfjs-backend-wasm\'s kernels plus only the conv gradients it lacks. PyTorch: ' + (skip ? `skipped: ${skip}.` :
        `${TORCH_SCRIPT} with ${PYTHON} (the official EdgeFormer model from ${OFFICIAL}, torch.set_num_threads(1)).`),
      `1-minute load average during the run: ${loads.map((l) => l.toFixed(1)).join(', ')} (a shared machine inflates every column; compare ratios). ` +
      '"wall": elapsed time per step; "CPU": the process\'s CPU time per step (Node: process.cpuUsage(); PyTorch: time.process_time()), ' +
      'which time-slicing by other jobs does not inflate.',
    ],
  }];
};

export const wasmTrainingSuite: Suite = async ({quick}) => {
  if (!(await tf.setBackend('wasm').catch(() => false))) {
    return [{title: 'Training on wasm', headers: ['note'], rows: [['backend wasm unavailable here']]}];
  }
  return [await kernelRows(quick), await modelRows(quick), ...await wasmTrainingVsTorchSuite({quick})];
};

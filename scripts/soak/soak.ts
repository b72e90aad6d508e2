// Soak loops: many predict calls and training steps per backend, and many checkpoint conversions in one process, recording tensor counts, wasm heap and RSS.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {readFileSync} from 'node:fs';
import {fromTorchCheckpoint} from '../../converters/torch/from_checkpoint';
import * as pacc from '../../src/index';

/** A small PaCC-Net (MV2 stem, two outer frames with PaCC blocks) at 32×32: every PaCC layer kind, cheap steps. */
const SOAK_CONFIG: pacc.models.PaccNetConfig = {
  stemChannels: 8, stemKernel: 3, stemStride: 2, fusion: 'add', method: 'bilinear', classifierDropout: 0.1, expChannels: 64,
  stages: [
    {kind: 'mv2', outChannels: 16, numBlocks: 1, stride: 1, expandRatio: 2},
    {kind: 'frame', outChannels: 24, stride: 2, expandRatio: 2, cfS: 24, ffnDim: 48, numBlocks: 1, metaSize: 8},
    {kind: 'frame', outChannels: 32, stride: 2, expandRatio: 2, cfS: 32, ffnDim: 64, numBlocks: 1, metaSize: 4},
  ],
};

/** Bytes of the wasm backend's heap (0 on other backends); it only ever grows, so equal means no growth. */
function wasmHeapBytes(): number {
  const b = tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}};
  return b.wasm?.HEAPU8?.buffer.byteLength ?? 0;
}

export interface Samples { at: number[]; tensors: number[]; heap: number[]; rssMb: number[]; }
export interface LoopResult {
  what: string; backend: string; iterations: number; warmup: number; ms: number;
  /** Tensor count and wasm heap after warm-up and at the end, and RSS (MB) at both points. */
  tensors: [number, number]; heap: [number, number]; rssMb: [number, number];
  samples: Samples;
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

async function loop(what: string, iterations: number, warmup: number, every: number, step: (i: number) => Promise<void> | void): Promise<LoopResult> {
  const samples: Samples = {at: [], tensors: [], heap: [], rssMb: []};
  const sample = (i: number) => {
    samples.at.push(i); samples.tensors.push(tf.memory().numTensors); samples.heap.push(wasmHeapBytes()); samples.rssMb.push(rssMb());
  };
  for (let i = 0; i < warmup; i++) await step(i);
  sample(warmup);
  const t0 = performance.now();
  for (let i = warmup; i < iterations; i++) {
    await step(i);
    if ((i + 1) % every === 0 || i === iterations - 1) sample(i + 1);
  }
  const last = samples.at.length - 1;
  return {
    what, backend: tf.getBackend(), iterations, warmup, ms: performance.now() - t0, samples,
    tensors: [samples.tensors[0], samples.tensors[last]], heap: [samples.heap[0], samples.heap[last]], rssMb: [samples.rssMb[0], samples.rssMb[last]],
  };
}

function soakModel(): LayersModel {
  return pacc.models.paccNet({config: SOAK_CONFIG, numClasses: 10, inputShape: [32, 32, 3], name: 'soak'});
}

/** `n` predict calls of one batch on the current backend (warm-up: 10 calls). */
export async function soakPredict(n: number, batch = 2): Promise<LoopResult> {
  const model = soakModel();
  const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1);
  try {
    return await loop('predict', n, Math.min(10, n), Math.max(1, Math.floor(n / 10)), async () => {
      const y = model.predict(x) as tf.Tensor;
      await y.data();
      y.dispose();
    });
  } finally {
    x.dispose();
    model.dispose();
  }
}

/** `n` Adam training steps (trainOnBatch) on one batch (warm-up: 5 steps by default; the first makes the optimizer's slots). */
export async function soakTrain(n: number, batch = 4, warmup = 5): Promise<LoopResult> {
  const model = soakModel();
  model.compile({optimizer: tf.train.adam(1e-3), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp)});
  const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 2);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({length: batch}, (_, i) => i % 10), 'int32'), 10));
  try {
    return await loop('train', n, Math.min(warmup, n), Math.max(1, Math.floor(n / 10)), async () => {
      const loss = await model.trainOnBatch(x, y);
      if (!Number.isFinite(loss as number)) throw new Error(`soakTrain: loss ${loss}`);
    });
  } finally {
    tf.dispose([x, y]);
    (model.optimizer as tf.Optimizer | undefined)?.dispose();
    model.dispose();
  }
}

/** `n` conversions of one PyTorch checkpoint in this process, each model disposed (warm-up: 2). */
export async function soakConvert(n: number, file: string, arch: string): Promise<LoopResult> {
  const bytes = new Uint8Array(readFileSync(file));
  return loop(`convert ${file.split('/').pop()}`, n, Math.min(2, n), Math.max(1, Math.floor(n / 10)), () => {
    fromTorchCheckpoint(bytes, {arch}).dispose();
  });
}

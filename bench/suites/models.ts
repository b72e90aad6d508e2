// Model benchmark: forward latency of PaCC-Net-XS/S vs MobileViT-XS/S at 256×256, batch 1, cpu and wasm, plus a per-kernel profile.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';
import {progress, Suite, SuiteResult, timeit, Timing} from '../util';

const SIZE = 256;
/** PaCC-Net variant → the MobileViT it is compared with (as in the paper's table). */
const PAIRS: [string, string][] = [['paccnet-xs', 'mobilevit-xs'], ['paccnet-s', 'mobilevit-s']];

function build(name: string): LayersModel | undefined {
  const entry = pacc.models.MODEL_REGISTRY.find((e) => e.name === name);
  return entry?.build({inputShape: [SIZE, SIZE, 3]});
}

async function latency(model: LayersModel, quick: boolean): Promise<Timing> {
  const x = tf.randomUniform([1, SIZE, SIZE, 3]);
  try {
    return await timeit(() => tf.tidy(() => { (model.predict(x) as tf.Tensor).dataSync(); }), {warmup: quick ? 1 : 2, runs: quick ? 3 : 10});
  } finally {
    x.dispose();
  }
}

/** Kernel time per kernel name over one predict, largest first (tf.profile's per-kernel timings). */
async function profile(model: LayersModel, top = 8): Promise<string> {
  const x = tf.randomUniform([1, SIZE, SIZE, 3]);
  const info = await tf.profile(() => tf.tidy(() => { (model.predict(x) as tf.Tensor).dataSync(); }));
  x.dispose();
  const by = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    by.set(k.name, (by.get(k.name) ?? 0) + ms);
    total += ms;
  }
  const rows = [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return rows.map(([n, ms]) => `${n} ${ms.toFixed(1)} ms (${((100 * ms) / Math.max(total, 1e-9)).toFixed(0)}%)`).join(', ') +
    ` — kernel total ${total.toFixed(1)} ms`;
}

export const modelsSuite: Suite = async ({quick}) => {
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const backend of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(backend))) {
      notes.push(`${backend}: backend unavailable`);
      continue;
    }
    await tf.ready();
    for (const [p, m] of PAIRS) {
      const t: Record<string, Timing | undefined> = {};
      for (const name of [p, m]) {
        const model = build(name);
        if (!model) {
          notes.push(`${name}: not in the model registry yet`);
          continue;
        }
        progress(`models: ${name} on ${backend}`);
        t[name] = await latency(model, quick);
        if (!quick && name.endsWith('-s') && backend === 'wasm') notes.push(`${name} on ${backend}, kernels: ${await profile(model)}`);
        model.dispose();
      }
      const fmt = (x?: Timing) => (x ? x.median.toFixed(1) : 'n/a');
      rows.push([backend, `${p} / ${m}`, fmt(t[p]), fmt(t[m]), t[p] && t[m] ? (t[p]!.median / t[m]!.median).toFixed(3) : 'n/a']);
    }
  }
  const result: SuiteResult = {
    title: `Model forward latency, ${SIZE}×${SIZE}, batch 1 (ms, median after warm-up)`,
    headers: ['backend', 'pair', 'PaCC-Net ms', 'MobileViT ms', 'ratio PaCC/MobileViT'],
    rows,
    notes: ['Target (issue 5): PaCC-Net-S ≤ 0.77× MobileViT-S on wasm.', ...notes],
  };
  return [result];
};

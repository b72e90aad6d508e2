// Model benchmark: forward latency of PaCC-Net-XS/S vs MobileViT-XS/S at 256×256, batch 1, cpu and wasm, plus a per-kernel profile.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';
import {progress, Suite, SuiteResult, Timing} from '../util';

const SIZE = 256;
/** PaCC-Net variant → the MobileViT it is compared with (as in the paper's table). */
const PAIRS: [string, string][] = [['paccnet-xs', 'mobilevit-xs'], ['paccnet-s', 'mobilevit-s']];

function build(name: string): LayersModel | undefined {
  const entry = pacc.models.MODEL_REGISTRY.find((e) => e.name === name);
  return entry?.build({inputShape: [SIZE, SIZE, 3]});
}

/**
 * Median forward time of each model, measured interleaved (a, b, a, b, ...) so that load changes on
 * a shared machine hit both models alike and the ratio stays fair.
 */
async function interleaved(models: LayersModel[], warmup: number, runs: number): Promise<Timing[]> {
  const x = tf.randomUniform([1, SIZE, SIZE, 3]);
  const once = (m: LayersModel) => {
    const t0 = performance.now();
    tf.tidy(() => { (m.predict(x) as tf.Tensor).dataSync(); });
    return performance.now() - t0;
  };
  try {
    for (let i = 0; i < warmup; i++) models.forEach(once);
    const times = models.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) models.forEach((m, i) => times[i].push(once(m)));
    return times.map((t) => {
      t.sort((a, b) => a - b);
      return {median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1], runs: t.length};
    });
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
  // Ops with custom gradients (fused conv / matMul) show up twice, as `<op>__op` and as the kernel.
  for (const k of info.kernels.filter((k) => !k.name.endsWith('__op'))) {
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
      const names = [p, m].filter((n) => pacc.models.MODEL_REGISTRY.some((e) => e.name === n));
      for (const n of [p, m]) if (!names.includes(n)) notes.push(`${n}: not in the model registry`);
      const models = names.map((n) => build(n)!);
      progress(`models: ${names.join(' vs ')} on ${backend}`);
      // The pure-JS cpu backend takes seconds per forward: fewer runs there.
      const [warmup, runs] = backend === 'cpu' ? [1, quick ? 1 : 3] : [quick ? 1 : 2, quick ? 3 : 10];
      const times = await interleaved(models, warmup, runs);
      const t: Record<string, Timing> = Object.fromEntries(names.map((n, i) => [n, times[i]]));
      if (!quick && backend === 'wasm' && p === 'paccnet-s') {
        for (const [i, n] of names.entries()) notes.push(`${n} on ${backend}, kernel time by kernel: ${await profile(models[i])}`);
      }
      models.forEach((mm) => mm.dispose());
      const fmt = (x?: Timing) => (x ? `${x.median.toFixed(1)} (${x.min.toFixed(0)}–${x.max.toFixed(0)})` : 'n/a');
      rows.push([backend, `${p} / ${m}`, fmt(t[p]), fmt(t[m]), t[p] && t[m] ? (t[p].median / t[m].median).toFixed(3) : 'n/a']);
    }
  }
  const result: SuiteResult = {
    title: `Model forward latency, ${SIZE}×${SIZE}, batch 1 (ms, median after warm-up)`,
    headers: ['backend', 'pair', 'PaCC-Net ms (min–max)', 'MobileViT ms (min–max)', 'ratio PaCC/MobileViT'],
    rows,
    notes: ['Target (issue 5): PaCC-Net-S ≤ 0.77× MobileViT-S on wasm.', ...notes],
  };
  return [result];
};

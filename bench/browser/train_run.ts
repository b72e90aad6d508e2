// `npm run bench -- --browser --train`: PaCC-Net training steps in headless Chromium on tfjs-wasm's threaded build, with tfjs-pacc's kernels on 1 thread and on the same threads as tfjs.
import {cpus} from 'node:os';
import {progress, table} from '../util';
import {flagOf, runPage, startSession, writeJson} from './session';
import type {TrainConfig, TrainOutcome} from './train_page';
const median = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

/** (tfjs threads, our kernel threads) per page: the thread counts are fixed when tfjs-wasm's module starts. */
function settings(threads: number[]): {threads: number; kernelThreads: number}[] {
  const out: {threads: number; kernelThreads: number}[] = [];
  for (const n of threads) {
    out.push({threads: n, kernelThreads: 1});
    // n > 1: also each pool alone, to tell tfjs's threads (XNNPACK) from ours.
    if (n > 1) out.push({threads: 1, kernelThreads: n}, {threads: n, kernelThreads: n});
  }
  return out;
}

export async function runTrainBrowser(args: string[]): Promise<void> {
  const flag = flagOf(args);
  const quick = args.includes('--quick');
  const threads = (flag('--threads') ?? '1,2').split(',').map(Number);
  const models = (flag('--models') ?? 'paccnet-xs,paccnet-s').split(',');
  const [warmup, steps] = quick ? [1, 3] : [2, Number(flag('--steps') ?? 8)];
  const rounds = quick ? 1 : Number(flag('--rounds') ?? 2);
  const session = await startSession('bench/browser/train.html');
  const times = new Map<string, number[]>();
  const env: Record<string, unknown>[] = [];
  try {
    // Rounds interleave the settings so each sees the same machine load.
    for (let round = 0; round < rounds; round++) {
      for (const s of settings(threads)) {
        const config: TrainConfig = {...s, size: 64, batch: 8, classes: 10, warmup, steps, models};
        progress(`round ${round + 1}/${rounds}: tfjs ${s.threads} thread(s), our kernels ${s.kernelThreads}`);
        const url = session.url(`bench/browser/train.html?config=${encodeURIComponent(JSON.stringify(config))}`);
        const out = await runPage<TrainOutcome>(session, url, '__paccTrain', {threads: s.threads});
        if (out.error) throw new Error(`training page failed (${JSON.stringify(s)}): ${out.error}`);
        if (round === 0) env.push(out.env ?? {});
        for (const r of out.rows ?? []) {
          const key = `${r.model}|${s.threads}|${s.kernelThreads}`;
          times.set(key, [...(times.get(key) ?? []), ...r.ms]);
        }
      }
    }
    const rows: (string | number)[][] = [];
    for (const m of models) {
      const base = median(times.get(`${m}|1|1`) ?? [NaN]);
      for (const s of settings(threads)) {
        const t = times.get(`${m}|${s.threads}|${s.kernelThreads}`) ?? [];
        const med = median(t);
        rows.push([m, s.threads, s.kernelThreads, med.toFixed(0), (8000 / med).toFixed(1), `${(base / med).toFixed(2)}×`, t.length]);
      }
    }
    const title = `PaCC-Net training step (trainOnBatch, Adam, batch 8, 64×64, 10 classes) in headless Chromium on tfjs-wasm's threaded SIMD build, median ms over ${rounds} interleaved round(s) × ${steps} steps after ${warmup} warm-up`;
    console.log(`\n# Browser training\n\n${Object.entries(env[0] ?? {}).map(([k, v]) => `- ${k}: ${v}`).join('\n')}\n- machine: ${cpus().length} logical cores (the page is told 2n so tfjs's cores/2 cap allows n threads)\n\n## ${title}\n\n${table(['model', 'tfjs threads', 'tfjs-pacc kernel threads', 'ms / step', 'images/s', 'speed-up vs 1 thread', 'steps'], rows)}`);
    writeJson(flag('--json'), {title, env, rows});
  } finally {
    await session.close();
  }
}

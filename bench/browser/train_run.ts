// `npm run bench -- --browser --train`: PaCC-Net training steps in headless Chromium on tfjs-wasm's threaded build, with tfjs-pacc's kernels on 1 thread and on the same threads as tfjs.
import {writeFileSync} from 'node:fs';
import {cpus} from 'node:os';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright';
import {createServer} from 'vite';
import {CHROMIUM, CHROMIUM_ARGS, ISOLATION_HEADERS, PREBUNDLE} from '../../tools/browser/chromium';
import {progress, table} from '../util';
import type {TrainConfig, TrainOutcome} from './train_page';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
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
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? (args[i + 1] ?? '') : undefined;
  };
  const quick = args.includes('--quick');
  const threads = (flag('--threads') ?? '1,2').split(',').map(Number);
  const models = (flag('--models') ?? 'paccnet-xs,paccnet-s').split(',');
  const [warmup, steps] = quick ? [1, 3] : [2, Number(flag('--steps') ?? 8)];
  const rounds = quick ? 1 : Number(flag('--rounds') ?? 2);
  const server = await createServer({
    root: ROOT, configFile: false, logLevel: 'error', clearScreen: false,
    server: {host: '127.0.0.1', port: 0, headers: ISOLATION_HEADERS, hmr: false, watch: null},
    optimizeDeps: {include: PREBUNDLE, entries: ['bench/browser/train.html']},
  });
  const browser = await chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true}).catch(async (e) => {
    await server.close();
    throw new Error(`could not launch ${CHROMIUM} (apt-get install chromium, or set PACC_CHROMIUM): ${(e as Error).message}`);
  });
  const times = new Map<string, number[]>();
  const env: Record<string, unknown>[] = [];
  try {
    await server.listen();
    // Rounds interleave the settings so each sees the same machine load.
    for (let round = 0; round < rounds; round++) {
      for (const s of settings(threads)) {
        const config: TrainConfig = {...s, size: 64, batch: 8, classes: 10, warmup, steps, models};
        const url = `${server.resolvedUrls!.local[0]}bench/browser/train.html?config=${encodeURIComponent(JSON.stringify(config))}`;
        const page = await browser.newPage();
        // tfjs-backend-wasm caps its pool at hardwareConcurrency / 2 (docs/inference.md): report 2n cores to get n threads.
        await page.addInitScript(`Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', {get: () => ${2 * s.threads}, configurable: true});`);
        page.on('console', (m) => { if (m.text().startsWith('[bench]')) process.stderr.write(`${m.text()}\n`); });
        let pageError: Error | undefined;
        page.on('pageerror', (e) => { pageError ??= e; });
        progress(`round ${round + 1}/${rounds}: tfjs ${s.threads} thread(s), our kernels ${s.kernelThreads}`);
        await page.goto(url, {waitUntil: 'commit'});
        const deadline = Date.now() + 1_800_000;
        while (!(await page.evaluate(() => (window as unknown as {__paccTrain?: {done: boolean}}).__paccTrain?.done))) {
          if (pageError) throw new Error(`training page error: ${pageError.message}`);
          if (Date.now() > deadline) throw new Error('training page did not finish within 30 minutes');
          await new Promise((r) => setTimeout(r, 1000));
        }
        const out = await page.evaluate(() => (window as unknown as {__paccTrain: TrainOutcome}).__paccTrain);
        await page.close();
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
    const json = flag('--json');
    if (json) {
      writeFileSync(json, JSON.stringify({date: new Date().toISOString(), title, env, rows}, null, 1));
      progress(`wrote ${json}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

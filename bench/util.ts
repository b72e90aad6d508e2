// Benchmark helpers: timing with warm-up and medians, progress lines, and table printing.
import * as tf from '@tensorflow/tfjs-core';

export interface Timing { median: number; min: number; max: number; runs: number; }

/** Milliseconds per call of `fn` (which must finish its work, e.g. by a sync read). */
export async function timeit(fn: () => unknown | Promise<unknown>, opts: {warmup?: number; runs?: number; minMs?: number} = {}): Promise<Timing> {
  const warmup = opts.warmup ?? 3, runs = opts.runs ?? 15, minMs = opts.minMs ?? 0;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < runs || performance.now() - start < minMs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (times.length >= runs * 20) break;
  }
  times.sort((a, b) => a - b);
  return {median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1], runs: times.length};
}

/** Runs `fn` inside tidy and blocks until its outputs are computed (dataSync of every output). */
export function syncRun(fn: () => tf.Tensor | tf.Tensor[]) {
  return () => tf.tidy(() => {
    const out = fn();
    for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
  });
}

export const fmtMs = (t: Timing) => `${t.median.toFixed(3)} (${t.min.toFixed(3)}–${t.max.toFixed(3)})`;

/** A plain-text table with right-aligned numeric columns. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ') + ' |';
  return [line(cells[0]), '|' + widths.map((w, c) => (c === 0 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':')).join('|') + '|', ...cells.slice(1).map(line)].join('\n');
}

/** One progress line on stderr so long runs show where they are. */
export function progress(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** What a suite returns: a titled table (printed) and raw rows (for --json). */
export interface SuiteResult { title: string; headers: string[]; rows: (string | number)[][]; notes?: string[]; }
export type Suite = (opts: {quick: boolean}) => Promise<SuiteResult[]>;

// `npm run bench:browser`: the op benchmark inside headless Chromium (webgl, and wasm in the page) with the Node tables.
import {fileURLToPath} from 'node:url';
import {BENCH_SHAPES} from '../suites/ops';
import {table} from '../util';
import type {PageOutcome} from './page';
import {flagOf, runPage, startSession, writeJson} from './session';

export async function runBrowserBench(args: string[]): Promise<void> {
  const flag = flagOf(args);
  // --vs-ort: the model race against onnxruntime-web has its own page and runner (bench/browser/vs_ort_run.ts).
  if (args.includes('--vs-ort')) return (await import('./vs_ort_run')).runVsOrtBrowser(args);
  // --train: training steps at 1 and n threads, our kernels threaded or not (bench/browser/train_run.ts).
  if (args.includes('--train')) return (await import('./train_run')).runTrainBrowser(args);
  const quick = args.includes('--quick');
  const backends = flag('--backends') ?? 'webgl,wasm,webgpu';
  const unpacked = args.includes('--unpacked');
  const session = await startSession('bench/browser/index.html');
  try {
    const url = session.url(`bench/browser/index.html?quick=${quick ? 1 : 0}&backends=${backends}&unpacked=${unpacked ? 1 : 0}&shapes=${encodeURIComponent(JSON.stringify(BENCH_SHAPES))}`);
    const out = await runPage<PageOutcome>(session, url, '__paccBench', {timeoutMs: 3_600_000});
    if (out.error) throw new Error(`benchmark page failed: ${out.error}`);
    console.log(`\n# Browser op benchmark\n\n${Object.entries(out.env ?? {}).map(([k, v]) => `- ${k}: ${v}`).join('\n')}`);
    for (const r of out.results ?? []) {
      console.log(`\n## ${r.title}\n\n${table(r.headers, r.rows)}`);
      for (const n of r.notes ?? []) console.log(`\n${n}`);
    }
    writeJson(flag('--json'), out);
  } finally {
    await session.close();
  }
}

// Run directly (npm run bench:browser), not when bench/run.ts imports it for --browser.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runBrowserBench(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

// `npm run bench:browser`: the op benchmark inside headless Chromium (webgl, and wasm in the page) with the Node tables.
import {writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright';
import {createServer} from 'vite';
import {CHROMIUM, CHROMIUM_ARGS, ISOLATION_HEADERS, PREBUNDLE} from '../../tools/browser/chromium';
import {BENCH_SHAPES} from '../suites/ops';
import {progress, table} from '../util';
import type {PageOutcome} from './page';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function runBrowserBench(args: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? (args[i + 1] ?? '') : undefined;
  };
  // --vs-ort: the model race against onnxruntime-web has its own page and runner (bench/browser/vs_ort_run.ts).
  if (args.includes('--vs-ort')) return (await import('./vs_ort_run')).runVsOrtBrowser(args);
  // --train: training steps at 1 and n threads, our kernels threaded or not (bench/browser/train_run.ts).
  if (args.includes('--train')) return (await import('./train_run')).runTrainBrowser(args);
  const quick = args.includes('--quick');
  const backends = flag('--backends') ?? 'webgl,wasm,webgpu';
  const unpacked = args.includes('--unpacked');
  const server = await createServer({
    root: ROOT, configFile: false, logLevel: 'error', clearScreen: false,
    server: {host: '127.0.0.1', port: 0, headers: ISOLATION_HEADERS, hmr: false, watch: null},
    optimizeDeps: {include: PREBUNDLE, entries: ['bench/browser/index.html']},
  });
  const browser = await chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true}).catch(async (e) => {
    await server.close();
    throw new Error(`could not launch ${CHROMIUM} (apt-get install chromium, or set PACC_CHROMIUM): ${(e as Error).message}`);
  });
  try {
    await server.listen();
    const url = `${server.resolvedUrls!.local[0]}bench/browser/index.html?quick=${quick ? 1 : 0}&backends=${backends}&unpacked=${unpacked ? 1 : 0}&shapes=${encodeURIComponent(JSON.stringify(BENCH_SHAPES))}`;
    const page = await browser.newPage();
    page.on('console', (m) => { if (m.text().startsWith('[bench]')) process.stderr.write(`${m.text()}\n`); });
    // An uncaught page error means the page will never report: fail now, not at the timeout.
    let pageError: Error | undefined;
    page.on('pageerror', (e) => { pageError ??= e; });
    progress(`opening ${url}`);
    // 'commit': the benchmark starts while the page loads and may hold back its load event.
    await page.goto(url, {waitUntil: 'commit'});
    const deadline = Date.now() + 3_600_000;
    while (!(await page.evaluate(() => (window as unknown as {__paccBench?: {done: boolean}}).__paccBench?.done))) {
      if (pageError) throw new Error(`benchmark page error: ${pageError.message}`);
      if (Date.now() > deadline) throw new Error('benchmark page did not finish within an hour');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const out = await page.evaluate(() => (window as unknown as {__paccBench: PageOutcome}).__paccBench);
    if (out.error) throw new Error(`benchmark page failed: ${out.error}`);
    console.log(`\n# Browser op benchmark\n\n${Object.entries(out.env ?? {}).map(([k, v]) => `- ${k}: ${v}`).join('\n')}`);
    for (const r of out.results ?? []) {
      console.log(`\n## ${r.title}\n\n${table(r.headers, r.rows)}`);
      for (const n of r.notes ?? []) console.log(`\n${n}`);
    }
    const json = flag('--json');
    if (json) {
      writeFileSync(json, JSON.stringify({date: new Date().toISOString(), ...out}, null, 1));
      progress(`wrote ${json}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

// Run directly (npm run bench:browser), not when bench/run.ts imports it for --browser.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runBrowserBench(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

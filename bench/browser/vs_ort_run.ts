// `npm run bench -- --browser --vs-ort`: PaCC-Net-XS/S in headless Chromium, tfjs-wasm (optimised, threaded build) vs onnxruntime-web (wasm EP) at equal thread counts.
import {createReadStream, existsSync} from 'node:fs';
import {cpus} from 'node:os';
import {join, resolve} from 'node:path';
import type {Plugin} from 'vite';
import {ISOLATION_HEADERS} from '../../tools/browser/chromium';
import {progress, table} from '../util';
import {flagOf, ROOT, runPage, startSession, writeJson} from './session';
import type {VsOrtConfig, VsOrtOutcome} from './vs_ort_page';
const ORT_DIST = join(ROOT, 'node_modules/onnxruntime-web/dist');
/** The same places the Node vs-ort suite looks in: bench/data/, then the shared fixtures next to the clone. */
const ONNX_DIRS = [join(ROOT, 'bench/data'), resolve(ROOT, '../shared/fixtures')];
const MODELS = [
  {label: 'PaCC-Net-XS', model: 'paccnet-xs', onnx: 'edgeformer_xs.onnx'},
  {label: 'PaCC-Net-S', model: 'paccnet-s', onnx: 'edgeformer_s.onnx'},
];

/**
 * Serves onnxruntime-web's dist files (`/__ort/*`) and the ONNX exports (`/__onnx/*`) as they are, with
 * the isolation headers: the dev server would otherwise transform ORT's .mjs loader (which imports its
 * own wasm glue by URL and starts workers from it), and the exports may live outside the project root.
 */
function rawFiles(): Plugin {
  const types: Record<string, string> = {'.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream'};
  return {
    name: 'pacc-vs-ort-raw-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0];
        const m = /^\/__(ort|onnx)\/([\w.-]+)$/.exec(url);
        if (!m) return next();
        const path = m[1] === 'ort' ? join(ORT_DIST, m[2]) : ONNX_DIRS.map((d) => join(d, m[2])).find((p) => existsSync(p));
        if (!path || !existsSync(path)) { res.statusCode = 404; res.end(`not found: ${url}`); return; }
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        res.setHeader('Content-Type', types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream');
        createReadStream(path).pipe(res);
      });
    },
  };
}

const osCpus = cpus().length;
const median = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

export async function runVsOrtBrowser(args: string[]): Promise<void> {
  const flag = flagOf(args);
  const quick = args.includes('--quick');
  const threads = (flag('--threads') ?? '1,2').split(',').map(Number);
  const [warmup, runs] = quick ? [1, 3] : [2, Number(flag('--runs') ?? 9)];
  const models = MODELS.filter((m) => {
    if (ONNX_DIRS.some((d) => existsSync(join(d, m.onnx)))) return true;
    progress(`vs-ort browser: ${m.onnx} not found in ${ONNX_DIRS.join(' or ')}, ${m.label} skipped`);
    return false;
  });
  const session = await startSession('bench/browser/vs_ort.html', [rawFiles()]);
  const rows: (string | number)[][] = [];
  const env: Record<string, unknown>[] = [];
  try {
    // One page per thread count: neither runtime can change its thread count once its wasm module has started.
    // The page is told 2·n cores so tfjs-wasm's cap of hardwareConcurrency / 2 (tfjs-backend-wasm/src/cc/backend.cc)
    // allows n threads; onnxruntime-web takes numThreads as given.
    for (const n of threads) {
      const config: VsOrtConfig = {threads: n, size: 256, warmup, runs, models: models.map((m) => ({label: m.label, model: m.model, onnxUrl: `/__onnx/${m.onnx}`}))};
      const out = await runPage<VsOrtOutcome>(session, session.url(`bench/browser/vs_ort.html?config=${encodeURIComponent(JSON.stringify(config))}`),
          '__paccVsOrt', {threads: n});
      if (out.error) throw new Error(`vs-ort page failed (${n} thread(s)): ${out.error}`);
      env.push(out.env ?? {});
      for (const r of out.rows ?? []) {
        const a = median(r.tfjs), b = median(r.ort);
        rows.push([r.label, `${n} (tfjs ${out.env?.tfjsThreads}, ORT ${out.env?.ortThreads})`, a.toFixed(1), b.toFixed(1), `${(a / b).toFixed(2)}×`]);
      }
    }
    const title = `tfjs-pacc optimised (tfjs-wasm, threaded SIMD build) vs onnxruntime-web ${env[0]?.ortVersion ?? '?'} (wasm EP) in headless Chromium, 256×256, batch 1, ms (median of ${runs} interleaved runs after ${warmup} warm-ups)`;
    env.forEach((e) => { e.hardwareConcurrency = `${e.hardwareConcurrency} (reported to the page so tfjs' cap of cores/2 allows the thread count; the machine has ${osCpus} logical cores)`; });
    console.log(`\n# Browser vs-ort\n\n${Object.entries(env[0] ?? {}).map(([k, v]) => `- ${k}: ${v}`).join('\n')}\n\n## ${title}\n\n${table(['model', 'threads', 'tfjs-pacc optimised', 'onnxruntime-web', 'optimised / ORT'], rows)}`);
    writeJson(flag('--json'), {title, env, rows});
  } finally {
    await session.close();
  }
}

// npm run fuzz [-- --cases N] [--kind pt|json] [--replay <kind>:<seed>]: mutates public checkpoints and model files, each case in a worker with time and memory limits.
import {Worker} from 'node:worker_threads';
import {fileURLToPath} from 'node:url';
import type {Kind, Outcome} from './cases';

const args = process.argv.slice(2);
const opt = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const CASES = Number(opt('--cases', '10000'));
const TIMEOUT_MS = Number(opt('--timeout-ms', '10000'));
const MAX_RSS_MB = Number(opt('--max-rss-mb', '1500'));
const BASE = Number(opt('--seed', '1'));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** One long-lived worker; a case over time is 'hung' (the worker is terminated and replaced), a dying worker 'crashed'. */
class Runner {
  private w!: Worker;
  private pending?: (r: {outcome: Outcome; what: string; message?: string}, respawn: boolean) => void;
  constructor() { this.spawn(); }
  private spawn() {
    const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(WORKER)})`, {eval: true, resourceLimits: {maxOldGenerationSizeMb: 1024}});
    // Listeners stay for the worker's life; only the current case's callback changes.
    w.on('message', (r) => {
      const rss = process.memoryUsage().rss / 2 ** 20;
      this.pending?.(rss > MAX_RSS_MB ? {...r, outcome: 'over-memory', message: `rss ${rss.toFixed(0)} MB`} : r, rss > MAX_RSS_MB);
    });
    w.on('error', (e) => { if (w === this.w) this.pending?.({outcome: 'crashed', what: 'worker died', message: String(e).slice(0, 300)}, true); });
    w.on('exit', (c) => { if (w === this.w) this.pending?.({outcome: 'crashed', what: `worker exited ${c}`}, true); });
    this.w = w;
  }
  run(kind: Kind, seed: number): Promise<{outcome: Outcome; what: string; message?: string}> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.pending?.({outcome: 'hung', what: `no answer in ${TIMEOUT_MS} ms`}, true), TIMEOUT_MS);
      this.pending = (r, respawn) => {
        clearTimeout(timer); this.pending = undefined;
        if (respawn) { const old = this.w; this.spawn(); void old.terminate(); }
        resolve(r);
      };
      this.w.postMessage({kind, seed});
    });
  }
  close() { const w = this.w; this.w = undefined as unknown as Worker; return w.terminate(); }
}

async function main() {
  const replay = opt('--replay', '');
  const r = new Runner();
  if (replay) {
    const [kind, seed] = replay.includes(':') ? replay.split(':') : ['pt', replay];
    console.log(JSON.stringify(await r.run(kind as Kind, Number(seed)), null, 1));
    await r.close();
    return;
  }
  const kinds = (opt('--kind', 'pt,json').split(',')) as Kind[];
  let bad = 0;
  for (const kind of kinds) {
    const counts: Record<Outcome, number> = {loaded: 0, rejected: 0, crashed: 0, hung: 0, 'over-memory': 0};
    const t0 = Date.now();
    for (let i = 0; i < CASES; i++) {
      const seed = BASE + i;
      const res = await r.run(kind, seed);
      counts[res.outcome]++;
      if (res.outcome !== 'loaded' && res.outcome !== 'rejected') {
        bad++;
        console.log(`${res.outcome}: --replay ${kind}:${seed}  ${res.what} :: ${res.message ?? ''}`);
      }
      if ((i + 1) % 1000 === 0) console.error(`${kind}: ${i + 1}/${CASES}`);
    }
    console.log(`${kind}: ${CASES} cases in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  await r.close();
  process.exitCode = bad ? 1 : 0;
}
void main();

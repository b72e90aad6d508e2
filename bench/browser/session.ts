// What every browser benchmark runner does: serve the project with the isolation headers, launch Debian's Chromium, open a page and wait for its result.
import {writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Browser, chromium} from 'playwright';
import {createServer, Plugin, ViteDevServer} from 'vite';
import {CHROMIUM, CHROMIUM_ARGS, ISOLATION_HEADERS, PREBUNDLE} from '../../tools/browser/chromium';
import {progress} from '../util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `--name value` from a runner's arguments. */
export const flagOf = (args: string[]) => (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? '') : undefined;
};

export interface BenchSession {
  browser: Browser;
  /** The served URL of a project file, e.g. 'bench/browser/train.html'. */
  url(path: string): string;
  close(): Promise<void>;
}

/** A dev server (cross-origin isolated, so wasm gets its threaded build) for `entry` and a headless Chromium. */
export async function startSession(entry: string, plugins: Plugin[] = []): Promise<BenchSession> {
  const server: ViteDevServer = await createServer({
    root: ROOT, configFile: false, logLevel: 'error', clearScreen: false, plugins,
    server: {host: '127.0.0.1', port: 0, headers: ISOLATION_HEADERS, hmr: false, watch: null},
    optimizeDeps: {include: PREBUNDLE, entries: [entry]},
  });
  const browser = await chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true}).catch(async (e) => {
    await server.close();
    throw new Error(`could not launch ${CHROMIUM} (apt-get install chromium, or set PACC_CHROMIUM): ${(e as Error).message}`);
  });
  await server.listen();
  return {
    browser,
    url: (path) => `${server.resolvedUrls!.local[0]}${path}`,
    close: async () => { await browser.close(); await server.close(); },
  };
}

/**
 * Opens `url` in a new page, forwards its `[bench]` console lines, and returns `window[key]` once it
 * has `done` set. `threads`: report 2·threads logical cores to the page, since tfjs-backend-wasm caps
 * its pool at hardwareConcurrency / 2 (docs/inference.md). An uncaught page error fails at once.
 */
export async function runPage<T extends {done: boolean}>(
    session: BenchSession, url: string, key: string, opts: {threads?: number; timeoutMs?: number} = {}): Promise<T> {
  const page = await session.browser.newPage();
  try {
    // (A string: tsx would wrap a function's inner arrows in its __name helper, which the page lacks.)
    if (opts.threads) {
      await page.addInitScript(`Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', {get: () => ${2 * opts.threads}, configurable: true});`);
    }
    page.on('console', (m) => { if (m.text().startsWith('[bench]')) process.stderr.write(`${m.text()}\n`); });
    let pageError: Error | undefined;
    page.on('pageerror', (e) => { pageError ??= e; });
    progress(`opening ${url}`);
    // 'commit': the benchmark starts while the page loads and may hold back its load event.
    await page.goto(url, {waitUntil: 'commit'});
    const timeout = opts.timeoutMs ?? 1_800_000;
    const deadline = Date.now() + timeout;
    while (!(await page.evaluate((k) => (window as unknown as Record<string, {done?: boolean} | undefined>)[k]?.done, key))) {
      if (pageError) throw new Error(`benchmark page error: ${pageError.message}`);
      if (Date.now() > deadline) throw new Error(`benchmark page did not finish within ${timeout / 60_000} minutes: ${url}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    return await page.evaluate((k) => (window as unknown as Record<string, unknown>)[k], key) as T;
  } finally {
    await page.close();
  }
}

/** Writes a runner's result as JSON when `--json <file>` was given. */
export function writeJson(path: string | undefined, value: object): void {
  if (!path) return;
  writeFileSync(path, JSON.stringify({date: new Date().toISOString(), ...value}, null, 1));
  progress(`wrote ${path}`);
}

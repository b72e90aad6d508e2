// `npm run demo:browser`: builds the demo with Vite, then serves the built folder from 127.0.0.1 with COOP/COEP (wasm threads) and prints the URL.
import {createReadStream, existsSync, statSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import {extname, join, normalize, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.png': 'image/png', '.json': 'application/json', '.gz': 'application/octet-stream', '.bin': 'application/octet-stream', '.svg': 'image/svg+xml',
};

/** Builds the page into `outDir` (out/browser-demo by default) with the demo's vite.config.ts. */
export async function buildDemo(outDir?: string): Promise<string> {
  const {build} = await import('vite');
  const configFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url));
  const {DEMO_OUT} = await import('./vite.config');
  const dir = outDir ?? DEMO_OUT;
  await build({configFile, build: {outDir: dir}});
  return dir;
}

/**
 * A static server for `dir` on 127.0.0.1 (`port` 0 = any free port). Cross-origin isolation
 * headers give the page SharedArrayBuffer, so tfjs-backend-wasm runs its threaded build.
 */
export function serveDir(dir: string, port = 0): Promise<{url: string; server: Server}> {
  const base = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(base, path));
    if (!file.startsWith(base)) { res.writeHead(403).end('forbidden'); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404, {'Content-Type': 'text/plain'}).end(`not found: ${path}`); return; }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      ok({url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}/`, server});
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 5180;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo:browser: --port must be an integer 0..65535, got '${process.argv[portArg + 1]}'`);
    process.exit(2);
  }
  const dir = await buildDemo();
  const {url} = await serveDir(dir, port).catch((e: Error) => {
    console.error(`demo:browser: cannot listen on 127.0.0.1:${port} (${e.message}); try --port 0`);
    process.exit(1);
  });
  console.log(`tfjs-pacc browser demo (built into ${dir}): open ${url}  (Ctrl-C to stop)`);
}

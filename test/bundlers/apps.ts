// Builds the test app with esbuild, webpack 5 and Vite against the packed tfjs-pacc, and serves them plus the script-tag page.
import {execFileSync} from 'node:child_process';
import {cpSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {extname, join, normalize, sep} from 'node:path';
import {gzipSync} from 'node:zlib';
import {ROOT} from '../util/build_dist';

export const WORK = join(ROOT, 'out/bundlers');
const APP = join(ROOT, 'test/bundlers/app');

/**
 * `npm pack` of the built repo, extracted as WORK/node_modules/tfjs-pacc: exactly the files users
 * install (the `files` field, the exports map). Its @tensorflow/* and fflate imports resolve up the
 * tree to the repo's node_modules, the same copies the app uses.
 */
export function installPackedPackage(): string {
  rmSync(WORK, {recursive: true, force: true});
  mkdirSync(join(WORK, 'node_modules'), {recursive: true});
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', WORK], {cwd: ROOT, encoding: 'utf8'});
  const tarball = join(WORK, (JSON.parse(out) as {filename: string}[])[0].filename);
  execFileSync('tar', ['-xzf', tarball, '-C', WORK]);
  renameSync(join(WORK, 'package'), join(WORK, 'node_modules/tfjs-pacc'));
  cpSync(APP, join(WORK, 'src'), {recursive: true});
  return tarball;
}

export interface Built { name: string; dir: string; jsBytes: number; jsGzipBytes: number; ms: number; }

/** Total size of the .js files an app build wrote (what a browser downloads, wasm binaries aside). */
function measure(name: string, dir: string, started: number): Built {
  let jsBytes = 0;
  let jsGzipBytes = 0;
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.m?js$/.test(f)) {
        const b = readFileSync(p);
        jsBytes += b.length;
        jsGzipBytes += gzipSync(b, {level: 9}).length;
      }
    }
  };
  walk(dir);
  return {name, dir, jsBytes, jsGzipBytes, ms: Date.now() - started};
}

/** The Vite page pointed at a single bundle (esbuild, webpack). */
function pageFor(dir: string, module: boolean) {
  const html = readFileSync(join(APP, 'index.html'), 'utf8')
    .replace('<script type="module" src="./entry.js"></script>', `<script ${module ? 'type="module" ' : ''}src="./bundle.js"></script>`);
  writeFileSync(join(dir, 'index.html'), html);
}

export async function buildEsbuild(): Promise<Built> {
  const started = Date.now();
  const esbuild = await import('esbuild');
  const dir = join(WORK, 'esbuild');
  await esbuild.build({
    entryPoints: [join(WORK, 'src/entry.js')], outfile: join(dir, 'bundle.js'), bundle: true, platform: 'browser',
    format: 'esm', minify: true, logLevel: 'silent', define: {'process.env.NODE_ENV': '"production"'},
  });
  pageFor(dir, true);
  return measure('esbuild', dir, started);
}

/**
 * Production mode as usual (tree-shaking, sideEffects, module concatenation), but minified by
 * esbuild instead of the default terser, which takes ~45 s for tfjs on two cores.
 */
function esbuildMinimizer(webpack: typeof import('webpack')) {
  return {
    apply(compiler: import('webpack').Compiler) {
      compiler.hooks.compilation.tap('esbuild-minify', (compilation) => {
        compilation.hooks.processAssets.tapPromise(
          {name: 'esbuild-minify', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_OPTIMIZE_SIZE},
          async (assets) => {
            const esbuild = await import('esbuild');
            for (const name of Object.keys(assets).filter((n) => n.endsWith('.js'))) {
              const {code} = await esbuild.transform(assets[name].source().toString(), {minify: true, treeShaking: true, loader: 'js'});
              compilation.updateAsset(name, new webpack.sources.RawSource(code));
            }
          });
      });
    },
  };
}

export async function buildWebpack(): Promise<Built> {
  const started = Date.now();
  const {default: webpack} = await import('webpack');
  const dir = join(WORK, 'webpack');
  const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
    webpack({
      mode: 'production', target: 'web', context: join(WORK, 'src'), entry: './entry.js', devtool: false,
      output: {path: dir, filename: 'bundle.js'}, performance: {hints: false}, infrastructureLogging: {level: 'error'},
      optimization: {minimizer: [esbuildMinimizer(webpack)]},
    }, (err, s) => (err != null || s == null ? reject(err ?? new Error('webpack gave no stats')) : resolve(s)));
  });
  if (stats.hasErrors()) throw new Error(`webpack: ${stats.toString({all: false, errors: true})}`);
  pageFor(dir, false);
  return measure('webpack', dir, started);
}

export async function buildVite(): Promise<Built> {
  const started = Date.now();
  const vite = await import('vite');
  const dir = join(WORK, 'vite');
  await vite.build({
    root: join(WORK, 'src'), base: '/vite/', configFile: false, logLevel: 'silent', mode: 'production',
    build: {outDir: dir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 10_000},
  });
  return measure('vite', dir, started);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.map': 'application/json',
};

/** Static server: /node_modules (tfjs scripts, wasm binaries), /pkg (the packed package), /<app>/ (each build), /script/ (the page). */
export async function serve(): Promise<{server: Server; url: string}> {
  const mounts: [string, string][] = [
    ['/node_modules/', join(ROOT, 'node_modules')], ['/pkg/', join(WORK, 'node_modules/tfjs-pacc')],
    ['/esbuild/', join(WORK, 'esbuild')], ['/webpack/', join(WORK, 'webpack')], ['/vite/', join(WORK, 'vite')],
    ['/script/', join(WORK, 'src')],
  ];
  const server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const mount = mounts.find(([prefix]) => url.startsWith(prefix));
    const file = mount && normalize(join(mount[1], url.slice(mount[0].length) || 'index.html'));
    if (file == null || !file.startsWith(mount![1] + sep) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404).end(`not found: ${url}`);
      return;
    }
    res.writeHead(200, {'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream'});
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`};
}

// Vite build of the browser demo: one offline folder (out/browser-demo) with tfjs-backend-wasm's .wasm files copied beside the page.
import {copyFileSync, mkdirSync, readdirSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {defineConfig, type Plugin} from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
export const DEMO_OUT = join(root, 'out/browser-demo');

/** Copies the tfjs-backend-wasm binaries into <out>/wasm/ (backends.ts points setWasmPaths there). */
function tfjsWasmFiles(): Plugin {
  const src = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out');
  return {
    name: 'tfjs-wasm-files',
    writeBundle(options) {
      const dir = join(options.dir ?? DEMO_OUT, 'wasm');
      mkdirSync(dir, {recursive: true});
      for (const f of readdirSync(src)) if (f.endsWith('.wasm')) copyFileSync(join(src, f), join(dir, f));
    },
  };
}

/**
 * tfjs-backend-wasm starts its threads from the *source text* of its emscripten factory
 * (`factory.toString()` in a Blob), so that function must not use variables of the scope
 * around it. Two places read the wrapper's `_scriptDir`; a minifier renames it (or drops the
 * `typeof` guard), and every worker then dies with "ReferenceError: e is not defined" and the
 * wasm backend never starts (only on cross-origin isolated pages, where the threaded build runs).
 * In an ES-module page `_scriptDir` is always undefined (module scripts have no
 * document.currentScript), so both reads are removed; the build fails if they are not found.
 */
function tfjsWasmThreadsSurviveMinify(): Plugin {
  const edits: [string, string][] = [
    ['if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir}', ''],
    ['"urlOrBlob":Module["mainScriptUrlOrBlob"]||_scriptDir,', '"urlOrBlob":Module["mainScriptUrlOrBlob"],'],
  ];
  return {
    name: 'tfjs-wasm-threads-survive-minify',
    transform(code, id) {
      if (!/tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/.test(id.split('?')[0])) return null;
      for (const [from, to] of edits) {
        if (!code.includes(from)) throw new Error(`${id}: expected '${from}' (tfjs-backend-wasm changed? re-check this plugin)`);
        code = code.replace(from, to);
      }
      return {code, map: null};
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  publicDir: join(here, 'public'),
  logLevel: 'warn',
  build: {
    outDir: DEMO_OUT,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 6000,
    // The Fashion-MNIST files stay separate assets (fetched), never inlined.
    assetsInlineLimit: 0,
  },
  plugins: [tfjsWasmThreadsSurviveMinify(), tfjsWasmFiles()],
});

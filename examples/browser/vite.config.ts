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
  plugins: [tfjsWasmFiles()],
});

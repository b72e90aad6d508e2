// The vitest browser project: the shared specs in real headless Chromium (Debian's, via Playwright), cross-origin isolated.
import {existsSync} from 'node:fs';
import {playwright} from '@vitest/browser-playwright';
import type {TestProjectConfiguration} from 'vitest/config';

/** Debian's chromium; PACC_CHROMIUM overrides it (e.g. a local Chrome). */
export const CHROMIUM = process.env.PACC_CHROMIUM ?? '/usr/bin/chromium';

/**
 * SwiftShader gives WebGL 2 without a GPU. Without the background-networking
 * flags, Chromium keeps dialling Google services that are refused here and
 * slows to a crawl.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/**
 * COOP + COEP make the page cross-origin isolated, which gives it
 * SharedArrayBuffer, so tfjs-backend-wasm loads its threaded SIMD build.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The browser project, or none when Chromium is missing: then one line says so
 * and how to enable it. Under CI a missing Chromium is an error, never a skip.
 */
export function browserProjects(): TestProjectConfiguration[] {
  if (!existsSync(CHROMIUM)) {
    const msg = `browser suite (webgl/wasm/cpu in Chromium) needs ${CHROMIUM}: install it with \`apt-get install chromium\` (or set PACC_CHROMIUM)`;
    if (process.env.CI) throw new Error(`[test] CI: ${msg}`);
    console.log(`[test] SKIPPED the ${msg}`);
    return [];
  }
  return [{
    server: {headers: ISOLATION_HEADERS},
    // Pre-bundle up front: discovering deps mid-run would reload the page under a running test.
    optimizeDeps: {
      include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu',
        '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-wasm'],
    },
    test: {
      name: 'browser',
      include: ['test/browser/**/*.browser.test.ts'],
      setupFiles: ['test/browser/setup.ts'],
      testTimeout: 300_000,
      hookTimeout: 300_000,
      // Two cores are shared: one page at a time keeps SwiftShader timings sane.
      fileParallelism: false,
      browser: {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: playwright({launchOptions: {executablePath: CHROMIUM, args: CHROMIUM_ARGS}}),
        instances: [{browser: 'chromium'}],
      },
    },
  }];
}

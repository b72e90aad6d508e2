// The vitest browser project: the shared specs in real headless Chromium (Debian's, via Playwright), cross-origin isolated.
import {existsSync} from 'node:fs';
import {playwright} from '@vitest/browser-playwright';
import type {TestProjectConfiguration} from 'vitest/config';
import {CHROMIUM, CHROMIUM_ARGS, ISOLATION_HEADERS, PREBUNDLE} from '../../tools/browser/chromium.js';

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
    optimizeDeps: {include: PREBUNDLE},
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

// The built package as users get it (npm pack): esbuild, webpack 5 and Vite apps and a script-tag page run the op and a PaCC-Net in Chromium.
import {existsSync} from 'node:fs';
import type {Server} from 'node:http';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CHROMIUM, CHROMIUM_ARGS} from '../../tools/browser/chromium';
import {buildDist} from '../util/build_dist';
import {type Built, buildEsbuild, buildVite, buildWebpack, installPackedPackage, serve} from './apps';

// Same policy as the browser project (test/browser/project.ts): without Chromium one line says so; under CI it is an error.
const reason = existsSync(CHROMIUM) ? null : `the bundler tests open their pages in ${CHROMIUM}: install it with \`apt-get install chromium\` (or set PACC_CHROMIUM)`;
if (reason != null && process.env.CI) throw new Error(`[test] CI: ${reason}`);
if (reason != null) console.log(`[test] SKIPPED ${reason}`);

/** Opens a page, waits for window.__paccResult; every console error and page error is collected. */
async function runPage(browser: import('playwright').Browser, url: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`); });
  try {
    await page.goto(url);
    // A page error means the result may never come: stop waiting then.
    let failed: (e: Error) => void = () => {};
    const pageFailed = new Promise<never>((_, reject) => { failed = reject; });
    page.on('pageerror', (e) => failed(new Error(`${url}: page error: ${e.message}`)));
    await Promise.race([
      page.waitForFunction(() => (window as {__paccResult?: unknown}).__paccResult != null, null, {timeout: 60_000}),
      pageFailed,
    ]);
    const result = await page.evaluate(() => (window as unknown as {__paccResult: {ok: boolean; error?: string; log: Record<string, number>}}).__paccResult);
    return {result, errors};
  } finally {
    await page.close();
  }
}

describe.skipIf(reason != null)('the built package in bundlers and a script tag (headless Chromium)', () => {
  let server: Server;
  let base: string;
  let browser: import('playwright').Browser;
  const built: Record<string, Built> = {};

  beforeAll(async () => {
    await buildDist();
    installPackedPackage();
    // One at a time: the machine has two cores and Chromium starts meanwhile.
    const {chromium} = await import('playwright');
    const launching = chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS});
    for (const build of [buildEsbuild, buildVite, buildWebpack]) {
      const b = await build();
      built[b.name] = b;
    }
    browser = await launching;
    ({server, url: base} = await serve());
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(null)));
    // Bundle sizes, for the README / reports: raw and gzip bytes of the JS each tool wrote.
    for (const b of Object.values(built)) console.log(`[bundlers] ${b.name}: ${b.jsBytes} B js, ${b.jsGzipBytes} B gzip, built in ${b.ms} ms`);
  });

  for (const [name, path] of [['esbuild', '/esbuild/'], ['webpack 5', '/webpack/'], ['Vite', '/vite/'], ['script tag', '/script/script_tag.html']]) {
    it(`${name}: the kernel is registered on webgl and wasm, matches the reference, a small PaCC-Net predicts, no console errors`, async () => {
      const {result, errors} = await runPage(browser, base + path);
      expect(result.error, `${name} page`).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(errors, `${name}: console / page errors`).toEqual([]);
      expect(result.log.params).toBeGreaterThan(10_000);
    }, 90_000);
  }
});

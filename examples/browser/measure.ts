// Measures the demo page's training speed per backend in headless Chromium: `npx tsx examples/browser/measure.ts wasm:160 webgl:64 cpu:96`.
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright';
import {CHROMIUM, CHROMIUM_ARGS} from '../../tools/browser/chromium';
import {buildDemo, serveDir} from './serve';

/**
 * Each argument is `<backend>:<train images>` (32 images a step, one epoch, 100 test images), run on a
 * fresh page. images/s is the page's own readout: both nets, every step but the first (warm-up).
 * After training, one more classification of a sample gives the per-frame latency after warm-up.
 */
const specs = process.argv.slice(2);
if (!specs.length || specs.some((s) => !/^[a-z]+:\d+$/.test(s))) {
  console.error('usage: npx tsx examples/browser/measure.ts <backend>:<train images> ... (e.g. wasm:160 webgl:64)');
  process.exit(2);
}
const dir = await buildDemo(join(fileURLToPath(new URL('../..', import.meta.url)), 'out/demo/measure-site'));
const {url, server} = await serveDir(dir, 0);
const browser = await chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS});
type Net = {name: string; imagesPerSec: number; busyMs: number};
type W = {paccDemo: {tf: {getBackend(): string}; runOnView(): Promise<unknown>; state: {training?: {step: number; running: boolean; done: boolean; nets: Net[]}}}};
try {
  for (const spec of specs) {
    const [backend, images] = spec.split(':');
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.log(`${backend}: page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.log(`${backend}: console.error: ${m.text()}`); });
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]');
    await page.selectOption('#backend', backend);
    await page.waitForFunction((b) => (window as unknown as W).paccDemo.tf.getBackend() === b && document.getElementById('backend-status')!.textContent!.startsWith(b), backend, {timeout: 60_000});
    await page.fill('#epochs', '1');
    await page.fill('#train-images', images);
    await page.fill('#test-images', '100');
    const t0 = Date.now();
    // The page is busy during a step; the button's click() is queued like a person's click.
    await page.evaluate(() => document.getElementById('train-start')!.click());
    // Polled from here (one evaluate per gap between steps): a cpu step can take minutes.
    for (;;) {
      await page.waitForTimeout(2000);
      const over = await page.evaluate(() => { const t = (window as unknown as W).paccDemo.state.training; return !!t?.done && !t.running; });
      if (over) break;
    }
    const nets = await page.evaluate(() => (window as unknown as W).paccDemo.state.training!.nets.map((n) => ({name: n.name, ips: n.imagesPerSec, s: n.busyMs / 1000})));
    await page.click('#samples img[data-sample=sneaker]');
    await page.waitForFunction(() => document.querySelectorAll('#top5 tbody tr').length === 5, null, {timeout: 120_000});
    await page.evaluate(() => (window as unknown as W).paccDemo.runOnView());
    console.log(`${backend} (${await page.textContent('#backend-status')}), ${images} images, ${((Date.now() - t0) / 1000).toFixed(0)} s wall: ` +
      `${nets.map((n) => `${n.name} ${n.ips.toFixed(1)} images/s`).join(', ')}; ${await page.textContent('#latency')}`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}

// The browser demo page (examples/browser) built and served as `npm run demo:browser` does, driven in headless Chromium: train, stop/resume, classify, convert a .pt, save/load, webcam, no console errors.
import {existsSync, mkdirSync, rmSync} from 'node:fs';
import type {Server} from 'node:http';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildDemo, serveDir} from '../../examples/browser/serve';
import {FASHION_CLASSES} from '../../examples/shared/idx_parse';
import {CHROMIUM, CHROMIUM_ARGS} from '../../tools/browser/chromium';
import {ROOT} from '../util/build_dist';
import {relError} from '../util/compare';
import {loadFixture, nchwToNhwc, readFixture} from '../util/fixtures';

// Same policy as the browser project (test/browser/project.ts): without Chromium one line says so; under CI it is an error.
const reason = existsSync(CHROMIUM) ? null : `the browser demo test opens the page in ${CHROMIUM}: install it with \`apt-get install chromium\` (or set PACC_CHROMIUM)`;
if (reason != null && process.env.CI) throw new Error(`[test] CI: ${reason}`);
if (reason != null) console.log(`[test] SKIPPED ${reason}`);

const OUT = join(ROOT, 'out/demo');
/** Its own build folder, so a running `npm run demo:browser` (out/browser-demo) is never rebuilt under it. */
const SITE = join(OUT, 'site');
const XS_PT = join(ROOT, 'test/fixtures/edgeformer_xs.pt');
/** Training in the test: 4 steps of 32 images (1 epoch of 128), evaluated on 100 test images. wasm is the fastest backend under SwiftShader (docs/browser.md). */
const BACKEND = 'wasm';
const TRAIN_IMAGES = 128, STEPS = 4;

type Page = import('playwright').Page;
type Demo = {
  state: {training?: {step: number; totalSteps: number; done: boolean; running: boolean; nets: {name: string; imagesPerSec: number; loss: [number, number][]; acc: [number, number][]}[]};
    models: Map<string, unknown>};
  charts: {loss: {data: number[][]}; acc: {data: number[][]}};
  tf: {getBackend(): string};
  predictRaw(id: string, data: number[], shape: number[]): number[];
};
declare const paccDemo: Demo;

describe.skipIf(reason != null)('browser demo page (examples/browser) in headless Chromium', () => {
  let server: Server;
  let browser: import('playwright').Browser;
  let page: Page;
  /** Every console error, page error and HTTP error of the page; each test ends by checking it is still empty. */
  const errors: string[] = [];
  const noErrors = () => expect(errors, 'console errors / page errors / HTTP errors of the demo page').toEqual([]);
  const text = (sel: string) => page.textContent(sel).then((t) => t ?? '');
  const top5 = () => page.$$eval('#top5 tbody tr', (rows) => rows.map((r) => {
    const td = r.querySelectorAll('td');
    return {label: td[1].textContent!, p: Number(td[2].textContent!.replace('%', '')) / 100};
  }));

  beforeAll(async () => {
    rmSync(OUT, {recursive: true, force: true});
    mkdirSync(OUT, {recursive: true});
    const {chromium} = await import('playwright');
    const launching = chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS});
    await buildDemo(SITE);
    let url: string;
    ({server, url} = await serveDir(SITE, 0));
    browser = await launching;
    page = await browser.newPage({viewport: {width: 1200, height: 900}, acceptDownloads: true});
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`); });
    // Offline: every request stays on the demo's own server (or is a data:/blob: URL the page made).
    page.on('request', (r) => { if (!r.url().startsWith(url) && !/^(data|blob):/.test(r.url())) errors.push(`request off the demo server: ${r.url()}`); });
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]', {timeout: 60_000});
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(null)));
  });

  it('loads offline from the built files: cross-origin isolated, Fashion-MNIST loaded, wasm runs its threaded build', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await text('#train-status')).toMatch(/Fashion-MNIST subset loaded: 6000 train \/ 2000 test images/);
    const offered = await page.$$eval('#backend option', (o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(offered).toEqual(expect.arrayContaining(['webgl', 'wasm', 'cpu']));
    await page.selectOption('#backend', BACKEND);
    await page.waitForFunction(() => /threaded SIMD/.test(document.getElementById('backend-status')!.textContent!), null, {timeout: 30_000});
    expect(await page.evaluate(() => paccDemo.tf.getBackend())).toBe(BACKEND);
    noErrors();
  }, 60_000);

  it('trains both networks a few batches with live charts; Stop halts, Resume finishes', async () => {
    await page.fill('#epochs', '1');
    await page.fill('#train-images', String(TRAIN_IMAGES));
    await page.fill('#test-images', '100');
    // The page is busy while a training step runs and handles input between steps: a person's click on Stop
    // waits for the next gap. Playwright's click needs several round trips to the page first (one gap each,
    // and the machine may be loaded), so a watcher in the page clicks Stop at the first gap after step 1.
    await page.evaluate(() => {
      const watch = () => {
        const stop = document.getElementById('train-stop') as HTMLButtonElement;
        if ((paccDemo.state.training?.step ?? 0) >= 1 && !stop.disabled) stop.click();
        else requestAnimationFrame(watch);
      };
      requestAnimationFrame(watch);
    });
    await page.click('#train-start');
    // The page builds the networks a frame after the click, so `training` may not exist yet on a loaded machine.
    await page.waitForFunction(() => paccDemo.state.training != null && !paccDemo.state.training.running, null, {timeout: 60_000, polling: 100});
    const stoppedAt = await page.evaluate(() => paccDemo.state.training!.step);
    expect(stoppedAt).toBeLessThan(STEPS);
    expect(await text('#train-status')).toBe(`stopped at step ${stoppedAt}: Resume continues`);
    expect(await text('#train-start')).toBe('Resume');
    // Stopped means stopped: no step is taken while we wait.
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => paccDemo.state.training!.step)).toBe(stoppedAt);

    await page.click('#train-start');
    await page.waitForFunction(() => paccDemo.state.training!.done && !paccDemo.state.training!.running, null, {timeout: 90_000, polling: 200});
    const t = await page.evaluate(() => {
      const tr = paccDemo.state.training!;
      return {step: tr.step, total: tr.totalSteps, nets: tr.nets.map((n) => ({name: n.name, ips: n.imagesPerSec, loss: n.loss, acc: n.acc})),
        lossChart: paccDemo.charts.loss.data, accChart: paccDemo.charts.acc.data};
    });
    expect(t.step).toBe(STEPS);
    expect(t.total).toBe(STEPS);
    // One loss point per step for this short run, both nets on the same x; the chart holds exactly the nets' series.
    expect(t.lossChart[0]).toEqual(t.nets[0].loss.map((p) => p[0]));
    expect(t.lossChart[0].at(-1)).toBe(1);
    expect(t.lossChart.length).toBe(3);
    expect(t.lossChart[1]).toEqual(t.nets[0].loss.map((p) => p[1]));
    expect(t.lossChart[2]).toEqual(t.nets[1].loss.map((p) => p[1]));
    expect(t.lossChart[1].length).toBe(STEPS);
    // Label-smoothed cross-entropy over 10 classes starts near ln 10 = 2.3.
    for (const v of [...t.lossChart[1], ...t.lossChart[2]]) expect(v).toBeGreaterThan(0.3), expect(v).toBeLessThan(6);
    // Accuracy (in % on the chart): evaluated at every step of this short run.
    expect(t.accChart[1].length).toBeGreaterThanOrEqual(STEPS);
    expect(t.accChart[1]).toEqual(t.nets[0].acc.map((p) => 100 * p[1]));
    expect(t.accChart[2]).toEqual(t.nets[1].acc.map((p) => 100 * p[1]));
    for (const v of [...t.accChart[1], ...t.accChart[2]]) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(100);
    for (const n of t.nets) expect(n.ips, `${n.name} images/s`).toBeGreaterThan(0);
    // The table shows the same numbers.
    const rows = await page.$$eval('#train-table tbody tr', (r) => r.map((x) => Array.from(x.querySelectorAll('td'), (td) => td.textContent)));
    expect(rows.map((r) => r[0])).toEqual(['PaCC-Net', 'depthwise 3×3 baseline']);
    for (const r of rows) expect(r[2]).toBe(`${STEPS}/${STEPS}`), expect(Number(r[5])).toBeGreaterThan(0);
    expect(await page.$eval('#train-progress', (p) => (p as HTMLProgressElement).value)).toBe(1);
    expect(await text('#train-status')).toMatch(/^done/);
    console.log(`[demo] ${BACKEND} training, images/s (steps 2-${STEPS}): ${t.nets.map((n) => `${n.name} ${n.ips.toFixed(1)}`).join(', ')}`);
    await page.locator('#train').screenshot({path: join(OUT, 'train.png')});
    noErrors();
  }, 150_000);

  it('classifies a bundled sample image with the just-trained network: top-5 Fashion-MNIST classes and the latency', async () => {
    expect(await page.$eval('#model-source', (s) => (s as HTMLSelectElement).value)).toBe('trained-pacc');
    await page.click('#samples img[data-sample=sneaker]');
    await page.waitForFunction(() => document.querySelectorAll('#top5 tbody tr').length === 5, null, {timeout: 30_000});
    const top = await top5();
    for (const r of top) expect(FASHION_CLASSES).toContain(r.label);
    expect(new Set(top.map((r) => r.label)).size).toBe(5);
    for (let i = 1; i < 5; i++) expect(top[i].p).toBeLessThanOrEqual(top[i - 1].p);
    expect(top.reduce((a, r) => a + r.p, 0)).toBeLessThanOrEqual(1.003);
    expect(await text('#latency')).toMatch(new RegExp(`^\\d+\\.\\d ms per frame on ${BACKEND} \\(just trained: PaCC-Net\\)(, first frame: includes warm-up)?$`));
    await page.locator('#run').screenshot({path: join(OUT, 'classify.png')});
    noErrors();
  }, 60_000);

  it('converts the official EdgeFormer-XS .pt in the page (file picker, progress bar): top-5 shown, logits equal PyTorch', async () => {
    await page.selectOption('#pt-arch', 'paccnet-xs');
    // Record the bar's values while the file is read (the reading phase yields; the converter itself is synchronous).
    await page.evaluate(() => {
      const w = window as unknown as {barValues: number[]};
      w.barValues = [];
      const bar = document.getElementById('convert-progress') as HTMLProgressElement;
      const id = setInterval(() => {
        if (!bar.hidden) w.barValues.push(bar.value);
        if (bar.value === 1) clearInterval(id);
      }, 0);
    });
    await page.setInputFiles('#pt-file', XS_PT);
    await page.waitForFunction(() => /^converted/.test(document.getElementById('convert-status')!.textContent!) ||
      document.getElementById('convert-status')!.classList.contains('error'), null, {timeout: 60_000});
    noErrors();
    const status = await text('#convert-status');
    expect(status).toMatch(/^converted edgeformer_xs\.pt as paccnet-xs in [\d.]+ s: 2,185,384 trainable parameters, 399 of 487 keys loaded/);
    expect(await page.$eval('#convert-progress', (p) => [(p as HTMLProgressElement).hidden, (p as HTMLProgressElement).value])).toEqual([false, 1]);
    const values = await page.evaluate(() => (window as unknown as {barValues: number[]}).barValues);
    expect(values.some((v) => v > 0 && v < 1), `progress values seen: ${values.slice(0, 20)}`).toBe(true);
    // The converted model became the current one and classified the sample: ImageNet indices (no labels.txt loaded).
    await page.waitForFunction(() => /checkpoint: edgeformer_xs\.pt/.test(document.getElementById('latency')!.textContent!), null, {timeout: 60_000});
    const top = await top5();
    expect(top).toHaveLength(5);
    for (const r of top) expect(r.label).toMatch(/^class \d{1,3}$/);
    expect(await text('#latency')).toMatch(new RegExp(`^\\d+\\.\\d ms per frame on ${BACKEND} \\(checkpoint: edgeformer_xs\\.pt \\(paccnet-xs\\)\\)(, first frame: includes warm-up)?$`));
    expect(await text('#model-info')).toBe('paccnet_xs: 2,185,384 trainable parameters, input any×any×3, class indices (load a labels.txt for names)');
    await page.locator('#run').screenshot({path: join(OUT, 'convert.png')});

    // The model converted in the page gives the official PyTorch logits (float64 reference, 224×224 input).
    const fx = await loadFixture(readFixture, 'model_edgeformer_xs_224');
    const x = nchwToNhwc(fx.tensors.input);
    const logits = await page.evaluate(([data, shape]) => paccDemo.predictRaw('pt-paccnet-xs', data, shape), [Array.from(x.data), x.shape] as const);
    const err = relError(Float32Array.from(logits), fx.tensors.logits.data);
    expect(err, `logits relative error ${err.toExponential(2)}`).toBeLessThanOrEqual(1e-4);
    noErrors();
  }, 120_000);

  it('saves the trained network (Save: model.json + weights .bin) and loads it back with the tfjs model picker: same outputs', async () => {
    await page.selectOption('#model-source', 'trained-pacc');
    const saved = join(OUT, 'saved');
    mkdirSync(saved, {recursive: true});
    const downloads: string[] = [];
    const got = new Promise<void>((ok) => {
      page.on('download', async (d) => {
        const file = join(saved, d.suggestedFilename());
        await d.saveAs(file);
        downloads.push(file);
        if (downloads.length === 2) ok();
      });
    });
    await page.click('#model-save');
    await got;
    expect(downloads.map((f) => f.slice(saved.length + 1)).sort()).toEqual(['demo_paccnet.json', 'demo_paccnet.weights.bin']);
    await page.setInputFiles('#tfjs-files', downloads);
    await page.waitForFunction(() => /^loaded/.test(document.getElementById('convert-status')!.textContent!) ||
      document.getElementById('convert-status')!.classList.contains('error'), null, {timeout: 30_000});
    noErrors();
    expect(await text('#convert-status')).toMatch(/^loaded demo_paccnet \([\d,]+ parameters\) from 2 file\(s\)$/);
    const loadedId = await page.$eval('#model-source', (s) => (s as HTMLSelectElement).value);
    expect(loadedId).toMatch(/^tfjs-/);
    await page.waitForFunction(() => /tfjs model: demo_paccnet/.test(document.getElementById('latency')!.textContent!), null, {timeout: 30_000});
    // A fixed input through the trained model and its reloaded copy.
    const input = Array.from({length: 2 * 32 * 32}, (_, i) => ((i * 7919) % 255) / 255);
    const [a, b] = await page.evaluate(([id, data]) => [paccDemo.predictRaw('trained-pacc', data, [2, 32, 32, 1]), paccDemo.predictRaw(id, data, [2, 32, 32, 1])],
      [loadedId, input] as const);
    expect(a).toHaveLength(20);
    expect(relError(Float32Array.from(b), Float32Array.from(a))).toBeLessThanOrEqual(1e-6);
    noErrors();
  }, 60_000);

  it('an image dropped on the drop zone is classified', async () => {
    await page.selectOption('#model-source', 'trained-pacc');
    await page.waitForFunction(() => /just trained: PaCC-Net/.test(document.getElementById('latency')!.textContent!), null, {timeout: 30_000});
    const viewSum = () => page.evaluate(() => {
      const c = document.getElementById('view') as HTMLCanvasElement;
      return c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.reduce((a, v) => a + v, 0);
    });
    const before = await viewSum();
    await page.evaluate(async () => {
      document.getElementById('latency')!.textContent = '';
      const blob = await (await fetch('./samples/bag.png')).blob();
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'bag.png', {type: 'image/png'}));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    });
    // The view now shows the bag (its pixels differ from the sneaker's) and a fresh top-5 with its latency.
    await page.waitForFunction(() => /just trained: PaCC-Net/.test(document.getElementById('latency')!.textContent!), null, {timeout: 30_000});
    expect(await viewSum()).not.toBe(before);
    const top = await top5();
    expect(top).toHaveLength(5);
    for (const r of top) expect(FASHION_CLASSES).toContain(r.label);
    noErrors();
  }, 30_000);

  it('Webcam without a camera says so next to the image, with no page error; cpu backend classifies too', async () => {
    await page.click('#webcam');
    await page.waitForFunction(() => /^webcam unavailable/.test(document.getElementById('latency')!.textContent!), null, {timeout: 15_000});
    expect(await text('#webcam')).toBe('Webcam');
    await page.selectOption('#model-source', 'trained-depthwise');
    await page.selectOption('#backend', 'cpu');
    await page.waitForFunction(() => /on cpu \(just trained: depthwise/.test(document.getElementById('latency')!.textContent!), null, {timeout: 30_000});
    expect(await page.evaluate(() => paccDemo.tf.getBackend())).toBe('cpu');
    expect(await top5()).toHaveLength(5);
    noErrors();
  }, 60_000);
});

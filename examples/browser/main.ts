// The demo page's wiring: data, backend switcher, training with live uPlot charts, and the "run a model" panel.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import * as pacc from '../../src/index';
import {DEMO_DEFAULTS} from '../shared/demo_config';
import {availableBackends, useBackend} from './backends';
import {classify, drawToView, registerOverlay, type Prediction, type RunnableModel} from './classify';
import {head, loadFashionMnist} from './data';
import {DemoTraining} from './training';
import type {Dataset} from '../shared/trainer';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const COLORS = ['#d62728', '#1f77b4'];

const state: {data?: {train: Dataset; test: Dataset};
  training?: DemoTraining; models: Map<string, RunnableModel>; labels?: string[]; lastPrediction?: Prediction; webcam?: MediaStream; errors: string[]} = {models: new Map(), errors: []};

function showError(where: HTMLElement, e: unknown) {
  const msg = e instanceof Error ? e.message : String(e);
  state.errors.push(msg);
  where.textContent = msg;
  where.classList.add('error');
  console.error(e);
}

// ---- charts -------------------------------------------------------------------------------------
function makeChart(el: HTMLElement, title: string, yLabel: string, percent = false): uPlot {
  return new uPlot({
    // The legend names the series only (its live values would read "--" until hovered).
    title, width: 520, height: 260, legend: {live: false},
    // Accuracy in % on a fixed 0-100 axis: an auto-scaled axis makes a 1-point wobble look like a collapse.
    scales: {x: {time: false}, ...(percent ? {y: {range: [0, 100] as uPlot.Range.MinMax}} : {})},
    axes: [{label: 'epoch'}, {label: yLabel, ...(percent ? {values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${t}%`)} : {})}],
    series: [{label: 'epoch'}, {label: 'PaCC-Net', stroke: COLORS[0], width: 2}, {label: 'depthwise 3×3', stroke: COLORS[1], width: 2}],
  }, [[], [], []], el);
}
const lossChart = makeChart($('loss-chart'), 'training loss', 'loss');
const accChart = makeChart($('acc-chart'), 'test accuracy', 'accuracy', true);

/** Both nets share x values (same steps), so their series align point for point. */
function toData(series: [number, number][][]): uPlot.AlignedData {
  return [series[0].map((p) => p[0]), ...series.map((s) => s.map((p) => p[1]))];
}

function redrawTraining() {
  const t = state.training;
  if (!t) return;
  lossChart.setData(toData(t.nets.map((n) => n.loss)));
  accChart.setData(toData(t.nets.map((n) => n.acc.map(([e, a]) => [e, 100 * a] as [number, number]))));
  $<HTMLProgressElement>('train-progress').value = t.step / t.totalSteps;
  const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '–');
  $('train-table').querySelector('tbody')!.innerHTML = t.nets.map((n, i) => `<tr><td style="color:${COLORS[i]}">${n.name}</td><td>${n.params.toLocaleString('en')}</td>` +
    `<td>${t.step}/${t.totalSteps}</td><td>${fmt(n.lastLoss, 4)}</td><td>${Number.isFinite(n.lastAcc) ? (100 * n.lastAcc).toFixed(1) + '%' : '–'}</td><td>${fmt(n.imagesPerSec, 1)}</td></tr>`).join('');
  $('train-status').textContent = t.running ? `training on ${tf.getBackend()}… epoch ${(t.step / t.stepsPerEpoch).toFixed(2)}/${t.opts.epochs}` :
    t.done ? 'done: both networks are in the model list below' : `stopped at step ${t.step}: Resume continues`;
}

// ---- training -------------------------------------------------------------------------------------
async function startOrResume() {
  if (!state.data) return;
  const num = (id: string, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(Number($<HTMLInputElement>(id).value) || lo)));
  if (!state.training || state.training.done) {
    $<HTMLButtonElement>('train-start').disabled = true;
    $('train-status').textContent = 'building the two networks…';
    await tf.nextFrame();
    state.training?.dispose();
    state.training = new DemoTraining(head(state.data.train, num('train-images', 32, 6000)), head(state.data.test, num('test-images', 100, 2000)), {
      epochs: num('epochs', 1, 20), batchSize: DEMO_DEFAULTS.batch, lr: DEMO_DEFAULTS.lr, seed: DEMO_DEFAULTS.seed, evalsPerEpoch: 4,
    });
    for (const n of state.training.nets) addModel({id: `trained-${n.mixer}`, label: `just trained: ${n.name}`, kind: 'fashion', model: n.model});
  }
  const t = state.training;
  setTrainingUi(true);
  try {
    await t.run(redrawTraining);
    if (!t.done && t.nets[0].acc.at(-1)?.[0] !== t.step / t.stepsPerEpoch) t.evaluateAll();
  } catch (e) {
    showError($('train-status'), e);
  } finally {
    setTrainingUi(false);
    redrawTraining();
  }
}

function setTrainingUi(running: boolean) {
  $<HTMLButtonElement>('train-start').disabled = running;
  $<HTMLButtonElement>('train-stop').disabled = !running;
  $<HTMLSelectElement>('backend').disabled = running;
  const t = state.training;
  $('train-start').textContent = t && !t.done && t.step > 0 ? 'Resume' : 'Train';
}

// ---- models ---------------------------------------------------------------------------------------
function addModel(m: RunnableModel) {
  state.models.set(m.id, m);
  const sel = $<HTMLSelectElement>('model-source');
  let opt = Array.from(sel.options).find((o) => o.value === m.id);
  if (!opt) { opt = new Option(m.label, m.id); sel.add(opt); }
  opt.text = m.label;
  if (!sel.value || m.id.startsWith('pt-') || m.id.startsWith('tfjs-')) sel.value = m.id;
  updateModelInfo();
}

function currentModel(): RunnableModel | undefined { return state.models.get($<HTMLSelectElement>('model-source').value); }

function updateModelInfo() {
  const m = currentModel();
  $<HTMLButtonElement>('model-save').disabled = !m;
  // Trainable parameters, as the official code and the converter count them (countParams adds BN statistics).
  const trainable = (mm: tfl.LayersModel) => mm.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0);
  const input = m ? m.model.inputs[0].shape.slice(1).map((d) => d ?? 'any').join('×') : '';
  $('model-info').textContent = m ? `${m.model.name}: ${trainable(m.model).toLocaleString('en')} trainable parameters, input ${input}, ` +
    `${m.kind === 'fashion' ? 'Fashion-MNIST classes' : m.labels ? `${m.labels.length} labels from labels.txt` : 'class indices (load a labels.txt for names)'}` : 'train a network above, or load one:';
}

/** Reads a File with a progress callback (fraction of bytes). */
async function readWithProgress(file: File, onFraction: (f: number) => void): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  const reader = file.stream().getReader();
  let at = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    out.set(value, at);
    at += value.length;
    onFraction(at / Math.max(1, file.size));
  }
  return out;
}

/** Converts an official .pt checkpoint in the page: read (0–70%), then the converter's phases (read, build, load). */
async function convertCheckpoint(file: File) {
  const bar = $<HTMLProgressElement>('convert-progress'), status = $('convert-status');
  bar.hidden = false;
  bar.value = 0;
  status.classList.remove('error');
  const arch = $<HTMLSelectElement>('pt-arch').value as pacc.converters.TorchArch;
  try {
    const t0 = performance.now();
    const bytes = await readWithProgress(file, (f) => { bar.value = 0.7 * f; status.textContent = `reading ${file.name}: ${(f * file.size / 1e6).toFixed(1)} MB`; });
    await tf.nextFrame();
    const phases = {read: 0.75, build: 0.85, load: 0.95};
    // The converter is synchronous: its phases are recorded as they happen and shown with the result.
    const log: string[] = [];
    const conv = pacc.converters.convertTorchCheckpoint(bytes, {arch, onProgress: (phase, msg) => { bar.value = phases[phase]; log.push(msg); }});
    bar.value = 1;
    const prev = state.models.get(`pt-${arch}`);
    addModel({id: `pt-${arch}`, label: `checkpoint: ${file.name} (${arch})`, kind: 'imagenet', model: conv.model, labels: state.labels});
    if (prev && prev.model !== conv.model) prev.model.dispose();
    status.textContent = `converted ${file.name} as ${arch} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${conv.params.toLocaleString('en')} trainable parameters, ` +
      `${conv.loaded} of ${conv.keys} keys loaded (${log.join('; ')})${conv.warnings.length ? `; warnings: ${conv.warnings.join('; ')}` : ''}`;
    await runOnView();
  } catch (e) {
    showError(status, e);
  }
}

async function loadTfjsModel(files: File[]) {
  const status = $('convert-status');
  status.classList.remove('error');
  try {
    const json = files.find((f) => f.name.endsWith('.json'));
    if (!json) throw new Error(`pick the model.json together with its .bin weight files (got ${files.map((f) => f.name).join(', ')})`);
    const model = await tfl.loadLayersModel(tf.io.browserFiles([json, ...files.filter((f) => f !== json)]));
    const ch = model.inputs[0].shape[3];
    addModel({id: `tfjs-${json.name}-${Date.now()}`, label: `tfjs model: ${model.name}`, kind: ch === 1 ? 'fashion' : 'imagenet', model, labels: state.labels});
    status.textContent = `loaded ${model.name} (${model.countParams().toLocaleString('en')} parameters) from ${files.length} file(s)`;
    await runOnView();
  } catch (e) {
    showError(status, e);
  }
}

// ---- run a model ----------------------------------------------------------------------------------
let hasImage = false;
const warmedUp = new Set<string>();
async function runOnView(): Promise<Prediction | undefined> {
  const m = currentModel();
  if (!m || !hasImage) return;
  const pred = await classify(m, $<HTMLCanvasElement>('view'), $<HTMLCanvasElement>('overlay'));
  $('latency').classList.remove('error');
  state.lastPrediction = pred;
  $('top5').querySelector('tbody')!.innerHTML = pred.top.map((t, i) => `<tr><td>${i + 1}</td><td>${t.label}</td><td>${(100 * t.p).toFixed(1)}%</td></tr>`).join('');
  // A model's first frame on a backend also compiles shaders / sets up kernels: say so, people compare these numbers.
  const key = `${m.id}@${tf.getBackend()}`, first = !warmedUp.has(key);
  warmedUp.add(key);
  $('latency').textContent = `${pred.ms.toFixed(1)} ms per frame on ${tf.getBackend()} (${m.label})${first ? ', first frame: includes warm-up' : ''}`;
  return pred;
}

async function showImage(url: string) {
  const img = new Image();
  img.src = url;
  await img.decode();
  stopWebcam();
  drawToView($<HTMLCanvasElement>('view'), img);
  hasImage = true;
  return runOnView();
}

function stopWebcam() {
  state.webcam?.getTracks().forEach((t) => t.stop());
  state.webcam = undefined;
  $('webcam').textContent = 'Webcam';
}

async function toggleWebcam() {
  if (state.webcam) return stopWebcam();
  const video = $<HTMLVideoElement>('video');
  const note = $('latency');
  try {
    // mediaDevices is missing on insecure (non-localhost http) pages.
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this page has no camera access (open it from localhost or https)');
    state.webcam = await navigator.mediaDevices.getUserMedia({video: {width: 320, height: 240}});
  } catch (e) {
    // No camera (or permission refused) is an ordinary situation, not a page error: say so next to the image.
    const err = e as Error;
    note.textContent = `webcam unavailable: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`;
    note.classList.add('error');
    return;
  }
  note.classList.remove('error');
  video.srcObject = state.webcam;
  await video.play();
  $('webcam').textContent = 'Stop webcam';
  hasImage = true;
  const loop = async () => {
    if (!state.webcam) return;
    drawToView($<HTMLCanvasElement>('view'), video);
    await runOnView();
    requestAnimationFrame(loop);
  };
  loop();
}

// ---- start-up ---------------------------------------------------------------------------------------
async function main() {
  const backendSel = $<HTMLSelectElement>('backend');
  for (const b of availableBackends()) backendSel.add(new Option(b, b));
  backendSel.value = 'webgl';
  const switchBackend = async () => {
    try {
      $('backend-status').textContent = await useBackend(backendSel.value);
      $('backend-status').classList.remove('error');
    } catch (e) {
      showError($('backend-status'), e);
    }
  };
  backendSel.onchange = async () => { await switchBackend(); await runOnView(); };
  await switchBackend();

  for (const a of pacc.converters.TORCH_ARCHS) $<HTMLSelectElement>('pt-arch').add(new Option(a, a));
  $<HTMLInputElement>('pt-file').onchange = (e) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) convertCheckpoint(f); };
  $<HTMLInputElement>('tfjs-files').onchange = (e) => loadTfjsModel(Array.from((e.target as HTMLInputElement).files ?? []));
  $<HTMLInputElement>('labels-file').onchange = async (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (!f) return;
    state.labels = (await f.text()).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    for (const m of state.models.values()) if (m.kind === 'imagenet') m.labels = state.labels;
    updateModelInfo();
    await runOnView();
  };
  $<HTMLSelectElement>('model-source').onchange = () => { updateModelInfo(); runOnView(); };
  $<HTMLInputElement>('image-file').onchange = (e) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) showImage(URL.createObjectURL(f)); };
  const drop = $('drop');
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
  drop.ondragleave = () => drop.classList.remove('over');
  drop.ondrop = (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) showImage(URL.createObjectURL(f));
  };
  $('webcam').onclick = toggleWebcam;
  $('model-save').onclick = async () => {
    const m = currentModel();
    if (!m) return;
    try {
      // Two downloads: <name>.json and <name>.weights.bin, which the tfjs model picker above loads back.
      await m.model.save(`downloads://${m.model.name}`);
      $('convert-status').textContent = `saved ${m.model.name}.json and ${m.model.name}.weights.bin to your downloads`;
    } catch (e) {
      showError($('convert-status'), e);
    }
  };
  for (const s of ['sneaker', 'ankle_boot', 'trouser', 'bag']) {
    const img = new Image();
    img.src = `./samples/${s}.png`;
    img.alt = img.title = s.replace('_', ' ');
    img.dataset.sample = s;
    img.onclick = () => showImage(img.src);
    $('samples').append(img);
  }

  $('train-start').onclick = startOrResume;
  $('train-stop').onclick = () => state.training?.stop();
  try {
    state.data = await loadFashionMnist();
    $('train-status').textContent = `Fashion-MNIST subset loaded: ${state.data.train.count} train / ${state.data.test.count} test images`;
    $<HTMLButtonElement>('train-start').disabled = false;
  } catch (e) {
    showError($('train-status'), e);
  }
  document.body.dataset.ready = 'true';
}

$<HTMLButtonElement>('train-start').disabled = true;

/** For tests and the console: the page state, and the hooks other tasks (detection, segmentation) plug into. */
const paccDemo = {
  state, tf, pacc, registerOverlay, showImage, runOnView, charts: {loss: lossChart, acc: accChart},
  /** Raw model output for an NHWC float32 input (bypasses the image pipeline; tests compare it with PyTorch). */
  predictRaw(id: string, data: Float32Array | number[], shape: number[]): number[] {
    const m = state.models.get(id);
    if (!m) throw new Error(`predictRaw: no model '${id}' (have ${[...state.models.keys()].join(', ')})`);
    return tf.tidy(() => Array.from((m.model.predict(tf.tensor(data, shape)) as tf.Tensor).dataSync()));
  },
};
(window as unknown as {paccDemo: typeof paccDemo}).paccDemo = paccDemo;
main();

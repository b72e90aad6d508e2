// `npm run demo:detection`: trains a small PaCC-Net SSD on synthetic Fashion-MNIST scenes (wasm), then reports COCO AP against a trivial baseline.
import * as tf from '@tensorflow/tfjs-core';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import * as pacc from '../../src/index';
import {runMain} from '../shared/args';
import {parseCli} from '../shared/cli';
import {lineChart, svgDocument} from '../shared/plot';
import {centreBoxBaseline, detect, priorOnlyBaseline, drawDetections, formatCoco, loadDetData, trainDetection, TRAIN_OPTIONS} from './lib';

/** The demo's budget: ~5 minutes on 2 idle cores (measured in docs/examples.md). */
const DEMO = {epochs: 4, 'train-scenes': 2000, 'val-scenes': 300, batch: 16, lr: 0.006, 'warmup-steps': 100, ema: 0, out: 'out/demo-detection'};

const SPEC = {
  epochs: {type: 'number', default: DEMO.epochs, int: true, min: 1, help: 'epochs'},
  'train-scenes': {type: 'number', default: DEMO['train-scenes'], int: true, min: 1, help: 'synthetic training scenes'},
  'val-scenes': {type: 'number', default: DEMO['val-scenes'], int: true, min: 1, help: 'synthetic validation scenes'},
  batch: {type: 'number', default: DEMO.batch, int: true, min: 1, help: 'batch size'},
  lr: {type: 'number', default: DEMO.lr, min: 0, help: 'peak learning rate'},
  'max-batches': {type: 'number', default: 0, int: true, min: 0, help: 'stop each epoch after N batches (0 = all)'},
  backend: {type: 'string', default: 'wasm', choices: ['wasm', 'cpu'], help: 'tfjs backend'},
  out: {type: 'string', default: DEMO.out, help: 'folder for the checkpoint, results.json, curves.svg and drawings'},
  seed: {type: 'number', default: 1, int: true, help: 'random seed (scenes, initialisation, shuffles)'},
} as const;

runMain(async () => {
  const d = parseCli(process.argv.slice(2), SPEC, 'usage: npm run demo:detection -- [options]');
  const a = {...parseCli([], TRAIN_OPTIONS, ''), 'warmup-steps': DEMO['warmup-steps'], ema: DEMO.ema, ...d, 'scene-seed': d.seed};
  const wall0 = performance.now(), cpu0 = process.cpuUsage();
  const {model, history, names, categoryIds, out} = await trainDetection(a);
  const trainWall = (performance.now() - wall0) / 1000;
  const val = loadDetData(a, 'val');
  const dets = detect(model, val.samples, a.size, categoryIds);
  const stats = pacc.metrics.cocoEvaluate(val.gt, dets);
  const train = loadDetData({...a, 'train-scenes': 500}, 'train');
  const base = pacc.metrics.cocoEvaluate(val.gt, centreBoxBaseline(train.samples, categoryIds, val.samples));
  const prior = pacc.metrics.cocoEvaluate(val.gt, priorOnlyBaseline(train.samples, val.samples, categoryIds, a.size));
  const files = drawDetections(out, val.samples, dets, names, categoryIds, 6);
  const wall = (performance.now() - wall0) / 1000, c = process.cpuUsage(cpu0), cpu = (c.user + c.system) / 1e6;
  console.log(`\nCOCO box evaluation on ${val.samples.length} validation scenes :\n${formatCoco(stats)}`);
  console.log(`\n| detector | params | AP | AP50 | AP75 | AR100 |\n|---|---:|---:|---:|---:|---:|`);
  console.log(`| SSD, PaCC-Net scaled to 128 px | ${model.countParams().toLocaleString('en')} | ${stats.AP.toFixed(3)} | ${stats.AP50.toFixed(3)} | ${stats.AP75.toFixed(3)} | ${stats.AR100.toFixed(3)} |`);
  console.log(`| centre box of the most frequent class | 0 | ${base.AP.toFixed(3)} | ${base.AP50.toFixed(3)} | ${base.AP75.toFixed(3)} | ${base.AR100.toFixed(3)} |`);
  console.log(`| prior-only (100 most frequent prior/class pairs) | 0 | ${prior.AP.toFixed(3)} | ${prior.AP50.toFixed(3)} | ${prior.AP75.toFixed(3)} | ${prior.AR100.toFixed(3)} |`);
  console.log(`\ntotal ${wall.toFixed(0)} s wall (training ${trainWall.toFixed(0)} s), ${cpu.toFixed(0)} s CPU, backend ${tf.getBackend()}`);
  writeFileSync(join(out, 'results.json'), JSON.stringify({backend: tf.getBackend(), args: a, params: model.countParams(), stats, baselines: {centreBox: base, priorOnly: prior}, history, wallSeconds: wall, cpuSeconds: cpu}, null, 1));
  writeFileSync(join(out, 'curves.svg'), svgDocument([
    lineChart('SSD training loss (multibox, per ~1/10 epoch)', 'epoch', 'loss', [{name: 'PaCC-Net SSD', points: history.flatMap((h) => h.lossCurve)}]),
  ]));
  console.log(`wrote ${join(out, 'results.json')}, ${join(out, 'curves.svg')} and ${files.length} drawings (${files[0]} …)`);
  model.dispose();
});

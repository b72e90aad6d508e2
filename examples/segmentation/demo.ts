// `npm run demo:segmentation`: trains a small PaCC-Net DeepLabV3 on synthetic Fashion-MNIST scenes (wasm), then reports mIoU against trivial baselines.
import * as tf from '@tensorflow/tfjs-core';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runMain} from '../shared/args';
import {parseCli} from '../shared/cli';
import {lineChart, svgDocument} from '../shared/plot';
import {baselines, drawOverlays, iouTable, loadSegData, scoreMasks, SEG_TRAIN_OPTIONS, segment, trainSegmentation} from './lib';

/** The demo's budget: ~5 minutes on 2 idle cores (measured in docs/examples.md). */
const DEMO = {epochs: 3, 'train-scenes': 1600, 'val-scenes': 300, batch: 16, lr: 0.001, 'warmup-steps': 100, ema: 0, out: 'out/demo-segmentation'};

const SPEC = {
  epochs: {type: 'number', default: DEMO.epochs, int: true, min: 1, help: 'epochs'},
  'train-scenes': {type: 'number', default: DEMO['train-scenes'], int: true, min: 1, help: 'synthetic training scenes'},
  'val-scenes': {type: 'number', default: DEMO['val-scenes'], int: true, min: 1, help: 'synthetic validation scenes'},
  batch: {type: 'number', default: DEMO.batch, int: true, min: 1, help: 'batch size'},
  lr: {type: 'number', default: DEMO.lr, min: 0, help: 'peak learning rate of the backbone (the head gets ×10)'},
  'max-batches': {type: 'number', default: 0, int: true, min: 0, help: 'stop each epoch after N batches (0 = all)'},
  backend: {type: 'string', default: 'wasm', choices: ['wasm', 'cpu'], help: 'tfjs backend'},
  out: {type: 'string', default: DEMO.out, help: 'folder for the checkpoint, results.json, curves.svg and overlays'},
  seed: {type: 'number', default: 1, int: true, help: 'random seed (scenes, initialisation, shuffles)'},
} as const;

runMain(async () => {
  const d = parseCli(process.argv.slice(2), SPEC, 'usage: npm run demo:segmentation -- [options]');
  const a = {...parseCli([], SEG_TRAIN_OPTIONS, ''), 'warmup-steps': DEMO['warmup-steps'], ema: DEMO.ema, ...d, 'scene-seed': d.seed};
  const wall0 = performance.now(), cpu0 = process.cpuUsage();
  const {model, history, names, out} = await trainSegmentation(a);
  const trainWall = (performance.now() - wall0) / 1000;
  const val = loadSegData(a, 'val');
  const preds = segment(model, val.samples, a.size);
  const r = scoreMasks(preds, val.samples, val.numClasses);
  const base = baselines(loadSegData({...a, 'train-scenes': 300}, 'train').samples, val.samples, val.numClasses);
  const files = drawOverlays(out, val.samples, preds, 6);
  const wall = (performance.now() - wall0) / 1000, c = process.cpuUsage(cpu0), cpu = (c.user + c.system) / 1e6;
  console.log(`\nper-class IoU on ${val.samples.length} validation scenes :\n${iouTable(r, names)}`);
  console.log(`\n| segmenter | params | mIoU | pixel accuracy |\n|---|---:|---:|---:|`);
  console.log(`| DeepLabV3, PaCC-Net scaled to 128 px | ${model.countParams().toLocaleString('en')} | ${(100 * r.mIoU).toFixed(2)}% | ${(100 * r.globalAccuracy).toFixed(2)}% |`);
  console.log(`| all background (majority class) | 0 | ${(100 * base.background.mIoU).toFixed(2)}% | ${(100 * base.background.globalAccuracy).toFixed(2)}% |`);
  console.log(`| brightness threshold + most frequent class | 0 | ${(100 * base.threshold.mIoU).toFixed(2)}% | ${(100 * base.threshold.globalAccuracy).toFixed(2)}% |`);
  console.log(`\ntotal ${wall.toFixed(0)} s wall (training ${trainWall.toFixed(0)} s), ${cpu.toFixed(0)} s CPU, backend ${tf.getBackend()}`);
  writeFileSync(join(out, 'results.json'), JSON.stringify({backend: tf.getBackend(), args: a, params: model.countParams(), mIoU: r.mIoU, iou: r.iou, names, globalAccuracy: r.globalAccuracy,
    baselines: {background: base.background.mIoU, threshold: base.threshold.mIoU}, history, wallSeconds: wall, cpuSeconds: cpu}, null, 1));
  writeFileSync(join(out, 'curves.svg'), svgDocument([
    lineChart('DeepLabV3 training loss (CE, per ~1/10 epoch)', 'epoch', 'loss', [{name: 'PaCC-Net DeepLabV3', points: history.flatMap((h) => h.lossCurve)}]),
  ]));
  console.log(`wrote ${join(out, 'results.json')}, ${join(out, 'curves.svg')} and ${files.length} overlays (${files[0]} …)`);
  model.dispose();
});

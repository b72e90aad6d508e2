// Evaluates a detection checkpoint: the 12 COCO numbers (pacc.metrics.cocoEvaluate), two trivial baselines, and PNGs with the boxes drawn.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import * as pacc from '../../src/index';
import {runMain} from '../shared/args';
import {parseCli} from '../shared/cli';
import {centreBoxBaseline, priorOnlyBaseline, DATA_OPTIONS, detect, drawDetections, formatCoco, loadDetData, loadDetector} from './lib';

const SPEC = {
  checkpoint: {type: 'string', default: 'out/detection', help: 'training checkpoint folder (state.json, model/, ema.*) written by train.ts'},
  live: {type: 'boolean', help: 'evaluate the live weights instead of the EMA weights'},
  threshold: {type: 'number', default: 0.05, min: 0, help: 'confidence threshold of the post-processing (official effective value 0.05)'},
  draw: {type: 'number', default: 6, int: true, min: 0, help: 'how many validation images to draw'},
  'no-baseline': {type: 'boolean', help: 'skip the centre-box and prior-only baselines (they need the training split)'},
  out: {type: 'string', default: 'out/detection', help: 'folder for det_*.png and eval.json'},
  ...DATA_OPTIONS,
} as const;

runMain(async () => {
  const a = parseCli(process.argv.slice(2), SPEC, 'usage: npx tsx examples/detection/eval.ts [options]');
  await tf.setBackend(a.backend);
  const ckDir = resolve(a.checkpoint);
  const det = await loadDetector(ckDir, a.live);
  // Synthetic scenes are regenerated from the settings the model was trained with, unless given here.
  const saved = JSON.parse(readFileSync(join(ckDir, 'state.json'), 'utf8')).args as Record<string, unknown>;
  const given = new Set(process.argv.slice(2).filter((s) => s.startsWith('--')).map((s) => s.slice(2).split('=')[0]));
  const dataArgs = {...a};
  for (const k of ['scene-size', 'scene-seed', 'items', 'data', 'train-split', 'val-split'] as const) {
    if (!given.has(k) && saved[k] !== undefined) (dataArgs as Record<string, unknown>)[k] = saved[k];
  }
  const val = loadDetData(dataArgs, 'val');
  if (val.names.join('|') !== det.names.join('|')) throw new Error(`the checkpoint was trained on classes [${det.names}] but the evaluation data has [${val.names}]`);
  console.log(`SSD (${det.backbone}) at ${det.size}×${det.size}${a.live ? '' : ' (EMA weights)'} on ${val.samples.length} validation images (${dataArgs.data}), backend ${tf.getBackend()}`);
  const t0 = performance.now();
  const dets = detect(det.model, val.samples, det.size, det.categoryIds, {confidenceThreshold: a.threshold});
  const ms = (performance.now() - t0) / val.samples.length;
  const stats = pacc.metrics.cocoEvaluate(val.gt, dets);
  console.log(`\nCOCO box evaluation (${dets.length} detections, ${ms.toFixed(1)} ms / image):\n${formatCoco(stats)}`);
  let baseline: {centreBox: pacc.metrics.CocoStats; priorOnly: pacc.metrics.CocoStats} | undefined;
  if (!a['no-baseline']) {
    const train = loadDetData({...dataArgs, 'train-scenes': Math.min(a['train-scenes'], 500)}, 'train');
    const centre = pacc.metrics.cocoEvaluate(val.gt, centreBoxBaseline(train.samples, det.categoryIds, val.samples));
    const prior = pacc.metrics.cocoEvaluate(val.gt, priorOnlyBaseline(train.samples, val.samples, det.categoryIds, det.size));
    console.log(`\ncentre-box baseline (most frequent class, mean box size, one box per image): AP ${centre.AP.toFixed(3)}, AP50 ${centre.AP50.toFixed(3)}`);
    console.log(`prior-only baseline (the 100 most frequent training prior/class matches on every image): AP ${prior.AP.toFixed(3)}, AP50 ${prior.AP50.toFixed(3)}`);
    baseline = {centreBox: centre, priorOnly: prior};
  }
  const out = resolve(a.out);
  mkdirSync(out, {recursive: true});
  const files = drawDetections(out, val.samples, dets, det.names, det.categoryIds, a.draw);
  writeFileSync(join(out, 'eval.json'), JSON.stringify({checkpoint: ckDir, ema: !a.live, images: val.samples.length, stats, baseline, msPerImage: ms}, null, 1));
  writeFileSync(join(out, 'detections.json'), JSON.stringify(dets));
  console.log(`\nwrote ${join(out, 'eval.json')}, detections.json${files.length ? ` and ${files.length} drawings (${files[0]} …)` : ''}`);
  det.model.dispose();
});

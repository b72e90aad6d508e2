// Evaluates a segmentation checkpoint: mIoU and per-class IoU (pacc.metrics.meanIoU), trivial baselines, and colour overlays.
import * as tf from '@tensorflow/tfjs-core';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {runMain} from '../shared/args';
import {parseCli} from '../shared/cli';
import {baselines, drawOverlays, iouTable, loadSegData, loadSegmenter, scoreMasks, SEG_DATA_OPTIONS, segment} from './lib';

const SPEC = {
  checkpoint: {type: 'string', default: 'out/segmentation', help: 'training checkpoint folder (state.json, model/, ema.*) written by train.ts'},
  live: {type: 'boolean', help: 'evaluate the live weights instead of the EMA weights'},
  draw: {type: 'number', default: 6, int: true, min: 0, help: 'how many validation images to draw'},
  'no-baseline': {type: 'boolean', help: 'skip the trivial baselines (they need the training split)'},
  out: {type: 'string', default: 'out/segmentation', help: 'folder for seg_*.png and eval.json'},
  ...SEG_DATA_OPTIONS,
} as const;

runMain(async () => {
  const a = parseCli(process.argv.slice(2), SPEC, 'usage: npx tsx examples/segmentation/eval.ts [options]');
  await tf.setBackend(a.backend);
  const ckDir = resolve(a.checkpoint);
  const seg = await loadSegmenter(ckDir, a.live);
  // Data settings default to the ones the model was trained with (synthetic scenes are regenerated from them).
  const given = new Set(process.argv.slice(2).filter((s) => s.startsWith('--')).map((s) => s.slice(2).split('=')[0]));
  const dataArgs = {...a};
  for (const k of ['scene-size', 'scene-seed', 'items', 'data', 'num-classes', 'train-split', 'val-split'] as const) {
    if (!given.has(k) && seg.args[k] !== undefined) (dataArgs as Record<string, unknown>)[k] = seg.args[k];
  }
  const val = loadSegData(dataArgs, 'val');
  if (val.numClasses !== seg.numClasses) throw new Error(`the checkpoint predicts ${seg.numClasses} classes but the evaluation data has ${val.numClasses}`);
  console.log(`DeepLabV3 (${seg.backbone}) at ${seg.size}×${seg.size}${a.live ? '' : ' (EMA weights)'} on ${val.samples.length} validation images (${dataArgs.data}), backend ${tf.getBackend()}`);
  const t0 = performance.now();
  const preds = segment(seg.model, val.samples, seg.size);
  const ms = (performance.now() - t0) / val.samples.length;
  const r = scoreMasks(preds, val.samples, seg.numClasses);
  console.log(`\n${iouTable(r, seg.names)}\n\nmIoU ${(100 * r.mIoU).toFixed(2)}%, pixel accuracy ${(100 * r.globalAccuracy).toFixed(2)}% (${ms.toFixed(1)} ms / image)`);
  let base;
  if (!a['no-baseline']) {
    const train = loadSegData({...dataArgs, 'train-scenes': Math.min(a['train-scenes'], 300)}, 'train');
    base = baselines(train.samples, val.samples, seg.numClasses);
    console.log(`baselines: all background mIoU ${(100 * base.background.mIoU).toFixed(2)}%; brightness threshold + most frequent class (${seg.names[base.topClass]}) mIoU ${(100 * base.threshold.mIoU).toFixed(2)}%`);
  }
  const out = resolve(a.out);
  mkdirSync(out, {recursive: true});
  const files = drawOverlays(out, val.samples, preds, a.draw);
  writeFileSync(join(out, 'eval.json'), JSON.stringify({checkpoint: ckDir, ema: !a.live, images: val.samples.length, mIoU: r.mIoU, iou: r.iou, names: seg.names, globalAccuracy: r.globalAccuracy,
    baselines: base && {background: base.background.mIoU, threshold: base.threshold.mIoU}, msPerImage: ms}, null, 1));
  console.log(`\nwrote ${join(out, 'eval.json')}${files.length ? ` and ${files.length} overlays (${files[0]} …)` : ''}`);
  seg.model.dispose();
});

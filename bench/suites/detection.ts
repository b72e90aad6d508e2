// Detection benchmark: SSD-PaCC-Net-S (SSD-EdgeFormer-S) vs SSD-MobileViT-S forward latency at 320×320 on wasm, and detect() end to end.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';
import {progress, Suite, SuiteResult, Timing} from '../util';

const SIZE = 320;
const MODELS = ['ssd-paccnet-s', 'ssd-mobilevit-s'];

const stats = (t: number[]): Timing => {
  t.sort((a, b) => a - b);
  return {median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1], runs: t.length};
};
const fmt = (x: Timing) => `${x.median.toFixed(1)} (${x.min.toFixed(0)}–${x.max.toFixed(0)})`;

/** Runs `fns` interleaved (a, b, a, b, ...) so that load changes on a shared machine hit both alike. */
async function interleaved(fns: (() => Promise<void>)[], warmup: number, runs: number): Promise<Timing[]> {
  for (let i = 0; i < warmup; i++) for (const f of fns) await f();
  const times = fns.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (const [i, f] of fns.entries()) {
      const t0 = performance.now();
      await f();
      times[i].push(performance.now() - t0);
    }
  }
  return times.map(stats);
}

export const detectionSuite: Suite = async ({quick}) => {
  if (!(await tf.setBackend('wasm'))) return [{title: 'detection', headers: ['note'], rows: [['wasm backend unavailable']]}];
  await tf.ready();
  const [warmup, runs] = quick ? [1, 3] : [2, 10];
  const models: LayersModel[] = MODELS.map((n) => pacc.models.getModelEntry(n).build({inputShape: [SIZE, SIZE, 3]}));
  const x = tf.randomUniform([1, SIZE, SIZE, 3]);
  // A 480×640 RGB frame, as a camera or photo would give.
  const img = tf.randomUniform([480, 640, 3], 0, 255, 'int32') as tf.Tensor3D;
  const detectors = await Promise.all(models.map((m) => pacc.detection.load(m)));
  try {
    progress(`detection: ${MODELS.join(' vs ')} forward at ${SIZE}×${SIZE} on wasm`);
    const fwd = await interleaved(models.map((m) => async () => { tf.tidy(() => { (m.predict(x) as tf.Tensor[]).forEach((t) => t.dataSync()); }); }), warmup, runs);
    progress('detection: detect() end to end');
    // minScore 0.05 (the official threshold) so NMS has work even with random weights.
    const det = await interleaved(detectors.map((d) => async () => { await d.detect(img, 20, 0.05); }), warmup, runs);
    const found = await detectors[0].detect(img, 1000, 0.05);
    // Post-processing alone on the raw outputs, at the official threshold and at 0.01 (the COCO-mAP
    // setting: with random weights most of the 3232×80 probabilities are ~1/81, a stress case for NMS).
    progress('detection: postprocess alone');
    const [conf, loc] = models[0].predict(x) as tf.Tensor[];
    const anchors = pacc.detection.anchors([SIZE, SIZE]);
    const post: string[] = [];
    for (const thr of [0.05, 0.01]) {
      let k = 0;
      const [t] = await interleaved([async () => {
        const [d] = pacc.detection.postprocess(conf, loc, anchors, {confidenceThreshold: thr});
        k = d.scores.size;
        tf.dispose([d.boxes, d.scores, d.labels]);
      }], warmup, runs);
      post.push(`postprocess (softmax, decode, per-class NMS) of SSD-PaCC-Net-S outputs at confidenceThreshold ${thr}: ${fmt(t)} ms, ${k} detections`);
    }
    tf.dispose([conf, loc, anchors]);
    const rows: (string | number)[][] = MODELS.map((n, i) => [n, pacc.models.getModelEntry(n).params.toLocaleString('en'), fmt(fwd[i]), fmt(det[i])]);
    rows.push(['ratio paccnet / mobilevit', '', (fwd[0].median / fwd[1].median).toFixed(2), (det[0].median / det[1].median).toFixed(2)]);
    const result: SuiteResult = {
      title: `Detection (wasm, batch 1, ${SIZE}×${SIZE}; ms, median (min–max) of ${runs} interleaved runs)`,
      headers: ['model', 'params (81 classes)', 'forward ms', 'detect() ms (480×640 image, minScore 0.05)'],
      rows,
      notes: [
        `detect() = resize + BGR/255 + forward + softmax/decode + per-class NMS + scaling (random weights: ${found.length} boxes above 0.05 for SSD-PaCC-Net-S); both models in the same run, interleaved.`,
        ...post,
      ],
    };
    return [result];
  } finally {
    detectors.forEach((d) => d.dispose());
    models.forEach((m) => m.dispose());
    tf.dispose([x, img]);
  }
};

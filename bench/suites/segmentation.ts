// Segmentation benchmark: DeepLabV3-PaCC-Net-S vs DeepLabV3-MobileViT-S at 512×512 on wasm (model forward, interleaved medians) and segment() end to end.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';
import {progress, Suite, Timing} from '../util';

const SIZE = 512;
const MODELS = ['deeplabv3-paccnet-s', 'deeplabv3-mobilevit-s'];

const stats = (t: number[]): Timing => {
  t.sort((a, b) => a - b);
  return {median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1], runs: t.length};
};

/** Runs every function in turn (a, b, a, b, …) so that load changes on a shared machine hit all alike. */
async function interleaved(fns: (() => Promise<void> | void)[], warmup: number, runs: number): Promise<Timing[]> {
  const once = async (f: () => Promise<void> | void) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  for (let i = 0; i < warmup; i++) for (const f of fns) await once(f);
  const times = fns.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) for (let i = 0; i < fns.length; i++) times[i].push(await once(fns[i]));
  return times.map(stats);
}

export const segmentationSuite: Suite = async ({quick}) => {
  const prev = tf.getBackend();
  await tf.setBackend('wasm');
  const warmup = quick ? 1 : 2, runs = quick ? 3 : 7;
  const plain: LayersModel[] = MODELS.map((n) => pacc.models.getModelEntry(n).build({inputShape: [SIZE, SIZE, 3]}));
  // and each after pacc.optimizeForInference (BN folding, fused bias + activation)
  const models = [...plain, ...plain.map((m) => pacc.optimizeForInference(m))];
  const names = [...MODELS, ...MODELS.map((n) => `${n} (optimizeForInference)`)];
  const x = tf.randomUniform([1, SIZE, SIZE, 3]);
  // segment(): a 500×375 RGB image (a typical VOC size), resized to 512, logits back to 500×375.
  const img = tf.tidy(() => tf.floor(tf.randomUniform([375, 500, 3], 0, 256)) as tf.Tensor3D);
  const segmenters = await Promise.all(models.map((m) => pacc.segmentation.load(m)));
  try {
    progress(`segmentation: forward ${names.join(' vs ')} at ${SIZE}×${SIZE} on wasm (${warmup} warm-up, ${runs} runs each, interleaved)`);
    const fwd = await interleaved(models.map((m) => () => tf.tidy(() => { (m.predict(x) as tf.Tensor).dataSync(); })), warmup, runs);
    progress('segmentation: segment() end to end on a 500×375 image');
    const seg = await interleaved(segmenters.map((s) => async () => { await s.segment(img); }), warmup, runs);
    const params = models.map((m) => m.trainableWeights.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * (d as number), 1), 0));
    // optimized rows: the original model's count (BN folding changes what counts as trainable)
    const rows = names.map((n, i) => [n, params[i % MODELS.length].toLocaleString('en'), fwd[i].median.toFixed(0), `${fwd[i].min.toFixed(0)}–${fwd[i].max.toFixed(0)}`,
      seg[i].median.toFixed(0)]);
    return [{
      title: `DeepLabV3 at ${SIZE}×${SIZE}, batch 1, wasm (ms, median of ${runs})`,
      headers: ['model', 'params', 'forward ms', 'range', 'segment() ms (500×375 image)'],
      rows,
      notes: [
        `PaCC-Net-S / MobileViT-S forward time ratio: ${(fwd[0].median / fwd[1].median).toFixed(2)} (same run, interleaved); ` +
        `segment() ratio ${(seg[0].median / seg[1].median).toFixed(2)}; after optimizeForInference ${(fwd[2].median / fwd[3].median).toFixed(2)} (forward).`,
      ],
    }];
  } finally {
    segmenters.forEach((s) => s.dispose());
    models.forEach((m) => m.dispose());
    tf.dispose([x, img]);
    if (prev) await tf.setBackend(prev);
  }
};

// Benchmark suite 'metrics': cocoEvaluate on a synthetic COCO-val-sized case (5,000 images) and meanIoU on VOC-sized label maps.
import * as pacc from '../../src/index';
import {progress, Suite, timeit} from '../util';
import {mulberry32} from '../../tools/rng';

/** The repository's seeded PRNG (mulberry32). */
const rng = mulberry32;

/**
 * COCO val2017-like sizes: 5,000 images, 80 categories, ~7.3 gts per image (36.5k, 1% crowd), and
 * `detsPerImage` detections per image (jittered gts plus random boxes, random scores), as a detector's
 * top-100 results file would have.
 */
export function syntheticCoco(images = 5000, detsPerImage = 100, seed = 1) {
  const r = rng(seed);
  const cats = Array.from({length: 80}, (_, k) => ({id: k + 1 + (k >= 11 ? 1 : 0)}));  // COCO ids have gaps
  const annotations: pacc.metrics.CocoAnnotation[] = [];
  const detections: pacc.metrics.CocoDetection[] = [];
  for (let i = 1; i <= images; i++) {
    const n = Math.floor(r() * 15);
    const own: pacc.metrics.CocoAnnotation[] = [];
    for (let j = 0; j < n; j++) {
      const w = 4 + r() ** 2 * 300, h = 4 + r() ** 2 * 300;
      const a = {id: annotations.length + 1, image_id: i, category_id: cats[Math.floor(r() * 80)].id, bbox: [r() * 340, r() * 180, w, h],
        area: w * h * (0.5 + 0.3 * r()), iscrowd: r() < 0.01 ? 1 : 0};
      annotations.push(a);
      own.push(a);
    }
    for (let d = 0; d < detsPerImage; d++) {
      if (own.length && r() < 0.3) {
        const g = own[Math.floor(r() * own.length)];
        const [x, y, w, h] = g.bbox;
        detections.push({image_id: i, category_id: r() < 0.8 ? g.category_id : cats[Math.floor(r() * 80)].id,
          bbox: [x + (r() - 0.5) * 0.3 * w, y + (r() - 0.5) * 0.3 * h, w * (0.8 + 0.4 * r()), h * (0.8 + 0.4 * r())], score: 0.3 + 0.7 * r()});
      } else {
        detections.push({image_id: i, category_id: cats[Math.floor(r() * 80)].id, bbox: [r() * 500, r() * 350, 5 + r() * 150, 5 + r() * 150], score: r() * 0.6});
      }
    }
  }
  return {gt: {images: Array.from({length: images}, (_, i) => ({id: i + 1})), annotations, categories: cats}, detections};
}

export const metricsSuite: Suite = async ({quick}) => {
  const rows: (string | number)[][] = [];
  const opts = quick ? {warmup: 0, runs: 1} : {warmup: 1, runs: 3};
  for (const [images, dets] of (quick ? [[5000, 20]] : [[500, 100], [5000, 20], [5000, 100]]) as [number, number][]) {
    progress(`metrics: cocoEvaluate ${images} images × ${dets} detections`);
    const {gt, detections} = syntheticCoco(images, dets);
    let ap = 0, cpu = 0;
    const t = await timeit(() => {
      const c0 = process.cpuUsage();
      ap = pacc.metrics.cocoEvaluate(gt, detections).AP;
      cpu = process.cpuUsage(c0).user / 1e6;
    }, opts);
    rows.push([`cocoEvaluate: ${images} images, ${gt.annotations.length} gts, ${detections.length} detections`, (t.median / 1000).toFixed(2) + ' s', cpu.toFixed(2) + ' s', ap.toFixed(4)]);
  }
  progress('metrics: meanIoU');
  const r = rng(2);
  const n = quick ? 20 : 100, size = 500 * 375;  // PASCAL VOC image size
  const preds = Array.from({length: n}, () => Int32Array.from({length: size}, () => Math.floor(r() * 21)));
  const labels = preds.map((p) => p.map((v) => (r() < 0.05 ? 255 : r() < 0.3 ? Math.floor(r() * 21) : v)));
  let miou = 0, cpu = 0;
  const t = await timeit(() => {
    const c0 = process.cpuUsage();
    miou = pacc.metrics.meanIoU(preds, labels, 21).mIoU;
    cpu = process.cpuUsage(c0).user / 1e6;
  }, opts);
  rows.push([`meanIoU: ${n} label maps of 500×375, 21 classes`, (t.median / 1000).toFixed(2) + ' s', cpu.toFixed(2) + ' s', miou.toFixed(4)]);
  return [{title: 'metrics: evaluation time (Node, one thread)', headers: ['case', 'wall (median)', 'CPU (last run)', 'AP / mIoU'], rows,
    notes: ['Synthetic data (seeded); the 5,000-image rows are COCO val2017-sized. Wall medians of 3 runs after 1 warm-up (--quick: 1 run); CPU = user time of the last run, which a busy machine inflates less than wall time.']}];
};

// Detection and segmentation examples: synthetic scenes, COCO / VOC writers and readers, training steps, train → resume → eval on a tiny budget, bad input.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {PNG} from 'pngjs';
import {beforeAll, describe, expect, it} from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as pacc from '../../src/index';
import {parseCli} from '../../examples/shared/cli';
import {readCoco, sceneDetectionSamples, writeCoco} from '../../examples/shared/coco';
import {BUNDLED_FASHION_MNIST, fashionMnist} from '../../examples/shared/datasets';
import {encodePalettePng} from '../../examples/shared/image_io';
import {ItemSource, makeScenes, SceneSet, toCoco, VOID, vocColormap} from '../../examples/shared/scenes';
import {seedEverything} from '../../examples/shared/seed';
import {normalisedCorners} from '../../examples/shared/task_input';
import {buildSegmenter, configSsd, SCENE_BACKBONE} from '../../examples/shared/task_models';
import {GroupedAdamW} from '../../examples/shared/task_trainer';
import {readVoc, writeVoc} from '../../examples/shared/voc';
import {detect, loadDetector, trainDetection, TRAIN_OPTIONS} from '../../examples/detection/lib';
import {loadSegmenter, SEG_TRAIN_OPTIONS, segment, trainSegmentation} from '../../examples/segmentation/lib';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const run = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, [tsx, join(root, script), ...args], {cwd: root, encoding: 'utf8', timeout: 300_000});
  return {code: r.status, out: r.stdout, err: r.stderr};
};

let items: ItemSource;
const tmp = mkdtempSync(join(tmpdir(), 'pacc-tasks-'));
beforeAll(() => { items = fashionMnist(BUNDLED_FASHION_MNIST, 'test', 1, 200); });

describe('synthetic scenes', () => {
  it('are deterministic in the seed', () => {
    const a = makeScenes(items, {count: 6, size: 64, seed: 5}), b = makeScenes(items, {count: 6, size: 64, seed: 5});
    expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
    expect(Buffer.from(a.masks).equals(Buffer.from(b.masks))).toBe(true);
    expect(JSON.stringify(a.objects)).toBe(JSON.stringify(b.objects));
    const c = makeScenes(items, {count: 6, size: 64, seed: 6});
    expect(Buffer.from(a.images).equals(Buffer.from(c.images))).toBe(false);
  });

  it('single items: the box is the tight box of the mask pixels and area is their count', () => {
    const set = makeScenes(items, {count: 20, size: 64, minItems: 1, maxItems: 1, seed: 2});
    for (let s = 0; s < set.count; s++) {
      expect(set.objects[s]).toHaveLength(1);
      const [o] = set.objects[s];
      const m = set.masks.subarray(s * 64 * 64, (s + 1) * 64 * 64);
      let x0 = 64, y0 = 64, x1 = -1, y1 = -1, n = 0;
      m.forEach((v, p) => {
        if (v === 0 || v === VOID) return;
        expect(v).toBe(o.category);
        n++; x0 = Math.min(x0, p % 64); x1 = Math.max(x1, p % 64); y0 = Math.min(y0, Math.floor(p / 64)); y1 = Math.max(y1, Math.floor(p / 64));
      });
      expect(o.bbox).toEqual([x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
      expect(o.area).toBe(n);
      expect(o.category >= 1 && o.category <= 10).toBe(true);
    }
  });

  it('boxes lie inside the image, every class pixel lies in a box of its class, void is exactly the ring around items', () => {
    const size = 96;
    const set = makeScenes(items, {count: 20, size, seed: 3});
    let multi = 0;
    for (let s = 0; s < set.count; s++) {
      const objs = set.objects[s];
      if (objs.length > 1) multi++;
      for (const {bbox: [x, y, w, h]} of objs) {
        expect(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= size && y + h <= size).toBe(true);
      }
      const m = set.masks.subarray(s * size * size, (s + 1) * size * size);
      const isItem = (i: number, j: number) => i >= 0 && j >= 0 && i < size && j < size && m[i * size + j] !== 0 && m[i * size + j] !== VOID;
      // Counted, not asserted per pixel (one expect per pixel would dominate the test time).
      let outside = 0, wrongRing = 0;
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
        const v = m[i * size + j];
        if (v !== 0 && v !== VOID) {
          if (!objs.some((o) => o.category === v && j >= o.bbox[0] && j < o.bbox[0] + o.bbox[2] && i >= o.bbox[1] && i < o.bbox[1] + o.bbox[3])) outside++;
        } else {
          let near = false;
          for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) near ||= isItem(i + di, j + dj);
          if (v !== (near ? VOID : 0)) wrongRing++;
        }
      }
      expect({scene: s, outside, wrongRing}).toEqual({scene: s, outside: 0, wrongRing: 0});
    }
    expect(multi).toBeGreaterThan(5);
  });

  it('normalised corner boxes (and their mirror) are the pixel boxes over the image size', () => {
    const set = makeScenes(items, {count: 3, size: 80, seed: 4});
    const [s] = sceneDetectionSamples(set);
    const c = normalisedCorners(s), f = normalisedCorners(s, true);
    const [x, y, w, h] = set.objects[0][0].bbox;
    expect(Array.from(c.subarray(0, 4))).toEqual([x / 80, y / 80, (x + w) / 80, (y + h) / 80].map(Math.fround));
    expect(f[0]).toBeCloseTo(1 - (x + w) / 80, 6);
    expect(f[2]).toBeCloseTo(1 - x / 80, 6);
  });

  it('rejects bad options', () => {
    expect(() => makeScenes(items, {count: 1, size: 64, minItems: 3, maxItems: 2, seed: 1})).toThrow(/maxItems must be an integer in \[3/);
    expect(() => makeScenes(items, {count: 1, size: 64, maxItemSize: 100, seed: 1})).toThrow(/maxItemSize/);
  });
});

describe('COCO and VOC files', () => {
  let set: SceneSet;
  beforeAll(() => { set = makeScenes(items, {count: 5, size: 48, seed: 9}); });

  it('COCO: writeCoco → readCoco gives back the images, boxes, labels and the instances JSON', () => {
    const dir = join(tmp, 'coco');
    writeCoco(dir, 'val', set);
    expect(existsSync(join(dir, 'annotations', 'instances_val.json'))).toBe(true);
    const back = readCoco(dir, 'val');
    expect(back.gt).toEqual(toCoco(set, 'val'));
    expect(back.names).toEqual(set.categories);
    const want = sceneDetectionSamples(set);
    back.samples.forEach((s, i) => {
      expect(Buffer.from(s.rgb).equals(Buffer.from(want[i].rgb))).toBe(true);
      expect(Array.from(s.boxes)).toEqual(Array.from(want[i].boxes));
      expect(Array.from(s.labels)).toEqual(Array.from(want[i].labels));
    });
    const a = back.gt.annotations[0];
    expect(a.iscrowd).toBe(0);
    expect(a.area).toBe(set.objects[0][0].area);
  });

  it('COCO: non-contiguous category ids map to labels 1..K in id order; crowd boxes are not training targets', () => {
    const dir = join(tmp, 'coco2');
    const coco = toCoco(set, 'train');
    coco.categories = [{id: 90, name: 'z'}, {id: 3, name: 'a'}];
    coco.annotations = [
      {id: 1, image_id: 1, category_id: 90, bbox: [1, 2, 10, 12], area: 100, iscrowd: 0},
      {id: 2, image_id: 1, category_id: 3, bbox: [5, 5, 8, 8], area: 50, iscrowd: 0},
      {id: 3, image_id: 2, category_id: 3, bbox: [0, 0, 20, 20], area: 400, iscrowd: 1},
    ];
    writeCoco(dir, 'train', set);
    writeFileSync(join(dir, 'annotations', 'instances_train.json'), JSON.stringify(coco));
    const back = readCoco(dir, 'train');
    expect(back.categoryIds).toEqual([3, 90]);
    expect(back.names).toEqual(['a', 'z']);
    expect(Array.from(back.samples[0].labels)).toEqual([2, 1]);
    expect(back.samples[1].labels).toHaveLength(0);
  });

  it('VOC: palette masks with the devkit colours; writeVoc → readVoc gives back masks (255 kept) and images', () => {
    const dir = join(tmp, 'voc');
    writeVoc(dir, 'train', set, {imageFormat: 'png'});
    writeVoc(dir, 'val', set);
    expect(readFileSync(join(dir, 'ImageSets', 'Segmentation', 'train.txt'), 'utf8').trim().split('\n')).toHaveLength(5);
    // A real palette PNG: pngjs reports colour type 3 and the VOC devkit colours of classes 1, 2 and 255.
    const png = PNG.sync.read(readFileSync(join(dir, 'SegmentationClass', 'train_000000.png'))) as unknown as {colorType: number; palette: number[][]};
    expect(png.colorType).toBe(3);
    expect(png.palette[1].slice(0, 3)).toEqual([128, 0, 0]);
    expect(png.palette[2].slice(0, 3)).toEqual([0, 128, 0]);
    expect(png.palette[255].slice(0, 3)).toEqual([224, 224, 192]);
    const tr = readVoc(dir, 'train', 11);
    tr.forEach((s, i) => {
      expect(Buffer.from(s.mask).equals(Buffer.from(set.masks.subarray(i * 48 * 48, (i + 1) * 48 * 48)))).toBe(true);
      expect(Buffer.from(s.rgb).equals(Buffer.from(set.images.subarray(i * 48 * 48 * 3, (i + 1) * 48 * 48 * 3)))).toBe(true);
    });
    expect(tr.some((s) => s.mask.includes(VOID))).toBe(true);
    // JPEG images are lossy: close, not equal.
    const va = readVoc(dir, 'val', 11);
    let diff = 0;
    va[0].rgb.forEach((v, k) => { diff += Math.abs(v - set.images[k]); });
    expect(diff / va[0].rgb.length).toBeLessThan(4);
  });

  it('bad input: missing folder, malformed JSON, unknown ids, masks outside the classes, colours outside the palette', () => {
    expect(() => readCoco(join(tmp, 'nowhere'), 'val')).toThrow(/COCO folder .*nowhere does not exist/);
    const bad = join(tmp, 'badcoco');
    mkdirSync(join(bad, 'annotations'), {recursive: true});
    writeFileSync(join(bad, 'annotations', 'instances_val.json'), '{"images": [');
    expect(() => readCoco(bad, 'val')).toThrow(/instances_val\.json: malformed JSON/);
    writeFileSync(join(bad, 'annotations', 'instances_val.json'), JSON.stringify({images: [{id: 1, file_name: 'a.png'}], annotations: [{id: 1, image_id: 1, category_id: 7, bbox: [0, 0, 1, 1], area: 1}], categories: [{id: 1, name: 'x'}]}));
    mkdirSync(join(bad, 'val'), {recursive: true});
    expect(() => readCoco(bad, 'val')).toThrow(/annotations\[0\] has category_id 7, which is not in categories/);
    writeFileSync(join(bad, 'annotations', 'instances_val.json'), JSON.stringify({images: [{id: 1, file_name: 'a.png'}], annotations: [], categories: [{id: 1, name: 'x'}]}));
    expect(() => readCoco(bad, 'val')).toThrow(/image a\.png \(id 1\) not found/);
    expect(() => readVoc(join(tmp, 'nowhere'), 'val', 11)).toThrow(/VOC folder .*nowhere does not exist/);
    const dir = join(tmp, 'voc');
    const mask = new Uint8Array(48 * 48);
    mask[48 * 3 + 7] = 30;
    writeFileSync(join(dir, 'SegmentationClass', 'val_000001.png'), encodePalettePng(mask, 48, 48, vocColormap()));
    expect(() => readVoc(dir, 'val', 11)).toThrow(/val_000001\.png: pixel \(7, 3\) has class 30, outside 0\.\.10/);
    const rgb = new PNG({width: 48, height: 48});
    rgb.data.fill(0); rgb.data[3] = 255; rgb.data[0] = 7; rgb.data[1] = 8; rgb.data[2] = 9;
    writeFileSync(join(dir, 'SegmentationClass', 'val_000001.png'), PNG.sync.write(rgb, {colorType: 2}));
    expect(() => readVoc(dir, 'val', 11)).toThrow(/pixel \(0, 0\) has colour rgb\(7, 8, 9\), which is not in the mask palette/);
    expect(() => parseCli(['--nope'], TRAIN_OPTIONS, 'usage')).toThrow(/Unknown option '--nope'/);
    expect(() => parseCli(['--epochs', 'x'], TRAIN_OPTIONS, 'usage')).toThrow(/--epochs needs a number, got 'x'/);
    expect(() => parseCli(['--backbone', 'vgg'], TRAIN_OPTIONS, 'usage')).toThrow(/--backbone: 'vgg' is not one of scene, paccnet-xs/);
  });
});

describe('training pieces (wasm)', () => {
  beforeAll(async () => { await tf.setBackend('wasm'); });

  it('GroupedAdamW: the head group moves 10× as far on the first Adam step (|Δw| = lr·mult where the gradient is non-zero)', () => {
    seedEverything(1);
    const model = buildSegmenter('scene', 3, 32, 8);
    const opt = new GroupedAdamW(model, 0, {headPrefixes: ['seg_head.'], headLrMult: 10});
    expect(opt.groups).toHaveLength(2);
    const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
    const x = tf.randomUniform([2, 32, 32, 3]), y = tf.randomUniform([2, 32, 32], 0, 3, 'int32');
    opt.step(() => pacc.segmentation.crossEntropyLoss(model.apply(x, {training: true}) as tf.Tensor, y), 1e-3);
    const steps = (head: boolean) => model.trainableWeights.flatMap((w, i) => (w.originalName.startsWith('seg_head.') === head ? Array.from(w.read().dataSync(), (v, k) => Math.abs(v - before[i][k])) : [])).filter((d) => d > 1e-7);
    const med = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1];
    expect(med(steps(false))).toBeCloseTo(1e-3, 4);
    expect(med(steps(true))).toBeCloseTo(1e-2, 3);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });

  it('the scene SSD has the official prior layout, and training steps and detect() keep the tensor count', () => {
    seedEverything(2);
    const size = 64;
    const model = configSsd(SCENE_BACKBONE, 11, size);
    const priors = pacc.detection.ssdAnchors(size, size);
    expect(model.outputs[0].shape).toEqual([null, priors.length / 4, 11]);
    const set = makeScenes(items, {count: 4, size, seed: 1});
    const samples = sceneDetectionSamples(set);
    const opt = new GroupedAdamW(model, 0.02);
    const counts: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t = samples.map((s) => pacc.detection.matchPriors(normalisedCorners(s), s.labels, priors));
      const x = tf.randomUniform([4, size, size, 3]);
      const lab = tf.tensor2d(t.flatMap((m) => Array.from(m.labels)), [4, priors.length / 4], 'int32');
      const loc = tf.tensor3d(t.flatMap((m) => Array.from(m.locations)), [4, priors.length / 4, 4]);
      const loss = opt.step(() => {
        const [c, l] = model.apply(x, {training: true}) as tf.Tensor[];
        return pacc.detection.multiboxLoss(c, l, lab, loc, {negPosRatio: 3});
      }, 1e-3);
      expect(Number.isFinite(loss)).toBe(true);
      tf.dispose([x, lab, loc]);
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2]).toBe(counts[1]);
    const n0 = tf.memory().numTensors;
    const dets = detect(model, samples, size, set.categories.map((_, k) => k + 1), {confidenceThreshold: 0.01});
    expect(tf.memory().numTensors).toBe(n0);
    for (const d of dets) {
      expect(d.bbox[0] >= 0 && d.bbox[1] >= 0 && d.bbox[0] + d.bbox[2] <= size + 1e-3 && d.bbox[1] + d.bbox[3] <= size + 1e-3).toBe(true);
      expect(d.category_id >= 1 && d.category_id <= 10).toBe(true);
    }
    opt.dispose();
    model.dispose();
  });
});

describe('train → resume → eval on a tiny budget', () => {
  const tiny = ['--size', '64', '--scene-size', '64', '--train-scenes', '12', '--val-scenes', '6', '--batch', '4', '--max-batches', '2', '--warmup-steps', '1', '--ema', '0.9'];

  it('detection: train.ts writes a checkpoint, --resume continues it, eval.ts prints the 12 COCO numbers and draws', async () => {
    const out = join(tmp, 'det');
    const a = parseCli([...tiny, '--epochs', '1', '--out', out], TRAIN_OPTIONS, '');
    const first = await trainDetection(a);
    first.model.dispose();
    expect(JSON.parse(readFileSync(join(out, 'state.json'), 'utf8')).epoch).toBe(1);
    const second = await trainDetection(parseCli([...tiny, '--epochs', '2', '--resume', '--out', out], TRAIN_OPTIONS, ''));
    second.model.dispose();
    expect(second.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(existsSync(join(out, 'ema.json'))).toBe(true);
    const det = await loadDetector(out);
    expect(det.size).toBe(64);
    det.model.dispose();
    const ev = run('examples/detection/eval.ts', ['--checkpoint', out, '--out', join(out, 'eval'), '--draw', '2', '--val-scenes', '6']);
    expect(ev.code, ev.err).toBe(0);
    expect(ev.out.match(/Average (Precision|Recall) .* = -?\d\.\d{3}/g)).toHaveLength(12);
    expect(ev.out).toMatch(/centre-box baseline .*AP \d\.\d{3}/);
    const png = PNG.sync.read(readFileSync(join(out, 'eval', 'det_1.png')));
    expect(png.width).toBeGreaterThan(2 * 64);
    await expect(trainDetection(parseCli([...tiny, '--epochs', '3', '--resume', '--out', out, '--size', '96'], TRAIN_OPTIONS, '')))
      .rejects.toThrow(/--resume: .* holds a scene SSD at 64 px .* this run asks for scene at 96 px/);
  });

  it('segmentation: train, resume, eval (mIoU, per-class IoU, baselines, overlays); bad --data / --checkpoint fail clearly', async () => {
    const out = join(tmp, 'seg');
    const first = await trainSegmentation(parseCli([...tiny, '--epochs', '1', '--out', out], SEG_TRAIN_OPTIONS, ''));
    first.model.dispose();
    const second = await trainSegmentation(parseCli([...tiny, '--epochs', '2', '--resume', '--out', out], SEG_TRAIN_OPTIONS, ''));
    second.model.dispose();
    expect(JSON.parse(readFileSync(join(out, 'state.json'), 'utf8')).epoch).toBe(2);
    expect(existsSync(join(out, 'optimizer_1.json'))).toBe(true);  // the head's own Adam state
    const seg = await loadSegmenter(out);
    const set = makeScenes(items, {count: 2, size: 80, seed: 1});
    const preds = segment(seg.model, [{name: 'a', width: 80, height: 80, rgb: set.images.subarray(0, 80 * 80 * 3), mask: set.masks.subarray(0, 80 * 80)}], seg.size);
    expect(preds[0]).toHaveLength(80 * 80);
    seg.model.dispose();
    const ev = run('examples/segmentation/eval.ts', ['--checkpoint', out, '--out', join(out, 'eval'), '--draw', '1', '--val-scenes', '6']);
    expect(ev.code, ev.err).toBe(0);
    expect(ev.out).toMatch(/\| Ankle boot\s+\|\s+[\d.]+ \|/);
    expect(ev.out).toMatch(/mIoU [\d.]+%/);
    expect(ev.out).toMatch(/baselines: all background mIoU [\d.]+%/);
    expect(existsSync(join(out, 'eval', 'seg_val_000000.png'))).toBe(true);
    const noCk = run('examples/segmentation/eval.ts', ['--checkpoint', join(tmp, 'none')]);
    expect(noCk.code).toBe(1);
    expect(noCk.err).toMatch(/no training checkpoint in .*none/);
    await expect(trainSegmentation(parseCli(['--data', 'coco:/x'], SEG_TRAIN_OPTIONS, ''))).rejects.toThrow(/--data must be 'synthetic' or 'voc:<dir>', got 'coco:\/x'/);
  });
});

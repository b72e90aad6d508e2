// COCO detection data on disk: writer of a synthetic scene set (annotations/instances_<split>.json + <split>/*.png) and a reader of real COCO folders.
import {existsSync, readFileSync, statSync, writeFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {decodeImage} from './datasets';
import {writeRgbPng} from './image_io';
import {CocoJson, SceneSet, sceneName, toCoco} from './scenes';
import type {DetectionSample} from './task_input';

/**
 * Writes `set` in the COCO 2017 layout: `<dir>/annotations/instances_<split>.json` and the images
 * as `<dir>/<split>/<split>_000000.png` (file_name in the JSON is relative to `<dir>/<split>`).
 */
export function writeCoco(dir: string, split: string, set: SceneSet): CocoJson {
  const coco = toCoco(set, split, 'png');
  mkdirSync(join(dir, 'annotations'), {recursive: true});
  writeFileSync(join(dir, 'annotations', `instances_${split}.json`), JSON.stringify(coco));
  for (let i = 0; i < set.count; i++) {
    const px = set.size * set.size * 3;
    writeRgbPng(join(dir, split, `${sceneName(split, i)}.png`), set.images.subarray(i * px, (i + 1) * px), set.size, set.size);
  }
  return coco;
}

export interface CocoDataset {
  /** The parsed instances JSON (ground truth for `pacc.metrics.cocoEvaluate`). */
  gt: CocoJson;
  samples: DetectionSample[];
  /** Category names by contiguous label: names[k-1] for label k. */
  names: string[];
  /** COCO category id of contiguous label k (index k-1): the k-th smallest id, as the official loader maps them. */
  categoryIds: number[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Reads `<dir>/annotations/instances_<split>.json` (or `<dir>/instances_<split>.json`) and its images
 * from `<dir>/<split>/` (or `<dir>/images/`). Category ids become contiguous labels 1..K in id order;
 * crowd annotations are kept in `gt` (the evaluator ignores them) but not used as training boxes.
 * `limit` > 0 reads only the first images. Every structural problem is an Error naming the file and entry.
 */
export function readCoco(dir: string, split: string, limit = 0): CocoDataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`COCO folder ${dir} does not exist`);
  const jsonPath = [join(dir, 'annotations', `instances_${split}.json`), join(dir, `instances_${split}.json`)].find((p) => existsSync(p));
  if (!jsonPath) throw new Error(`COCO folder ${dir} has no annotations/instances_${split}.json (nor instances_${split}.json)`);
  let gt: CocoJson;
  try {
    gt = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`${jsonPath}: malformed JSON (${(e as Error).message})`);
  }
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(gt?.[key])) throw new Error(`${jsonPath}: '${key}' must be an array (a COCO instances file has images, annotations and categories)`);
  }
  const catIds = gt.categories.map((c, i) => {
    if (!isNum(c?.id)) throw new Error(`${jsonPath}: categories[${i}].id must be a number, got ${JSON.stringify(c?.id)}`);
    return c.id;
  }).sort((a, b) => a - b);
  if (new Set(catIds).size !== catIds.length) throw new Error(`${jsonPath}: duplicate category ids`);
  const labelOf = new Map(catIds.map((id, k) => [id, k + 1]));
  const names = catIds.map((id) => String(gt.categories.find((c) => c.id === id)!.name ?? id));
  const imageDir = [join(dir, split), join(dir, 'images')].find((p) => existsSync(p) && statSync(p).isDirectory());
  if (!imageDir) throw new Error(`COCO folder ${dir} has no image folder ${split}/ (nor images/)`);
  const perImage = new Map<unknown, {boxes: number[]; labels: number[]}>();
  const images = limit > 0 ? gt.images.slice(0, limit) : gt.images;
  images.forEach((im, i) => {
    if (!isNum(im?.id) || typeof im.file_name !== 'string') throw new Error(`${jsonPath}: images[${i}] needs a numeric id and a file_name, got ${JSON.stringify(im)}`);
    perImage.set(im.id, {boxes: [], labels: []});
  });
  const allIds = new Set(gt.images.map((im) => im.id));
  gt.annotations.forEach((a, i) => {
    if (!allIds.has(a?.image_id)) throw new Error(`${jsonPath}: annotations[${i}] refers to image_id ${JSON.stringify(a?.image_id)}, which is not in images`);
    if (!labelOf.has(a.category_id)) throw new Error(`${jsonPath}: annotations[${i}] has category_id ${JSON.stringify(a.category_id)}, which is not in categories`);
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || !a.bbox.every(isNum) || a.bbox[2] < 0 || a.bbox[3] < 0) {
      throw new Error(`${jsonPath}: annotations[${i}].bbox must be [x, y, w, h] with w, h >= 0, got ${JSON.stringify(a.bbox)}`);
    }
    if (!isNum(a.area)) throw new Error(`${jsonPath}: annotations[${i}].area must be a number, got ${JSON.stringify(a.area)}`);
    const entry = perImage.get(a.image_id);
    // Crowd regions and empty boxes are not training targets (the official COCO loader skips them too).
    if (!entry || a.iscrowd || a.bbox[2] <= 0 || a.bbox[3] <= 0) return;
    entry.boxes.push(...a.bbox);
    entry.labels.push(labelOf.get(a.category_id)!);
  });
  const samples: DetectionSample[] = images.map((im) => {
    const path = join(imageDir, im.file_name);
    if (!existsSync(path)) throw new Error(`${jsonPath}: image ${im.file_name} (id ${im.id}) not found in ${imageDir}`);
    const img = decodeImage(path);
    if ((im.width && im.width !== img.width) || (im.height && im.height !== img.height)) {
      throw new Error(`${path}: the image is ${img.width}×${img.height} but ${jsonPath} says ${im.width}×${im.height}`);
    }
    const e = perImage.get(im.id)!;
    return {imageId: im.id, width: img.width, height: img.height, rgb: img.data, boxes: Float32Array.from(e.boxes), labels: Int32Array.from(e.labels)};
  });
  if (limit > 0) {
    const keep = new Set(images.map((im) => im.id));
    gt = {...gt, images, annotations: gt.annotations.filter((a) => keep.has(a.image_id))};
  }
  return {gt, samples, names, categoryIds: catIds};
}

/** In-memory detection samples of a scene set (what readCoco gives after writeCoco, without the files). */
export function sceneDetectionSamples(set: SceneSet): DetectionSample[] {
  const px = set.size * set.size * 3;
  return set.objects.map((objs, i) => ({
    imageId: i + 1, width: set.size, height: set.size, rgb: set.images.subarray(i * px, (i + 1) * px),
    boxes: Float32Array.from(objs.flatMap((o) => o.bbox)), labels: Int32Array.from(objs.map((o) => o.category)),
  }));
}

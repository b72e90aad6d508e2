// COCO box evaluation: a faithful reimplementation of pycocotools' COCOeval (iouType 'bbox') evaluate/accumulate/summarize.
//
// Every numeric detail follows pycocotools 2.0.x (cocoeval.py, coco.py loadRes, maskApi.c bbIou) so that the
// 12 summary numbers are the same doubles, not just close:
// - parameters: IoU thresholds np.linspace(.5, .95, 10) and recall thresholds np.linspace(0, 1, 101), whose
//   doubles are k*step + start with the last one set to stop (not 0.5 + 0.05k); maxDets [1, 10, 100]; area
//   ranges [0, 1e10], [0, 32²], [32², 96²], [96², 1e10] compared with the annotation's `area` field, limits
//   inclusive (a gt is out of range only if area < lo or area > hi).
// - per (image, category): detections sorted by descending score with a stable sort (numpy argsort
//   kind='mergesort' of -score), cut to 100; IoU as bbIou in double: a crowd gt divides by the detection's area
//   (so a box inside a crowd region has IoU 1) and a crowd gt is never consumed.
// - per (image, category, area range): gts whose iscrowd is set or whose area is out of range are "ignored" and
//   sorted last (stable); greedy matching per threshold in score order, starting from min(t, 1 - 1e-10) and
//   taking the last gt whose IoU is >= the best so far; a detection matched to an ignored gt is ignored, and an
//   unmatched detection whose area (w·h, as loadRes sets it) is out of range is ignored.
// - accumulate: per (category, area, maxDet) the first maxDet detections of every image are concatenated in
//   image-id order and stably sorted by score; precision tp / (tp + fp + eps) made monotone from the right,
//   sampled at the 101 recall thresholds by searchsorted(side='left'), 0 past the last recall reached; -1 where
//   the category has no non-ignored gt (or nothing at all) in that setting.
// - summarize: np.mean over the entries > -1 (numpy's pairwise summation, replicated), -1 when there are none.
// Where pycocotools would silently do something surprising with malformed input we throw instead (see
// validate() and docs/metrics.md).

export type CocoId = number | string;

/** One COCO instances annotation (only the fields box evaluation reads). */
export interface CocoAnnotation {
  id: number;
  image_id: CocoId;
  category_id: CocoId;
  /** [x, y, width, height] in pixels. */
  bbox: number[];
  /** Object area (COCO: the segmentation's area); the area ranges use this, not bbox w·h. */
  area: number;
  /** 1 / true: a crowd region (its matches are ignored). Missing counts as 0. */
  iscrowd?: number | boolean;
  [key: string]: unknown;
}

/** A COCO instances ground-truth object (e.g. the parsed instances_val2017.json). */
export interface CocoGroundTruth {
  images: {id: CocoId; [key: string]: unknown}[];
  annotations: CocoAnnotation[];
  categories: {id: CocoId; [key: string]: unknown}[];
  [key: string]: unknown;
}

/** One entry of a COCO results file (bbox.json). */
export interface CocoDetection {
  image_id: CocoId;
  category_id: CocoId;
  /** [x, y, width, height] in pixels. */
  bbox: number[];
  score: number;
  [key: string]: unknown;
}

/** The 12 numbers of COCOeval.stats, in the same order as pycocotools prints them. */
export interface CocoStats {
  AP: number; AP50: number; AP75: number; APs: number; APm: number; APl: number;
  AR1: number; AR10: number; AR100: number; ARs: number; ARm: number; ARl: number;
}

export interface CocoEvaluateOptions {
  /** Also return the per-category AP and pycocotools' full precision / recall arrays (`perCategory`). */
  perCategory?: boolean;
}

/** pycocotools' `eval['precision']` / `eval['recall']` and the per-category AP derived from them. */
export interface CocoPerCategory {
  /** Category ids in evaluation order (sorted), the K axis below. */
  catIds: CocoId[];
  /** AP@[.50:.95], area all, maxDets 100 of each category; -1 when it has no non-crowd gt. */
  AP: number[];
  /** Float64 [T=10, R=101, K, A=4, M=3] row-major, -1 where undefined (as pycocotools). */
  precision: Float64Array;
  /** Float64 [T=10, K, A=4, M=3] row-major, -1 where undefined. */
  recall: Float64Array;
  shape: {T: number; R: number; K: number; A: number; M: number};
  iouThresholds: number[];
  recallThresholds: number[];
  areaRanges: [number, number][];
  maxDets: number[];
}

/** The numpy.linspace doubles: k * ((stop - start) / (num - 1)) + start, the last one exactly `stop`. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let k = 0; k < num; k++) out.push(k * step + start);
  out[num - 1] = stop;
  return out;
}

// np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1) and np.linspace(.0, 1.00, int(np.round(1.00 / .01)) + 1).
export const IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);
export const RECALL_THRESHOLDS: readonly number[] = linspace(0, 1, Math.round(1 / 0.01) + 1);
export const MAX_DETS: readonly number[] = [1, 10, 100];
export const AREA_RANGES: readonly (readonly [number, number])[] = [[0, 1e10], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e10]];
const T = 10, R = 101, A = 4, M = 3, MAX_DET = 100;
// np.spacing(1): the gap after 1.0, added to the precision denominator.
const EPS = Number.EPSILON;

/** numpy's pairwise summation (umath loops: blocks of 8 accumulators up to 128 elements, halving above). */
function pairwiseSum(a: Float64Array, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}

/** summarize()'s `np.mean(s[s > -1])`, or -1 when nothing is > -1. */
function meanAboveMinusOne(values: Float64Array, n: number): number {
  const kept = new Float64Array(n);
  let c = 0;
  for (let i = 0; i < n; i++) if (values[i] > -1) kept[c++] = values[i];
  return c === 0 ? -1 : pairwiseSum(kept, 0, c) / c;
}

const describe = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function isId(v: unknown): v is CocoId {
  return (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';
}

/** pycocotools sorts ids with Python's sorted(): numeric for numbers, code-point order for strings; no mixing. */
function sortIds(ids: CocoId[], what: string): CocoId[] {
  const unique = [...new Set(ids)];
  const numbers = unique.filter((v) => typeof v === 'number').length;
  if (numbers !== 0 && numbers !== unique.length) throw new Error(`cocoEvaluate: groundTruth ${what} ids mix numbers and strings (Python's sorted() would fail)`);
  return numbers ? (unique as number[]).sort((a, b) => a - b) : (unique as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Validates an [x, y, w, h] box; `kind[index]` names it in errors (built only when throwing, as this runs per detection). */
function checkBox(bbox: unknown, kind: string, index: number): [number, number, number, number] {
  let ok = Array.isArray(bbox) && bbox.length === 4;
  for (let q = 0; ok && q < 4; q++) ok = typeof (bbox as unknown[])[q] === 'number' && Number.isFinite((bbox as number[])[q]);
  if (!ok) throw new Error(`cocoEvaluate: ${kind}[${index}].bbox must be [x, y, width, height] of 4 finite numbers, got ${JSON.stringify(bbox)}`);
  const b = bbox as [number, number, number, number];
  if (b[2] < 0 || b[3] < 0) {
    throw new Error(`cocoEvaluate: ${kind}[${index}].bbox [${b.join(', ')}] has a negative width or height (COCO boxes are [x, y, w, h], not corners)`);
  }
  return b;
}

/** Lists at most a few offending values in an error message. */
const some = (vals: unknown[]) => vals.slice(0, 5).map(describe).join(', ') + (vals.length > 5 ? `, … (${vals.length} in all)` : '');

interface Gt { id: number; x: number; y: number; w: number; h: number; area: number; crowd: boolean; }
interface Dt { x: number; y: number; w: number; h: number; area: number; score: number; }

/**
 * COCO box AP/AR, equal to pycocotools `COCOeval(gt, gt.loadRes(detections), 'bbox')` after
 * evaluate(), accumulate(), summarize(): returns its `stats` by name.
 *
 * Input checks (pycocotools would assert, crash or silently mis-evaluate): detections for an image or a category
 * that the ground truth does not list, boxes with a negative or non-finite size, missing or NaN scores,
 * duplicate or zero annotation ids (pycocotools treats a match to annotation id 0 as no match) — each throws an
 * Error naming the values. An empty detection list is allowed (AP 0 wherever there is ground truth).
 */
export function cocoEvaluate(groundTruth: CocoGroundTruth, detections: CocoDetection[], opts: CocoEvaluateOptions = {}): CocoStats & {perCategory?: CocoPerCategory} {
  if (groundTruth === null || typeof groundTruth !== 'object') throw new Error(`cocoEvaluate: groundTruth must be a COCO instances object, got ${describe(groundTruth)}`);
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(groundTruth[key])) throw new Error(`cocoEvaluate: groundTruth.${key} must be an array, got ${describe(groundTruth[key])}`);
  }
  if (!Array.isArray(detections)) throw new Error(`cocoEvaluate: detections must be an array of {image_id, category_id, bbox, score} (a COCO results list), got ${describe(detections)}`);

  // --- COCO(gt): image and category ids, sorted as COCOeval's params.imgIds / catIds.
  const rawImg = groundTruth.images.map((im, i) => {
    if (im === null || typeof im !== 'object' || !isId(im.id)) throw new Error(`cocoEvaluate: groundTruth.images[${i}].id must be a number or string, got ${describe(im?.id)}`);
    return im.id;
  });
  const rawCat = groundTruth.categories.map((c, i) => {
    if (c === null || typeof c !== 'object' || !isId(c.id)) throw new Error(`cocoEvaluate: groundTruth.categories[${i}].id must be a number or string, got ${describe(c?.id)}`);
    return c.id;
  });
  const imgIds = sortIds(rawImg, 'image');
  const catIds = sortIds(rawCat, 'category');
  const imgIndex = new Map<CocoId, number>(imgIds.map((id, i) => [id, i]));
  const catIndex = new Map<CocoId, number>(catIds.map((id, i) => [id, i]));
  const nI = imgIds.length, K = catIds.length;

  // Cells hold the gts / dts of one (category, image) in file order, keyed k * nI + i.
  const cellGts = new Map<number, Gt[]>();
  const cellDts = new Map<number, Dt[]>();
  const push = <V>(map: Map<number, V[]>, key: number, v: V) => {
    const list = map.get(key);
    if (list) list.push(v); else map.set(key, [v]);
  };

  const annIds = new Set<number>();
  groundTruth.annotations.forEach((ann, j) => {
    const where = `groundTruth.annotations[${j}]`;
    if (ann === null || typeof ann !== 'object') throw new Error(`cocoEvaluate: ${where} must be an object`);
    if (typeof ann.id !== 'number' || !Number.isFinite(ann.id)) throw new Error(`cocoEvaluate: ${where}.id must be a number, got ${describe(ann.id)}`);
    // COCOeval stores the matched gt id per detection and tests it for != 0: a match to id 0 would count as a false positive.
    if (ann.id === 0) throw new Error(`cocoEvaluate: ${where}.id is 0; pycocotools treats a match to annotation id 0 as no match, so renumber annotation ids from 1`);
    // COCO.loadAnns looks annotations up by id: with duplicates it would evaluate one of them twice.
    if (annIds.has(ann.id)) throw new Error(`cocoEvaluate: ${where}.id ${ann.id} is not unique (pycocotools would evaluate another annotation in its place)`);
    annIds.add(ann.id);
    const i = imgIndex.get(ann.image_id), k = catIndex.get(ann.category_id);
    if (i === undefined) throw new Error(`cocoEvaluate: ${where} (id ${ann.id}) has image_id ${describe(ann.image_id)}, which is not in groundTruth.images`);
    if (k === undefined) throw new Error(`cocoEvaluate: ${where} (id ${ann.id}) has category_id ${describe(ann.category_id)}, which is not in groundTruth.categories`);
    const [x, y, w, h] = checkBox(ann.bbox, 'groundTruth.annotations', j);
    if (typeof ann.area !== 'number' || !Number.isFinite(ann.area) || ann.area < 0) {
      throw new Error(`cocoEvaluate: ${where} (id ${ann.id}).area must be a finite number >= 0 (the area ranges use it; for box-only data use w*h), got ${describe(ann.area)}`);
    }
    const c = ann.iscrowd;
    if (c !== undefined && c !== 0 && c !== 1 && c !== true && c !== false) throw new Error(`cocoEvaluate: ${where}.iscrowd must be 0, 1 or a boolean, got ${describe(c)}`);
    // _prepare(): gt['ignore'] = iscrowd — an annotation's own 'ignore' field is overwritten and has no effect.
    push(cellGts, k * nI + i, {id: ann.id, x, y, w, h, area: ann.area, crowd: c === 1 || c === true});
  });

  // --- loadRes: result image ids must be gt image ids (pycocotools asserts); unknown categories we refuse too
  // (pycocotools would drop them silently, which hides a wrong category mapping).
  const unknownImgs = new Set<CocoId>(), unknownCats = new Set<CocoId>();
  for (let j = 0; j < detections.length; j++) {
    const det = detections[j];
    if (det === null || typeof det !== 'object') throw new Error(`cocoEvaluate: detections[${j}] must be an object {image_id, category_id, bbox, score}`);
    const [x, y, w, h] = checkBox(det.bbox, 'detections', j);
    if (typeof det.score !== 'number' || !Number.isFinite(det.score)) throw new Error(`cocoEvaluate: detections[${j}].score must be a finite number, got ${describe(det.score)}`);
    const i = imgIndex.get(det.image_id), k = catIndex.get(det.category_id);
    if (i === undefined) unknownImgs.add(det.image_id);
    if (k === undefined) unknownCats.add(det.category_id);
    // loadRes sets area = w * h, whatever the result says.
    if (i !== undefined && k !== undefined) push(cellDts, k * nI + i, {x, y, w, h, area: w * h, score: det.score});
  }
  if (unknownImgs.size) throw new Error(`cocoEvaluate: detections refer to image_id(s) ${some([...unknownImgs])} not in groundTruth.images (pycocotools: 'Results do not correspond to current coco set')`);
  if (unknownCats.size) throw new Error(`cocoEvaluate: detections refer to category_id(s) ${some([...unknownCats])} not in groundTruth.categories`);

  // --- evaluate + accumulate, one category at a time (cells without gt and dt are pycocotools' None entries).
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const cellsOfCat: number[][] = Array.from({length: K}, () => []);
  for (const key of new Set([...cellGts.keys(), ...cellDts.keys()])) cellsOfCat[Math.floor(key / nI)].push(key % nI);

  for (let k = 0; k < K; k++) {
    const images = cellsOfCat[k].sort((a, b) => a - b);
    if (images.length === 0) continue;
    const ev = evaluateCategory(images.map((i) => cellGts.get(k * nI + i) ?? []), images.map((i) => cellDts.get(k * nI + i) ?? []));
    accumulateCategory(ev, k, K, precision, recall);
  }

  // --- summarize: the same slices of precision / recall as _summarizeDets, flattened in C order.
  const apSlice = (tSel: number[] | null, a: number, m: number) => {
    const ts = tSel ?? [...Array(T).keys()];
    const v = new Float64Array(ts.length * R * K);
    let n = 0;
    for (const t of ts) for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) v[n++] = precision[(((t * R + r) * K + k) * A + a) * M + m];
    return meanAboveMinusOne(v, n);
  };
  const arSlice = (a: number, m: number) => {
    const v = new Float64Array(T * K);
    let n = 0;
    for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) v[n++] = recall[((t * K + k) * A + a) * M + m];
    return meanAboveMinusOne(v, n);
  };
  // np.where(iouThr == p.iouThrs): exact double comparison, which finds .5 and .75 in the linspace doubles.
  const tAt = (thr: number) => IOU_THRESHOLDS.flatMap((v, t) => (v === thr ? [t] : []));
  const stats: CocoStats = {
    AP: apSlice(null, 0, 2), AP50: apSlice(tAt(0.5), 0, 2), AP75: apSlice(tAt(0.75), 0, 2),
    APs: apSlice(null, 1, 2), APm: apSlice(null, 2, 2), APl: apSlice(null, 3, 2),
    AR1: arSlice(0, 0), AR10: arSlice(0, 1), AR100: arSlice(0, 2),
    ARs: arSlice(1, 2), ARm: arSlice(2, 2), ARl: arSlice(3, 2),
  };
  if (!opts.perCategory) return stats;
  const perAP = catIds.map((_, k) => {
    const v = new Float64Array(T * R);
    let n = 0;
    for (let t = 0; t < T; t++) for (let r = 0; r < R; r++) v[n++] = precision[(((t * R + r) * K + k) * A + 0) * M + 2];
    return meanAboveMinusOne(v, n);
  });
  return {
    ...stats,
    perCategory: {
      catIds, AP: perAP, precision, recall, shape: {T, R, K, A, M},
      iouThresholds: [...IOU_THRESHOLDS], recallThresholds: [...RECALL_THRESHOLDS],
      areaRanges: AREA_RANGES.map(([lo, hi]) => [lo, hi] as [number, number]), maxDets: [...MAX_DETS],
    },
  };
}

const MATCHED = 1, UNMATCHED = 0, IGNORED = 2;

/** evaluateImg results of one category over its images (in image-id order), in flat typed arrays. */
interface CategoryEval {
  /** Number of evaluated detections (at most 100 per image), concatenated image by image. */
  n: number;
  /** Score of each, in per-image evaluation order (descending score, stable). */
  scores: Float64Array;
  /** Rank of each inside its image (0 = best), for the maxDets cut. */
  rank: Int32Array;
  /** [a][t][j]: MATCHED (true positive), UNMATCHED (false positive) or IGNORED. */
  flags: Uint8Array;
  /** Per area range: number of gts that are not ignored (npig). */
  npig: number[];
}

// Scratch buffers reused across images (grown on demand) to keep per-image allocations out of the hot loop.
let iouBuf = new Float64Array(64);
let gtOrderBuf = new Int32Array(16), gtIgBuf = new Uint8Array(16), gtTakenBuf = new Uint8Array(16);

/** computeIoU + evaluateImg for one category: every image that has a gt or a detection of it, four area ranges. */
function evaluateCategory(gtsPerImage: Gt[][], dtsPerImage: Dt[][]): CategoryEval {
  let n = 0;
  const sorted = dtsPerImage.map((dts) => {
    // Stable sort by descending score (argsort(-score, kind='mergesort')), then keep the first maxDets[-1].
    const idx = dts.map((_, j) => j).sort((p, q) => dts[q].score - dts[p].score || p - q);
    const out = idx.slice(0, MAX_DET).map((j) => dts[j]);
    n += out.length;
    return out;
  });
  const scores = new Float64Array(n), rank = new Int32Array(n), flags = new Uint8Array(A * T * n);
  const npig = [0, 0, 0, 0];
  let off = 0;
  for (let c = 0; c < sorted.length; c++) {
    const gts = gtsPerImage[c], dts = sorted[c];
    const G = gts.length, D = dts.length;
    for (let d = 0; d < D; d++) { scores[off + d] = dts[d].score; rank[off + d] = d; }
    if (iouBuf.length < D * G) iouBuf = new Float64Array(2 * D * G);
    if (gtOrderBuf.length < G) { gtOrderBuf = new Int32Array(2 * G); gtIgBuf = new Uint8Array(2 * G); gtTakenBuf = new Uint8Array(2 * G); }
    const ious = iouBuf, gtOrder = gtOrderBuf, gtIg = gtIgBuf, taken = gtTakenBuf;
    // bbIou: ious[d][g] in double, with the operations in maskApi.c's order.
    for (let g = 0; g < G; g++) {
      const gt = gts[g], ga = gt.w * gt.h;
      for (let d = 0; d < D; d++) {
        const dt = dts[d], da = dt.w * dt.h;
        ious[d * G + g] = 0;
        const w = Math.min(dt.w + dt.x, gt.w + gt.x) - Math.max(dt.x, gt.x);
        if (w <= 0) continue;
        const h = Math.min(dt.h + dt.y, gt.h + gt.y) - Math.max(dt.y, gt.y);
        if (h <= 0) continue;
        const i = w * h;
        ious[d * G + g] = i / (gt.crowd ? da : da + ga - i);
      }
    }
    for (let a = 0; a < A; a++) {
      const lo = AREA_RANGES[a][0], hi = AREA_RANGES[a][1];
      // Ignored gts (crowd or area out of range) go last, each group in file order (stable argsort of the flags).
      let real = 0;
      for (let g = 0; g < G; g++) if (!(gts[g].crowd || gts[g].area < lo || gts[g].area > hi)) gtOrder[real++] = g;
      let s = real;
      for (let g = 0; g < G; g++) if (gts[g].crowd || gts[g].area < lo || gts[g].area > hi) gtOrder[s++] = g;
      for (s = 0; s < G; s++) gtIg[s] = s < real ? 0 : 1;
      npig[a] += real;
      for (let t = 0; t < T; t++) {
        taken.fill(0, 0, G);
        const base = (a * T + t) * n + off;
        for (let d = 0; d < D; d++) {
          let best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
          let m = -1;
          for (s = 0; s < G; s++) {
            const g = gtOrder[s];
            if (taken[s] && !gts[g].crowd) continue;  // a taken gt, unless it is a crowd region
            if (m > -1 && gtIg[m] === 0 && gtIg[s] === 1) break;  // matched a real gt; ignored ones come after
            if (ious[d * G + g] < best) continue;
            best = ious[d * G + g];  // >=: later gts win ties
            m = s;
          }
          if (m === -1) {
            // Unmatched: a false positive unless its own area is out of range.
            flags[base + d] = dts[d].area < lo || dts[d].area > hi ? IGNORED : UNMATCHED;
          } else {
            flags[base + d] = gtIg[m] ? IGNORED : MATCHED;
            taken[m] = 1;
          }
        }
      }
    }
    off += D;
  }
  return {n, scores, rank, flags, npig};
}

/** accumulate() for one category: precision at the recall thresholds and final recall, per area, maxDets, threshold. */
function accumulateCategory(ev: CategoryEval, k: number, K: number, precision: Float64Array, recall: Float64Array) {
  const {n, scores, rank, flags, npig} = ev;
  const rc = new Float64Array(n), pr = new Float64Array(n);
  // All detections stably sorted by descending score (ties keep the concatenation order: image id, then rank, as
  // numpy's mergesort on the concatenated arrays). Keeping the first maxDet of each image afterwards gives the
  // same order as pycocotools' cut-then-sort, so one sort serves the three maxDets.
  const all = new Int32Array(n);
  for (let j = 0; j < n; j++) all[j] = j;
  all.sort((p, q) => scores[q] - scores[p] || p - q);
  const order = new Int32Array(n);
  for (let m = 0; m < M; m++) {
    const maxDet = MAX_DETS[m];
    let nd = 0;
    for (let j = 0; j < n; j++) if (rank[all[j]] < maxDet) order[nd++] = all[j];
    for (let a = 0; a < A; a++) {
      const np = npig[a];
      if (np === 0) continue;
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * n;
        let tp = 0, fp = 0;
        for (let j = 0; j < nd; j++) {
          const flag = flags[base + order[j]];
          if (flag === MATCHED) tp++; else if (flag === UNMATCHED) fp++;
          rc[j] = tp / np;
          pr[j] = tp / (fp + tp + EPS);
        }
        recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0;
        for (let j = nd - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
        // searchsorted(rc, recThrs, side='left') on the non-decreasing rc, walked in step with the thresholds.
        let j = 0;
        for (let r = 0; r < R; r++) {
          while (j < nd && rc[j] < RECALL_THRESHOLDS[r]) j++;
          precision[(((t * R + r) * K + k) * A + a) * M + m] = j < nd ? pr[j] : 0;
        }
      }
    }
  }
}

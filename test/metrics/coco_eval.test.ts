// cocoEvaluate: the pycocotools fixture, hand-derived cases for each COCOeval rule, random cases against a brute-force reference, bad input.
import {describe, expect, it} from 'vitest';
import {cocoEvaluate, CocoDetection, CocoGroundTruth, CocoStats} from '../../src/metrics/coco_eval';
import * as pacc from '../../src/index';
import {referenceStats, RefDt, RefGt} from './coco_reference';
import {mulberry32} from '../../tools/rng';
import {readFixtureText} from '../util/fixtures';

const NAMES: (keyof CocoStats)[] = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];
const TEXT: Record<string, string> = Object.fromEntries(await Promise.all(['expected.json', 'gt_instances.json', 'results_bbox.json']
  .map(async (f) => [f, await readFixtureText(`coco_map_case1/${f}`)])));
/** A fresh copy of a coco_map_case1 file (tests may change what they get). */
const json = (f: string) => JSON.parse(TEXT[f]);

// The precision of a prefix with only true positives: tp / (tp + 0 + np.spacing(1)) = 1 / (1 + 2^-52) < 1.
const P1 = 1 / (1 + Number.EPSILON);

type Ann = [id: number, image: number, cat: number, bbox: number[], area?: number, iscrowd?: number];
/** A ground truth with the given images / categories; area defaults to w*h. */
function gtOf(images: number[], cats: number[], anns: Ann[]): CocoGroundTruth {
  return {
    images: images.map((id) => ({id})),
    categories: cats.map((id) => ({id, name: `c${id}`})),
    annotations: anns.map(([id, image_id, category_id, bbox, area, iscrowd]) => ({id, image_id, category_id, bbox, area: area ?? bbox[2] * bbox[3], iscrowd: iscrowd ?? 0})),
  };
}
const det = (image_id: number, category_id: number, bbox: number[], score: number): CocoDetection => ({image_id, category_id, bbox, score});

function expectStats(got: CocoStats, want: Partial<Record<keyof CocoStats, number>>) {
  for (const [k, v] of Object.entries(want)) {
    if (v === -1) expect(got[k as keyof CocoStats], k).toBe(-1);
    else expect(Math.abs(got[k as keyof CocoStats] - v), `${k}: got ${got[k as keyof CocoStats]}, want ${v}`).toBeLessThan(1e-12);
  }
}

describe('pycocotools fixture coco_map_case1', () => {
  it('equals COCOeval.stats (pycocotools 2.0.11) exactly', () => {
    const exp = json('expected.json');
    const s = pacc.metrics.cocoEvaluate(json('gt_instances.json'), json('results_bbox.json'));
    expect(Object.keys(s)).toEqual(NAMES);
    // Same doubles, not just close: every step (linspace thresholds, eps, numpy's pairwise mean) is replicated.
    NAMES.forEach((n, i) => expect(s[n], n).toBe(exp.stats[i]));
  });
  it('perCategory: catIds sorted, precision/recall shapes, AP of each category averages to AP', () => {
    const gt = json('gt_instances.json');
    const s = cocoEvaluate(gt, json('results_bbox.json'), {perCategory: true});
    const pc = s.perCategory!;
    const ids = gt.categories.map((c: {id: number}) => c.id).sort((a: number, b: number) => a - b);
    expect(pc.catIds).toEqual(ids);
    expect(pc.precision.length).toBe(10 * 101 * ids.length * 4 * 3);
    expect(pc.recall.length).toBe(10 * ids.length * 4 * 3);
    const valid = pc.AP.filter((v) => v > -1);
    // Every defined category has T*R entries, so the mean of the per-category means is the overall AP.
    expect(Math.abs(valid.reduce((a, b) => a + b, 0) / valid.length - s.AP)).toBeLessThan(1e-12);
    expect(pc.iouThresholds[5]).toBe(0.75);
  });
});

describe('hand-derived cases', () => {
  it('one gt, one det at IoU 0.62: matched at t = .50, .55, .60 only', () => {
    const s = cocoEvaluate(gtOf([1], [1], [[1, 1, 1, [0, 0, 10, 10]]]), [det(1, 1, [0, 0, 6.2, 10], 0.9)]);
    // small gt (area 100): medium/large have no gt -> -1; recall 1 at 3 of 10 thresholds.
    expectStats(s, {AP: 0.3 * P1, AP50: P1, AP75: 0, APs: 0.3 * P1, APm: -1, APl: -1, AR1: 0.3, AR10: 0.3, AR100: 0.3, ARs: 0.3, ARm: -1, ARl: -1});
  });
  it('IoU exactly 0.75 matches at t = 0.75 (>=, and the linspace double of .75 is exact)', () => {
    const s = cocoEvaluate(gtOf([1], [1], [[1, 1, 1, [0, 0, 10, 10]]]), [det(1, 1, [0, 0, 7.5, 10], 0.9)]);
    expectStats(s, {AP: 0.6 * P1, AP75: P1, AR100: 0.6});
  });
  it('perfect match gives AP 1/(1+eps), not 1; IoU 1 passes 0.95', () => {
    const s = cocoEvaluate(gtOf([1], [1], [[1, 1, 1, [3, 4, 50, 60]]]), [det(1, 1, [3, 4, 50, 60], 0.3)]);
    expect(s.AP).toBeLessThan(1);
    expectStats(s, {AP: P1, AP50: P1, AP75: P1, APs: -1, APm: P1, APl: -1, AR1: 1, AR100: 1, ARm: 1});
  });
  it('crowd: IoU = inter / det area, never consumed, its matches ignored', () => {
    const gt = gtOf([1, 2], [1], [[1, 1, 1, [0, 0, 10, 10]], [2, 2, 1, [0, 0, 100, 100], 10000, 1]]);
    const dts = [
      det(2, 1, [90, 0, 20, 10], 0.95),  // half inside the crowd: IoU 100/200 = 0.5 -> ignored at t=.5, a false positive above
      det(2, 1, [10, 10, 20, 20], 0.9),  // inside the crowd: IoU 1, ignored
      det(2, 1, [50, 50, 20, 20], 0.8),  // inside again: the crowd is not consumed, ignored
      det(1, 1, [0, 0, 10, 10], 0.5),    // the true positive
    ];
    // t=.5: [ig, ig, ig, TP] -> P1; t>.5: [FP, ig, ig, TP] -> precision 1/2 at recall 1 -> 0.5.
    expectStats(cocoEvaluate(gt, dts), {AP: (P1 + 9 * 0.5) / 10, AP50: P1, AP75: 0.5, APs: (P1 + 9 * 0.5) / 10, APm: -1, APl: -1, AR100: 1});
  });
  it('crowd-only image: nothing to find, every number -1', () => {
    const gt = gtOf([1], [1], [[1, 1, 1, [0, 0, 100, 100], 10000, 1]]);
    const s = cocoEvaluate(gt, [det(1, 1, [10, 10, 20, 20], 0.9), det(1, 1, [200, 200, 20, 20], 0.8)]);
    for (const n of NAMES) expect(s[n], n).toBe(-1);
  });
  it('a category with gt and no detections counts 0; one with detections and no gt is left out (-1)', () => {
    const gt = gtOf([1], [1, 2, 3, 4], [[1, 1, 1, [0, 0, 10, 10]], [2, 1, 2, [50, 50, 10, 10]]]);
    const dts = [det(1, 1, [0, 0, 10, 10], 0.9), det(1, 3, [50, 50, 10, 10], 0.9), det(1, 3, [0, 0, 10, 10], 0.8)];
    const s = cocoEvaluate(gt, dts, {perCategory: true});
    expectStats(s, {AP: 0.5 * P1, AR100: 0.5});
    expect(s.perCategory!.AP.map((v) => (v === -1 ? -1 : Math.round(v * 1e9) / 1e9))).toEqual([1, 0, -1, -1]);
  });
  it('maxDets 1 / 10 cut per image', () => {
    const boxes = Array.from({length: 12}, (_, j) => [j * 20, 0, 10, 10]);
    const gt = gtOf([1], [1], boxes.map((b, j) => [j + 1, 1, 1, b] as Ann));
    const s = cocoEvaluate(gt, boxes.map((b, j) => det(1, 1, b, 0.9 - j * 0.01)));
    expectStats(s, {AP: P1, AR1: 1 / 12, AR10: 10 / 12, AR100: 1});
    // Two images with one object each: maxDets counts per image.
    const gt2 = gtOf([1, 2], [1], [[1, 1, 1, [0, 0, 10, 10]], [2, 2, 1, [0, 0, 10, 10]]]);
    expectStats(cocoEvaluate(gt2, [det(1, 1, [0, 0, 10, 10], 0.9), det(2, 1, [0, 0, 10, 10], 0.8)]), {AR1: 1});
  });
  it('maxDets 100: the 101st detection of an image is dropped before matching', () => {
    const gt = gtOf([1], [1], [[1, 1, 1, [0, 0, 10, 10]]]);
    const fps = (n: number) => Array.from({length: n}, (_, j) => det(1, 1, [100 + j, 100, 10, 10], 0.9));
    expectStats(cocoEvaluate(gt, [...fps(100), det(1, 1, [0, 0, 10, 10], 0.1)]), {AP: 0, AR100: 0, AR10: 0});
    // With 99 false positives the true positive is the 100th: precision 1/100 at recall 1.
    expectStats(cocoEvaluate(gt, [...fps(99), det(1, 1, [0, 0, 10, 10], 0.1)]), {AP: 1 / (100 + Number.EPSILON), AR100: 1, AR10: 0});
  });
  it('area ranges: unmatched detections outside the range are ignored, gts use the area field, limits inclusive', () => {
    const gt = gtOf([1], [1], [[1, 1, 1, [0, 0, 10, 10]]]);
    const dts = [det(1, 1, [200, 200, 100, 100], 0.9), det(1, 1, [0, 0, 10, 10], 0.5)];
    // all: [FP, TP] -> 0.5; small: the large false positive (area 10000) is ignored -> P1.
    expectStats(cocoEvaluate(gt, dts), {AP: 0.5, APs: P1, APm: -1, APl: -1, AR100: 1, ARs: 1});
    // area exactly 32² is both small and medium.
    const edge = gtOf([1], [1], [[1, 1, 1, [0, 0, 32, 32]]]);
    expectStats(cocoEvaluate(edge, [det(1, 1, [0, 0, 32, 32], 0.5)]), {APs: P1, APm: P1, APl: -1});
    // the range reads 'area', not the box: a 10x10 box with area 5000 is medium.
    const field = gtOf([1], [1], [[1, 1, 1, [0, 0, 10, 10], 5000]]);
    expectStats(cocoEvaluate(field, [det(1, 1, [0, 0, 10, 10], 0.5)]), {APs: -1, APm: P1, APl: -1});
  });
  it('duplicates: the gt is consumed by the higher-scored detection', () => {
    const gt = gtOf([1], [1], [[1, 1, 1, [0, 0, 10, 10]]]);
    // det1 (IoU 0.72) wins t=.50-.70 and makes det2 a duplicate there; above, det1 is a false positive first.
    const s = cocoEvaluate(gt, [det(1, 1, [0, 0, 7.2, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.8)]);
    expectStats(s, {AP: (5 * P1 + 5 * 0.5) / 10, AP50: P1, AP75: 0.5, AR100: 1});
    // identical duplicates after the true positive do not lower AP (precision is interpolated from the right).
    expectStats(cocoEvaluate(gt, [det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.8)]), {AP: P1});
  });
  it('score ties: image-id order (numeric), then results order', () => {
    const gt = gtOf([10, 2], [1], [[1, 2, 1, [0, 0, 10, 10]], [2, 10, 1, [0, 0, 10, 10]]]);
    const tpIn2 = [det(2, 1, [0, 0, 10, 10], 0.5), det(10, 1, [50, 50, 10, 10], 0.5)];
    const tpIn10 = [det(10, 1, [0, 0, 10, 10], 0.5), det(2, 1, [50, 50, 10, 10], 0.5)];
    // image 2 comes first (2 < 10): [TP, FP] reaches recall .5 at precision 1; [FP, TP] only at .5.
    expectStats(cocoEvaluate(gt, tpIn2), {AP: (51 / 101) * P1, AR100: 0.5});
    expectStats(cocoEvaluate(gt, tpIn10), {AP: (51 / 101) * 0.5, AR100: 0.5});
    const one = gtOf([1], [1], [[1, 1, 1, [0, 0, 10, 10]]]);
    expectStats(cocoEvaluate(one, [det(1, 1, [0, 0, 10, 10], 0.5), det(1, 1, [50, 50, 10, 10], 0.5)]), {AP: P1});
    expectStats(cocoEvaluate(one, [det(1, 1, [50, 50, 10, 10], 0.5), det(1, 1, [0, 0, 10, 10], 0.5)]), {AP: 0.5});
  });
  it('an image without annotations only adds false positives', () => {
    const gt = gtOf([1, 2], [1], [[1, 1, 1, [0, 0, 10, 10]]]);
    expectStats(cocoEvaluate(gt, [det(2, 1, [0, 0, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.5)]), {AP: 0.5, AR100: 1});
  });
  it("an annotation's own 'ignore' field has no effect (pycocotools overwrites it with iscrowd)", () => {
    const gt = gtOf([1], [1], [[1, 1, 1, [0, 0, 10, 10]]]);
    (gt.annotations[0] as Record<string, unknown>).ignore = 1;
    expectStats(cocoEvaluate(gt, []), {AP: 0, AR100: 0});
  });
  it('no detections: 0 where there is ground truth; no ground truth at all: -1', () => {
    expectStats(cocoEvaluate(gtOf([1], [1], [[1, 1, 1, [0, 0, 50, 50]]]), []), {AP: 0, AP50: 0, APs: -1, APm: 0, AR100: 0});
    const s = cocoEvaluate(gtOf([1], [1], []), [det(1, 1, [0, 0, 10, 10], 0.5)]);
    for (const n of NAMES) expect(s[n], n).toBe(-1);
  });
  it('string ids are accepted', () => {
    const gt: CocoGroundTruth = {images: [{id: 'b'}, {id: 'a'}], categories: [{id: 'cat'}],
      annotations: [{id: 1, image_id: 'a', category_id: 'cat', bbox: [0, 0, 10, 10], area: 100, iscrowd: 0}]};
    expectStats(cocoEvaluate(gt, [det('a' as never, 'cat' as never, [0, 0, 10, 10], 0.5)]), {AP: P1});
  });
});

/** The repository's seeded PRNG (mulberry32). */
const rng = mulberry32;

describe('random cases vs a brute-force reference', () => {
  it('300 small random cases agree to 1e-12 on all 12 numbers', () => {
    const sizes = [2, 5, 10, 20, 31, 32, 33, 40, 60, 95, 96, 97, 150];
    let defined = 0;
    for (let c = 0; c < 300; c++) {
      const r = rng(1000 + c);
      const pick = <V>(a: V[]) => a[Math.floor(r() * a.length)];
      const images = [...new Set(Array.from({length: 1 + Math.floor(r() * 4)}, () => 1 + Math.floor(r() * 30)))];
      const cats = [...new Set(Array.from({length: 1 + Math.floor(r() * 3)}, () => 1 + Math.floor(r() * 9)))];
      const gts: RefGt[] = [];
      for (const im of images) {
        for (let n = Math.floor(r() * 6); n > 0; n--) {
          const w = pick(sizes), h = pick(sizes);
          const bbox: [number, number, number, number] = [5 * Math.floor(r() * 40), 5 * Math.floor(r() * 40), w, h];
          gts.push({id: gts.length + 1, image_id: im, category_id: pick(cats), bbox, area: r() < 0.8 ? w * h : pick([100, 1024, 3000, 9216, 20000]), iscrowd: r() < 0.15 ? 1 : 0});
        }
      }
      const dts: RefDt[] = [];
      const scores = [0.1, 0.3, 0.5, 0.5, 0.7, 0.9];
      const many = c % 25 === 0 ? 110 : c % 10 === 0 ? 14 : 0;  // exercise the maxDets 10 / 100 cuts
      for (const im of images) {
        for (let n = Math.floor(r() * 8) + (im === images[0] ? many : 0); n > 0; n--) {
          const own = gts.filter((g) => g.image_id === im);
          let bbox: [number, number, number, number];
          let cat = pick(cats);
          if (own.length && r() < 0.7) {
            const g = pick(own);
            cat = r() < 0.85 ? g.category_id : cat;
            const j = () => Math.floor(r() * 7) - 3;
            bbox = [g.bbox[0] + j(), g.bbox[1] + j(), Math.max(0, g.bbox[2] + j()), Math.max(0, g.bbox[3] + j())];
          } else {
            bbox = [5 * Math.floor(r() * 40), 5 * Math.floor(r() * 40), pick(sizes), pick(sizes)];
          }
          dts.push({image_id: im, category_id: cat, bbox, score: r() < 0.5 ? pick(scores) : Math.round(r() * 1000) / 1000});
        }
      }
      const gt: CocoGroundTruth = {images: images.map((id) => ({id})), categories: cats.map((id) => ({id})), annotations: gts};
      const got = cocoEvaluate(gt, dts);
      const want = referenceStats(images, cats, gts, dts);
      NAMES.forEach((n, i) => {
        if (want[i] === -1) expect(got[n], `case ${c} ${n}`).toBe(-1);
        else expect(Math.abs(got[n] - want[i]), `case ${c} ${n}: ${got[n]} vs ${want[i]}`).toBeLessThan(1e-12);
      });
      if (want[0] > 0 && want[0] < 1) defined++;
    }
    expect(defined).toBeGreaterThan(150);  // most cases are non-trivial
  });
});

describe('bad input', () => {
  const gt = () => gtOf([1, 2], [1, 3], [[1, 1, 1, [0, 0, 10, 10]], [2, 2, 3, [5, 5, 20, 20]]]);
  const ok = det(1, 1, [0, 0, 10, 10], 0.5);
  it('detections for unknown images or categories throw naming the ids', () => {
    expect(() => cocoEvaluate(gt(), [ok, det(7, 1, [0, 0, 1, 1], 0.5), det(8, 1, [0, 0, 1, 1], 0.5)])).toThrow(/image_id\(s\) 7, 8 not in groundTruth.images/);
    expect(() => cocoEvaluate(gt(), [ok, det(1, 2, [0, 0, 1, 1], 0.5)])).toThrow(/category_id\(s\) 2 not in groundTruth.categories/);
  });
  it('negative width/height, bad boxes and scores throw naming the entry', () => {
    expect(() => cocoEvaluate(gt(), [det(1, 1, [10, 10, -5, 4], 0.5)])).toThrow(/detections\[0\]\.bbox \[10, 10, -5, 4\] has a negative width or height/);
    expect(() => cocoEvaluate(gt(), [ok, det(1, 1, [0, 0, 10], 0.5)])).toThrow(/detections\[1\]\.bbox must be \[x, y, width, height\]/);
    expect(() => cocoEvaluate(gt(), [det(1, 1, [0, NaN, 1, 1], 0.5)])).toThrow(/4 finite numbers/);
    expect(() => cocoEvaluate(gt(), [det(1, 1, [0, 0, 1, 1], NaN)])).toThrow(/detections\[0\]\.score must be a finite number, got NaN/);
    expect(() => cocoEvaluate(gt(), [{image_id: 1, category_id: 1, bbox: [0, 0, 1, 1]} as unknown as CocoDetection])).toThrow(/score must be a finite number, got undefined/);
    const g = gt();
    g.annotations[1].bbox = [0, 0, 5, -1];
    expect(() => cocoEvaluate(g, [])).toThrow(/annotations\[1\]\.bbox \[0, 0, 5, -1\] has a negative width or height/);
  });
  it('malformed ground truth throws naming the field', () => {
    expect(() => cocoEvaluate(null as never, [])).toThrow(/groundTruth must be a COCO instances object/);
    expect(() => cocoEvaluate({images: [], annotations: []} as never, [])).toThrow(/groundTruth.categories must be an array/);
    expect(() => cocoEvaluate(gt(), {} as never)).toThrow(/detections must be an array/);
    const zero = gt(); zero.annotations[0].id = 0;
    expect(() => cocoEvaluate(zero, [])).toThrow(/annotations\[0\]\.id is 0/);
    const dup = gt(); dup.annotations[1].id = 1;
    expect(() => cocoEvaluate(dup, [])).toThrow(/annotations\[1\]\.id 1 is not unique/);
    const noArea = gt(); delete (noArea.annotations[0] as Partial<CocoGroundTruth['annotations'][0]>).area;
    expect(() => cocoEvaluate(noArea, [])).toThrow(/annotations\[0\] \(id 1\)\.area must be a finite number/);
    const badImg = gt(); badImg.annotations[0].image_id = 99;
    expect(() => cocoEvaluate(badImg, [])).toThrow(/image_id 99, which is not in groundTruth.images/);
    const badCat = gt(); badCat.annotations[0].category_id = 2;
    expect(() => cocoEvaluate(badCat, [])).toThrow(/category_id 2, which is not in groundTruth.categories/);
    const crowd = gt(); crowd.annotations[0].iscrowd = 2;
    expect(() => cocoEvaluate(crowd, [])).toThrow(/iscrowd must be 0, 1 or a boolean/);
    const mixed = gt(); mixed.images.push({id: 'x'});
    expect(() => cocoEvaluate(mixed, [])).toThrow(/image ids mix numbers and strings/);
  });
});

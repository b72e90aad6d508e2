// Brute-force COCO box AP/AR written independently of src/metrics/coco_eval.ts, for random-case comparison.
//
// It follows the COCO definition directly rather than pycocotools' data flow: per (category, area range,
// threshold, maxDets) it re-matches only the first maxDets detections of each image (greedy matching in score
// order makes that the same as cutting after matching all 100), skips ignored detections instead of carrying
// them, and computes interpolated precision as "max precision at recall >= r" instead of an envelope plus
// searchsorted. Sorting uses explicit tie keys (score, image id, position in the results) instead of a stable
// sort. Means are plain sums. Only the constants and the IoU formula are shared with pycocotools by necessity.

type Box = [number, number, number, number];
export type RefGt = { id: number; image_id: number; category_id: number; bbox: Box; area: number; iscrowd?: number };
export type RefDt = { image_id: number; category_id: number; bbox: Box; score: number };

const THRS = Array.from({length: 10}, (_, k) => (k === 9 ? 0.95 : k * ((0.95 - 0.5) / 9) + 0.5));
const REC = Array.from({length: 101}, (_, k) => (k === 100 ? 1 : k * 0.01));
const RANGES: [number, number][] = [[0, 1e10], [0, 1024], [1024, 9216], [9216, 1e10]];

function iou(d: Box, g: Box, crowd: boolean): number {
  const w = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
  const h = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - inter);
}

/** Returns [AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl]. */
export function referenceStats(imageIds: number[], categoryIds: number[], gts: RefGt[], dts: RefDt[]): number[] {
  const images = [...new Set(imageIds)].sort((a, b) => a - b);
  const cats = [...new Set(categoryIds)].sort((a, b) => a - b);
  const indexed = dts.map((d, pos) => ({...d, pos}));
  // value(k, a, m, t) -> {ap, recall} or null when the category has no non-ignored gt there.
  const cell = (cat: number, a: number, maxDet: number, t: number) => {
    const [lo, hi] = RANGES[a];
    const thr = Math.min(THRS[t], 1 - 1e-10);
    let npig = 0;
    const scored: {score: number; img: number; pos: number; tp: boolean}[] = [];
    for (const img of images) {
      const g = gts.filter((x) => x.image_id === img && x.category_id === cat);
      const ignored = g.map((x) => !!x.iscrowd || x.area < lo || x.area > hi);
      npig += ignored.filter((v) => !v).length;
      const d = indexed.filter((x) => x.image_id === img && x.category_id === cat)
          .sort((p, q) => (q.score !== p.score ? q.score - p.score : p.pos - q.pos)).slice(0, maxDet);
      const taken = g.map(() => false);
      for (const det of d) {
        // Best non-ignored gt first (ties: the later one), otherwise the best ignored one.
        let pick = -1;
        for (const wantIgnored of [false, true]) {
          let best = thr;
          for (let j = 0; j < g.length; j++) {
            if (ignored[j] !== wantIgnored || (taken[j] && !g[j].iscrowd)) continue;
            const v = iou(det.bbox, g[j].bbox, !!g[j].iscrowd);
            if (v >= best) { best = v; pick = j; }
          }
          if (pick >= 0) break;
        }
        if (pick >= 0) {
          taken[pick] = true;
          if (!ignored[pick]) scored.push({score: det.score, img, pos: det.pos, tp: true});
        } else {
          const area = det.bbox[2] * det.bbox[3];
          if (!(area < lo || area > hi)) scored.push({score: det.score, img, pos: det.pos, tp: false});
        }
      }
    }
    if (npig === 0) return null;
    scored.sort((p, q) => (q.score !== p.score ? q.score - p.score : p.img !== q.img ? p.img - q.img : p.pos - q.pos));
    const points: {rc: number; pr: number}[] = [];
    let tp = 0, fp = 0;
    for (const s of scored) {
      if (s.tp) tp++; else fp++;
      points.push({rc: tp / npig, pr: tp / (tp + fp)});
    }
    let ap = 0;
    for (const r of REC) {
      let best = 0;
      for (const p of points) if (p.rc >= r && p.pr > best) best = p.pr;
      ap += best;
    }
    return {ap: ap / REC.length, recall: tp / npig};
  };
  const hasData = (cat: number) => gts.some((g) => g.category_id === cat) || dts.some((d) => d.category_id === cat);
  const summary = (kind: 'ap' | 'recall', a: number, maxDet: number, ts: number[]) => {
    let sum = 0, n = 0;
    for (const cat of cats) {
      if (!hasData(cat)) continue;
      for (const t of ts) {
        const v = cell(cat, a, maxDet, t);
        if (v) { sum += v[kind]; n++; }
      }
    }
    return n ? sum / n : -1;
  };
  const all = [...THRS.keys()];
  return [
    summary('ap', 0, 100, all), summary('ap', 0, 100, [0]), summary('ap', 0, 100, [5]),
    summary('ap', 1, 100, all), summary('ap', 2, 100, all), summary('ap', 3, 100, all),
    summary('recall', 0, 1, all), summary('recall', 0, 10, all), summary('recall', 0, 100, all),
    summary('recall', 1, 100, all), summary('recall', 2, 100, all), summary('recall', 3, 100, all),
  ];
}

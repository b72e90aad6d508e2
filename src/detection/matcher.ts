// SSD prior matcher (official SSDMatcher / assign_priors) producing per-prior targets; see docs/detection.md.
import {encodeBoxes} from './box_coder';

const f = Math.fround;

/**
 * Match corner-form gt boxes [G*4] (labels [G]) to center-form priors [P*4]. Computed in float32 order
 * like the official code so that near-ties resolve the same way. No gt: every prior is background.
 */
export function matchPriors(gtCorner: ArrayLike<number>, gtLabels: ArrayLike<number>, priors: ArrayLike<number>,
    iouThreshold = 0.5): {labels: Int32Array, locations: Float32Array} {
  if (gtCorner.length !== gtLabels.length * 4) throw new Error(`matchPriors: gtCorner length ${gtCorner.length} != 4 * gtLabels length ${gtLabels.length}`);
  if (priors.length % 4 !== 0) throw new Error(`matchPriors: priors length ${priors.length} is not a multiple of 4`);
  let g = gtLabels.length;
  let boxes: ArrayLike<number> = gtCorner, labs: ArrayLike<number> = gtLabels;
  if (g === 0) { boxes = [0, 0, 0, 0]; labs = [0]; g = 1; }
  for (let j = 0; j < g; j++) {
    if (boxes[4 * j + 2] < boxes[4 * j] || boxes[4 * j + 3] < boxes[4 * j + 1]) throw new Error(`matchPriors: gt box ${j} has x2<x1 or y2<y1`);
  }
  const p = priors.length / 4;
  const bestGt = new Int32Array(p), bestIou = new Float32Array(p).fill(-1);
  const bestPrior = new Int32Array(g), bestPriorIou = new Float32Array(g).fill(-1);
  for (let i = 0; i < p; i++) {
    const cx = priors[4 * i], cy = priors[4 * i + 1], w = priors[4 * i + 2], h = priors[4 * i + 3];
    const px1 = f(cx - f(w / 2)), py1 = f(cy - f(h / 2)), px2 = f(cx + f(w / 2)), py2 = f(cy + f(h / 2));
    const ap = f(f(px2 - px1) * f(py2 - py1));
    for (let j = 0; j < g; j++) {
      const gx1 = boxes[4 * j], gy1 = boxes[4 * j + 1], gx2 = boxes[4 * j + 2], gy2 = boxes[4 * j + 3];
      const iw = Math.max(0, f(Math.min(px2, gx2) - Math.max(px1, gx1)));
      const ih = Math.max(0, f(Math.min(py2, gy2) - Math.max(py1, gy1)));
      const inter = f(iw * ih);
      const ag = f(f(gx2 - gx1) * f(gy2 - gy1));
      const iou = f(inter / f(f(f(ap + ag) - inter) + f(1e-5)));
      if (iou > bestIou[i]) { bestIou[i] = iou; bestGt[i] = j; }
      if (iou > bestPriorIou[j]) { bestPriorIou[j] = iou; bestPrior[j] = i; }
    }
  }
  for (let j = 0; j < g; j++) { bestGt[bestPrior[j]] = j; bestIou[bestPrior[j]] = 2; }
  const labels = new Int32Array(p), center = new Float32Array(4 * p);
  for (let i = 0; i < p; i++) {
    const j = bestGt[i];
    labels[i] = bestIou[i] < iouThreshold ? 0 : labs[j];
    const x1 = boxes[4 * j], y1 = boxes[4 * j + 1], x2 = boxes[4 * j + 2], y2 = boxes[4 * j + 3];
    center[4 * i] = (x1 + x2) / 2; center[4 * i + 1] = (y1 + y2) / 2;
    center[4 * i + 2] = x2 - x1; center[4 * i + 3] = y2 - y1;
  }
  return {labels, locations: encodeBoxes(center, priors)};
}

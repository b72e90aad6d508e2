// Greedy non-maximum suppression with torchvision.ops.nms semantics, in float32 arithmetic, on plain arrays.
const f = Math.fround;

/**
 * torchvision `nms(boxes, scores, iouThreshold)`: boxes [K*4] corner form (x1, y1, x2, y2).
 * Candidates are visited by descending score (ties: lower index first); a box is dropped when its
 * IoU with an already kept box is strictly greater than `iouThreshold`. IoU = inter / (areaA +
 * areaB − inter) in float32, without epsilon (as torchvision's CPU kernel). Returns the kept
 * indices in visiting order (descending score). `maxOutput` stops after that many kept boxes: the
 * greedy order makes them the same as the first `maxOutput` of the full result (official top_k).
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number, maxOutput = Infinity): Int32Array {
  const n = scores.length;
  if (boxes.length !== 4 * n) throw new Error(`nms: boxes length ${boxes.length} != 4 * scores length ${n}`);
  if (!Number.isFinite(iouThreshold)) throw new Error(`nms: iouThreshold must be a finite number, got ${iouThreshold}`);
  if (!(maxOutput >= 0)) throw new Error(`nms: maxOutput must be >= 0, got ${maxOutput}`);
  const order = Array.from({length: n}, (_, i) => i).sort((a, b) => (scores[b] - scores[a]) || (a - b));
  // Boxes in visiting order, as float32 like the official tensors.
  const x1 = new Float32Array(n), y1 = new Float32Array(n), x2 = new Float32Array(n), y2 = new Float32Array(n), area = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const i = order[r];
    x1[r] = boxes[4 * i]; y1[r] = boxes[4 * i + 1]; x2[r] = boxes[4 * i + 2]; y2[r] = boxes[4 * i + 3];
    area[r] = f(f(x2[r] - x1[r]) * f(y2[r] - y1[r]));
  }
  const removed = new Uint8Array(n);
  const keep: number[] = [];
  for (let a = 0; a < n && keep.length < maxOutput; a++) {
    if (removed[a]) continue;
    keep.push(order[a]);
    const ax1 = x1[a], ay1 = y1[a], ax2 = x2[a], ay2 = y2[a], aa = area[a];
    for (let b = a + 1; b < n; b++) {
      if (removed[b]) continue;
      const w = Math.max(0, f(Math.min(ax2, x2[b]) - Math.max(ax1, x1[b])));
      const h = Math.max(0, f(Math.min(ay2, y2[b]) - Math.max(ay1, y1[b])));
      const inter = f(w * h);
      if (f(inter / f(f(aa + area[b]) - inter)) > iouThreshold) removed[b] = 1;
    }
  }
  return Int32Array.from(keep);
}

// Greedy non-maximum suppression with torchvision.ops.nms semantics, in float32 arithmetic, on plain arrays.
const f = Math.fround;

/**
 * torchvision `nms(boxes, scores, iouThreshold)`: boxes [K*4] corner form (x1, y1, x2, y2).
 * Candidates are visited by descending score (ties: lower index first); a box is dropped when its
 * IoU with an already kept box is strictly greater than `iouThreshold`. IoU = inter / (areaA +
 * areaB − inter) in float32, without epsilon (as torchvision's CPU kernel). Returns the kept
 * indices in visiting order (descending score).
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number): Int32Array {
  const n = scores.length;
  if (boxes.length !== 4 * n) throw new Error(`nms: boxes length ${boxes.length} != 4 * scores length ${n}`);
  if (!Number.isFinite(iouThreshold)) throw new Error(`nms: iouThreshold must be a finite number, got ${iouThreshold}`);
  const order = Array.from({length: n}, (_, i) => i).sort((a, b) => (scores[b] - scores[a]) || (a - b));
  const area = new Float32Array(n);
  for (let i = 0; i < n; i++) area[i] = f(f(boxes[4 * i + 2] - boxes[4 * i]) * f(boxes[4 * i + 3] - boxes[4 * i + 1]));
  const removed = new Uint8Array(n);
  const keep: number[] = [];
  for (let a = 0; a < n; a++) {
    const i = order[a];
    if (removed[i]) continue;
    keep.push(i);
    const x1 = boxes[4 * i], y1 = boxes[4 * i + 1], x2 = boxes[4 * i + 2], y2 = boxes[4 * i + 3];
    for (let b = a + 1; b < n; b++) {
      const j = order[b];
      if (removed[j]) continue;
      const w = Math.max(0, f(Math.min(x2, boxes[4 * j + 2]) - Math.max(x1, boxes[4 * j])));
      const h = Math.max(0, f(Math.min(y2, boxes[4 * j + 3]) - Math.max(y1, boxes[4 * j + 1])));
      const inter = f(w * h);
      const iou = f(inter / f(f(area[i] + area[j]) - inter));
      if (iou > iouThreshold) removed[j] = 1;
    }
  }
  return Int32Array.from(keep);
}

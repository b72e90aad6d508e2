// Detection / segmentation samples and their conversion to model input as the official code does (BGR, /255, resized); browser-safe.

/** One detection image: RGB bytes at its own size, boxes in pixels (COCO [x, y, w, h]) and contiguous labels 1..K. */
export interface DetectionSample {
  imageId: number | string;
  width: number;
  height: number;
  rgb: Uint8Array;
  /** [n*4] COCO boxes [x, y, w, h] in pixels of this image. */
  boxes: Float32Array;
  /** [n] contiguous class labels 1..K (0 is the background). */
  labels: Int32Array;
}

/** One segmentation image: RGB bytes and a class-index mask of the same size (255 = void). */
export interface SegmentationSample {
  name: string;
  width: number;
  height: number;
  rgb: Uint8Array;
  mask: Uint8Array;
}

/**
 * Bilinear resize of interleaved bytes (`c` channels) to ow×oh, half-pixel centres and clamped edges
 * (OpenCV INTER_LINEAR when upscaling; for downscaling OpenCV also samples 2×2, so it matches there
 * too), rounded back to bytes as cv2.resize on a uint8 image does.
 */
export function resizeBytes(src: Uint8Array, w: number, h: number, c: number, ow: number, oh: number): Uint8Array {
  if (src.length !== w * h * c) throw new Error(`resizeBytes: ${src.length} bytes is not ${w}×${h}×${c}`);
  if (w === ow && h === oh) return src.slice();
  const out = new Uint8Array(ow * oh * c);
  for (let i = 0; i < oh; i++) {
    const sy = Math.min(h - 1, Math.max(0, (i + 0.5) * h / oh - 0.5));
    const y0 = Math.floor(sy), y1 = Math.min(h - 1, y0 + 1), fy = sy - y0;
    for (let j = 0; j < ow; j++) {
      const sx = Math.min(w - 1, Math.max(0, (j + 0.5) * w / ow - 0.5));
      const x0 = Math.floor(sx), x1 = Math.min(w - 1, x0 + 1), fx = sx - x0;
      for (let k = 0; k < c; k++) {
        const v = (1 - fy) * ((1 - fx) * src[(y0 * w + x0) * c + k] + fx * src[(y0 * w + x1) * c + k]) +
          fy * ((1 - fx) * src[(y1 * w + x0) * c + k] + fx * src[(y1 * w + x1) * c + k]);
        out[(i * ow + j) * c + k] = Math.round(v);
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize of a label map (source index floor(dst · in / out), OpenCV INTER_NEAREST): labels are never blended. */
export function resizeLabels(src: Uint8Array, w: number, h: number, ow: number, oh: number): Uint8Array {
  if (src.length !== w * h) throw new Error(`resizeLabels: ${src.length} values is not ${w}×${h}`);
  if (w === ow && h === oh) return src.slice();
  const out = new Uint8Array(ow * oh);
  for (let i = 0; i < oh; i++) {
    const y = Math.min(h - 1, Math.floor(i * h / oh));
    for (let j = 0; j < ow; j++) out[i * ow + j] = src[y * w + Math.min(w - 1, Math.floor(j * w / ow))];
  }
  return out;
}

/**
 * Writes one image as the official model input into `out` at `offset`: resized to size×size
 * (bilinear, rounded to bytes), channels in BGR order (OpenCV reads BGR), scaled by 1/255, no mean/std.
 * `flip` mirrors it left-right (the training augmentation).
 */
export function toModelInput(rgb: Uint8Array, width: number, height: number, size: number, out: Float32Array, offset = 0, flip = false): void {
  const r = resizeBytes(rgb, width, height, 3, size, size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const s = (i * size + (flip ? size - 1 - j : j)) * 3, d = offset + (i * size + j) * 3;
      out[d] = r[s + 2] / 255; out[d + 1] = r[s + 1] / 255; out[d + 2] = r[s] / 255;
    }
  }
}

/** Normalised corner boxes (x1, y1, x2, y2) in [0, 1] of a sample's COCO pixel boxes, optionally mirrored left-right. */
export function normalisedCorners(s: DetectionSample, flip = false): Float32Array {
  const n = s.labels.length, out = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [x, y, w, h] = s.boxes.subarray(4 * i, 4 * i + 4);
    let x1 = x / s.width, x2 = (x + w) / s.width;
    if (flip) [x1, x2] = [1 - x2, 1 - x1];
    out[4 * i] = Math.max(0, Math.min(1, x1)); out[4 * i + 1] = Math.max(0, Math.min(1, y / s.height));
    out[4 * i + 2] = Math.max(0, Math.min(1, x2)); out[4 * i + 3] = Math.max(0, Math.min(1, (y + h) / s.height));
  }
  return out;
}

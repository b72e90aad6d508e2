// SSD prior (anchor) generator matching the official SSDAnchorGenerator; see docs/detection.md.
export const SSD_OUTPUT_STRIDES = [16, 32, 64, 128, 256, -1];
export const SSD_ASPECT_RATIOS = [[2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2]];

/** Feature-map sizes: stride-2 k3 p1 layers give ceil(n/s); stride -1 is the 1x1 global pool. */
export function ssdFeatureMapSizes(height: number, width: number, strides = SSD_OUTPUT_STRIDES): Array<[number, number]> {
  if (!(height > 0 && width > 0)) throw new Error(`ssdFeatureMapSizes: height/width must be > 0, got ${height}×${width}`);
  return strides.map((s) => (s === -1 ? [1, 1] : [Math.ceil(height / s), Math.ceil(width / s)]) as [number, number]);
}

/** Priors [P,4] center form (cx, cy, w, h), normalised and clamped to [0,1], official order. */
export function ssdAnchors(height: number, width: number, opts: {minBoxSize?: number, maxBoxSize?: number,
    aspectRatios?: number[][]} = {}): Float32Array {
  const ratios = opts.aspectRatios ?? SSD_ASPECT_RATIOS;
  const sizes = ssdFeatureMapSizes(height, width).slice(0, ratios.length);
  const lo = opts.minBoxSize ?? 0.1, hi = opts.maxBoxSize ?? 1.05, n = sizes.length;
  const scales = Array.from({length: n + 1}, (_, i) => lo + (hi - lo) * i / n);
  const out: number[] = [];
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  sizes.forEach(([h, w], i) => {
    const mn = scales[i], mx = Math.sqrt(scales[i] * scales[i + 1]);
    // Python set de-duplication; ascending for small ints.
    const rs = [...new Set(ratios[i])].sort((a, b) => a - b);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const cx = (x + 0.5) / w, cy = (y + 0.5) / h;
      const wh: Array<[number, number]> = [[mn, mn], [mx, mx]];
      for (const r of rs) { const q = Math.sqrt(r); wh.push([mn * q, mn / q], [mn / q, mn * q]); }
      for (const [bw, bh] of wh) out.push(clamp(cx), clamp(cy), clamp(bw), clamp(bh));
    }
  });
  return Float32Array.from(out);
}

// Readable ground truth of resizeMetaKernel (docs/op.md §3): plain loops, float64.

/** Meta kernel [M,C] to instance kernel [S,C] by 'bilinear' (align_corners) or 'crop'. */
export function resizeMetaKernelRef(
    meta: ArrayLike<number>, m: number, c: number, s: number, method: 'bilinear' | 'crop'): Float64Array {
  const out = new Float64Array(s * c);
  for (let i = 0; i < s; i++) {
    if (method === 'crop') {
      for (let ch = 0; ch < c; ch++) out[i * c + ch] = meta[i * c + ch];
      continue;
    }
    const src = s > 1 ? i * (m - 1) / (s - 1) : 0;
    const i0 = Math.floor(src);
    const i1 = Math.min(i0 + 1, m - 1);
    const lam = src - i0;
    for (let ch = 0; ch < c; ch++) out[i * c + ch] = (1 - lam) * meta[i0 * c + ch] + lam * meta[i1 * c + ch];
  }
  return out;
}

// Readable ground truth of the FusedBatchNorm gradient with per-channel statistics: plain loops, float64.

/**
 * Gradients of y = (x − mean)·scale/√(variance + ε) + offset w.r.t. each input, for x, dy
 * [rows, C] (row-major, channels last) and mean, variance, scale [C]. mean and variance are
 * treated as independent inputs (as tfjs's FusedBatchNorm op sees them).
 */
export function batchNormGradRef(
    x: ArrayLike<number>, dy: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>,
    scale: ArrayLike<number> | null, eps: number, C: number) {
  const rows = x.length / C;
  const dx = new Float64Array(x.length);
  const dmean = new Float64Array(C), dvar = new Float64Array(C), dscale = new Float64Array(C), doffset = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const s = scale ? scale[c] : 1;
    const r = 1 / Math.sqrt(variance[c] + eps);
    let s1 = 0, s2 = 0;
    for (let i = 0; i < rows; i++) {
      const d = dy[i * C + c];
      dx[i * C + c] = d * s * r;
      s1 += d;
      s2 += d * (x[i * C + c] - mean[c]);
    }
    doffset[c] = s1;
    dscale[c] = s2 * r;
    dmean[c] = -r * s * s1;
    dvar[c] = -0.5 * r * r * r * s * s2;
  }
  return {dx, dmean, dvar, dscale, doffset};
}

/** out[c] = Σ_r x[r, c] (scaled by 1/rows for a mean): a reduction over every leading axis. */
export function sumRowsRef(x: ArrayLike<number>, cols: number, mean: boolean): Float64Array {
  const rows = x.length / cols;
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) out[c] += x[i * cols + c];
  if (mean) for (let c = 0; c < cols; c++) out[c] /= rows;
  return out;
}

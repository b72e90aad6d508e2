// SIMD training kernels for batch norm and reductions: column sums (Sum/Mean over leading axes), their broadcast gradient and the fused FusedBatchNorm gradient.
//
// Every function works on raw pointers (byte offsets of float32 tensors in the imported
// memory) and never allocates. A tensor of shape [..., C] is seen as `rows` × `cols`
// rows of contiguous channels, which is how NHWC batch norm statistics are laid out.

@inline function bo(i: i32): usize {
  return (<usize>i) << 2;
}

/** Rows summed per block: 16 accumulators of a 64-column strip stay in registers over this many rows. */
const ROW_BLOCK: i32 = 512;

/**
 * out[c] = scale · Σ_r x[r, c] for a [rows, cols] matrix: Sum (scale 1) or Mean (scale 1/rows)
 * over every leading axis. Column strips of 64/16/4/1 keep the partial sums in registers;
 * rows are walked in blocks so partial sums are added to `out` in float32 blocks of 512
 * (closer to a pairwise sum than one long running total).
 */
export function sumRows(x: usize, out: usize, rows: i32, cols: i32, scale: f32): void {
  memory.fill(out, 0, bo(cols));
  const rowStep = bo(cols);
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = r0 + ROW_BLOCK < rows ? r0 + ROW_BLOCK : rows;
    let c = 0;
    for (; c + 16 <= cols; c += 16) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let p = x + bo(r0 * cols + c);
      for (let r = r0; r < r1; r++) {
        a0 = f32x4.add(a0, v128.load(p)); a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32)); a3 = f32x4.add(a3, v128.load(p, 48));
        p += rowStep;
      }
      const o = out + bo(c);
      v128.store(o, f32x4.add(v128.load(o), a0)); v128.store(o, f32x4.add(v128.load(o, 16), a1), 16);
      v128.store(o, f32x4.add(v128.load(o, 32), a2), 32); v128.store(o, f32x4.add(v128.load(o, 48), a3), 48);
    }
    for (; c + 4 <= cols; c += 4) {
      let a0 = f32x4.splat(0);
      let p = x + bo(r0 * cols + c);
      for (let r = r0; r < r1; r++) { a0 = f32x4.add(a0, v128.load(p)); p += rowStep; }
      const o = out + bo(c);
      v128.store(o, f32x4.add(v128.load(o), a0));
    }
    for (; c < cols; c++) {
      let s: f32 = 0;
      let p = x + bo(r0 * cols + c);
      for (let r = r0; r < r1; r++) { s += load<f32>(p); p += rowStep; }
      store<f32>(out + bo(c), load<f32>(out + bo(c)) + s);
    }
  }
  if (scale != 1) {
    let c = 0;
    const sv = f32x4.splat(scale);
    for (; c + 4 <= cols; c += 4) v128.store(out + bo(c), f32x4.mul(v128.load(out + bo(c)), sv));
    for (; c < cols; c++) store<f32>(out + bo(c), load<f32>(out + bo(c)) * scale);
  }
}

/**
 * The two per-channel sums every FusedBatchNorm gradient needs, for x, dy [rows, C] and
 * mean [C]: out[c] = Σ_r dy[r,c], o2[c] = Σ_r dy[r,c]·(x[r,c] − mean[c]).
 */
export function batchNormGradSums(x: usize, dy: usize, mean: usize, out: usize, o2: usize, rows: i32, C: i32): void {
  memory.fill(out, 0, bo(C));
  memory.fill(o2, 0, bo(C));
  const rowStep = bo(C);
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = r0 + ROW_BLOCK < rows ? r0 + ROW_BLOCK : rows;
    let c = 0;
    for (; c + 8 <= C; c += 8) {
      const m0 = v128.load(mean + bo(c)), m1 = v128.load(mean + bo(c), 16);
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), t0 = f32x4.splat(0), t1 = f32x4.splat(0);
      let xp = x + bo(r0 * C + c), dp = dy + bo(r0 * C + c);
      for (let r = r0; r < r1; r++) {
        const d0 = v128.load(dp), d1 = v128.load(dp, 16);
        s0 = f32x4.add(s0, d0); s1 = f32x4.add(s1, d1);
        t0 = f32x4.add(t0, f32x4.mul(d0, f32x4.sub(v128.load(xp), m0)));
        t1 = f32x4.add(t1, f32x4.mul(d1, f32x4.sub(v128.load(xp, 16), m1)));
        xp += rowStep; dp += rowStep;
      }
      const a = out + bo(c), b = o2 + bo(c);
      v128.store(a, f32x4.add(v128.load(a), s0)); v128.store(a, f32x4.add(v128.load(a, 16), s1), 16);
      v128.store(b, f32x4.add(v128.load(b), t0)); v128.store(b, f32x4.add(v128.load(b, 16), t1), 16);
    }
    for (; c + 4 <= C; c += 4) {
      const m0 = v128.load(mean + bo(c));
      let s0 = f32x4.splat(0), t0 = f32x4.splat(0);
      let xp = x + bo(r0 * C + c), dp = dy + bo(r0 * C + c);
      for (let r = r0; r < r1; r++) {
        const d0 = v128.load(dp);
        s0 = f32x4.add(s0, d0);
        t0 = f32x4.add(t0, f32x4.mul(d0, f32x4.sub(v128.load(xp), m0)));
        xp += rowStep; dp += rowStep;
      }
      const a = out + bo(c), b = o2 + bo(c);
      v128.store(a, f32x4.add(v128.load(a), s0));
      v128.store(b, f32x4.add(v128.load(b), t0));
    }
    for (; c < C; c++) {
      const m = load<f32>(mean + bo(c));
      let s: f32 = 0, t: f32 = 0;
      let xp = x + bo(r0 * C + c), dp = dy + bo(r0 * C + c);
      for (let r = r0; r < r1; r++) {
        const d = load<f32>(dp);
        s += d; t += d * (load<f32>(xp) - m);
        xp += rowStep; dp += rowStep;
      }
      store<f32>(out + bo(c), load<f32>(out + bo(c)) + s);
      store<f32>(o2 + bo(c), load<f32>(o2 + bo(c)) + t);
    }
  }
}

/** out[r,c] = x[r,c] · k[c] for x [rows, C], k [C]: the direct x-gradient dy·scale/√(var+ε) once k is formed. */
export function mulRowsByChannel(x: usize, k: usize, out: usize, rows: i32, C: i32): void {
  const C4 = C & ~3;
  for (let r = 0; r < rows; r++) {
    const xp = x + bo(r * C), op = out + bo(r * C);
    let c = 0;
    for (; c + 16 <= C4; c += 16) {
      const cb = bo(c);
      v128.store(op + cb, f32x4.mul(v128.load(xp + cb), v128.load(k + cb)));
      v128.store(op + cb, f32x4.mul(v128.load(xp + cb, 16), v128.load(k + cb, 16)), 16);
      v128.store(op + cb, f32x4.mul(v128.load(xp + cb, 32), v128.load(k + cb, 32)), 32);
      v128.store(op + cb, f32x4.mul(v128.load(xp + cb, 48), v128.load(k + cb, 48)), 48);
    }
    for (; c < C4; c += 4) v128.store(op + bo(c), f32x4.mul(v128.load(xp + bo(c)), v128.load(k + bo(c))));
    for (; c < C; c++) store<f32>(op + bo(c), load<f32>(xp + bo(c)) * load<f32>(k + bo(c)));
  }
}

/** out[r,c] = v[c] · scale for r < rows: the gradient of Sum (scale 1) or Mean (1/rows) over leading axes. */
export function broadcastRows(v: usize, out: usize, rows: i32, cols: i32, scale: f32): void {
  const sv = f32x4.splat(scale), cols4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const op = out + bo(r * cols);
    let c = 0;
    for (; c < cols4; c += 4) v128.store(op + bo(c), f32x4.mul(v128.load(v + bo(c)), sv));
    for (; c < cols; c++) store<f32>(op + bo(c), load<f32>(v + bo(c)) * scale);
  }
}

/**
 * One Adam step of n float32 values, the operations and rounding of tfjs-core's AdamOptimizer in
 * its order: m' = m·b1 + g·c1, v' = v·b2 + g²·c2, value' = (m'/a1) / (√(v'/a2) + eps) · nlr + value,
 * with c1 = 1 − b1, c2 = 1 − b2, a1 = 1 − b1^t, a2 = 1 − b2^t, nlr = −learning rate (all float32).
 */
export function adamUpdate(
    value: usize, m: usize, v: usize, g: usize, outValue: usize, outM: usize, outV: usize, n: i32,
    b1: f32, c1: f32, b2: f32, c2: f32, a1: f32, a2: f32, eps: f32, nlr: f32): void {
  const B1 = f32x4.splat(b1), C1 = f32x4.splat(c1), B2 = f32x4.splat(b2), C2 = f32x4.splat(c2);
  const A1 = f32x4.splat(a1), A2 = f32x4.splat(a2), E = f32x4.splat(eps), L = f32x4.splat(nlr);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = bo(i);
    const gv = v128.load(g + o);
    const nm = f32x4.add(f32x4.mul(v128.load(m + o), B1), f32x4.mul(gv, C1));
    const nv = f32x4.add(f32x4.mul(v128.load(v + o), B2), f32x4.mul(f32x4.mul(gv, gv), C2));
    const step = f32x4.div(f32x4.div(nm, A1), f32x4.add(f32x4.sqrt(f32x4.div(nv, A2)), E));
    v128.store(outValue + o, f32x4.add(f32x4.mul(step, L), v128.load(value + o)));
    v128.store(outM + o, nm);
    v128.store(outV + o, nv);
  }
  for (; i < n; i++) {
    const o = bo(i);
    const gv = load<f32>(g + o);
    const nm: f32 = load<f32>(m + o) * b1 + gv * c1;
    const nv: f32 = load<f32>(v + o) * b2 + gv * gv * c2;
    const step: f32 = (nm / a1) / (<f32>Mathf.sqrt(nv / a2) + eps);
    store<f32>(outValue + o, step * nlr + load<f32>(value + o));
    store<f32>(outM + o, nm);
    store<f32>(outV + o, nv);
  }
}

/**
 * k[c] = scale[c] / √(variance[c] + eps) for the batch-norm forward (scale 0 means absent: 1).
 * Done once per call so the per-element pass is a subtract, a multiply and an add.
 */
export function batchNormFactors(variance: usize, scale: usize, k: usize, C: i32, eps: f32): void {
  for (let c = 0; c < C; c++) {
    const s: f32 = scale != 0 ? load<f32>(scale + bo(c)) : 1;
    store<f32>(k + bo(c), s / Mathf.sqrt(load<f32>(variance + bo(c)) + eps));
  }
}

/**
 * y[r,c] = (x[r,c] − mean[c]) · k[c] + offset[c] (offset 0 means absent) for x, y [rows, C]: the
 * FusedBatchNorm forward with per-channel statistics. x − mean first, so inputs far from zero with
 * a small spread keep their precision.
 */
export function batchNormForward(x: usize, mean: usize, k: usize, offset: usize, y: usize, rows: i32, C: i32): void {
  const C4 = C & ~3;
  for (let r = 0; r < rows; r++) {
    const xp = x + bo(r * C), yp = y + bo(r * C);
    let c = 0;
    if (offset != 0) {
      for (; c < C4; c += 4) {
        const cb = bo(c);
        v128.store(yp + cb, f32x4.add(f32x4.mul(f32x4.sub(v128.load(xp + cb), v128.load(mean + cb)), v128.load(k + cb)), v128.load(offset + cb)));
      }
      for (; c < C; c++) store<f32>(yp + bo(c), (load<f32>(xp + bo(c)) - load<f32>(mean + bo(c))) * load<f32>(k + bo(c)) + load<f32>(offset + bo(c)));
    } else {
      for (; c < C4; c += 4) {
        const cb = bo(c);
        v128.store(yp + cb, f32x4.mul(f32x4.sub(v128.load(xp + cb), v128.load(mean + cb)), v128.load(k + cb)));
      }
      for (; c < C; c++) store<f32>(yp + bo(c), (load<f32>(xp + bo(c)) - load<f32>(mean + bo(c))) * load<f32>(k + bo(c)));
    }
  }
}

// SIMD conv backprop kernels tfjs-backend-wasm lacks: Conv2DBackpropFilter, DepthwiseConv2dNative{BackpropInput,BackpropFilter}, NHWC.
//
// Every function works on raw pointers (byte offsets of float32 tensors in the
// imported memory) and never allocates. Geometry follows tfjs's computeConv2DInfo:
// the input pixel of output o at tap k is o*stride + k - padBefore (dilation 1);
// out-of-range pixels are the zero padding and are skipped, not read.

// ---- helpers ----------------------------------------------------------------

/** First output index o >= 0 whose input o*s + k - pad is >= 0. */
@inline function lowOut(pad: i32, k: i32, s: i32): i32 {
  const d = pad - k;
  return d <= 0 ? 0 : (d + s - 1) / s;
}

/** One past the last output index o < outLen whose input o*s + k - pad is < inLen. */
@inline function highOut(inLen: i32, pad: i32, k: i32, s: i32, outLen: i32): i32 {
  const d = inLen + pad - k;
  if (d <= 0) return 0;
  const hi = (d + s - 1) / s;
  return hi < outLen ? hi : outLen;
}

@inline function fma(acc: v128, a: v128, b: v128): v128 {
  // mul + add rather than relaxed_madd: no relaxed-simd feature needed, same rounding as the cpu kernels.
  return f32x4.add(acc, f32x4.mul(a, b));
}

@inline function byteOff(i: i32): usize {
  return (<usize>i) << 2;
}

// Geometry of the current Conv2DBackpropFilter call, in wasm globals (not linear
// memory, which this module must not own) so the block helpers need few arguments.
let gH: i32 = 0, gW: i32 = 0, gCi: i32 = 0, gOh: i32 = 0, gOw: i32 = 0, gCo: i32 = 0;
let gKw: i32 = 0, gSh: i32 = 1, gSw: i32 = 1, gPt: i32 = 0, gPl: i32 = 0;

/** Output pixels per tile: a tile's x and dy rows stay in cache across all channel blocks and taps. */
const TILE_PIXELS: i32 = 256;

// ---- Conv2DBackpropFilter ---------------------------------------------------
// dW[a,b,i,o] = Σ_{n,y,j} x[n, y*sh+a-pt, j*sw+b-pl, i] · dy[n,y,j,o]: per tap a GEMM
// X_tap^T · DY over the output pixels, in register blocks of 4 in- × 8 out-channels
// (8 accumulators + 2 dy vectors + 1 splat fit the 16 SIMD registers of x86-64).

/** Accumulates the 4 (in-channels c..c+3) × 8 (out-channels d..d+7) block of tap (a,b) over output rows [r0,r1). */
function bpf4x8(x: usize, dy: usize, out: usize, r0: i32, r1: i32, a: i32, b: i32, jLo: i32, jHi: i32, c: i32, d: i32): void {
  const H = gH, W = gW, CI = gCi, OH = gOh, OW = gOw, CO = gCo, SH = gSh, SW = gSw, PT = gPt, PL = gPl;
  const xStep = byteOff(SW * CI), dyStep = byteOff(CO), oRow = byteOff(CO);
  const o0 = out + byteOff(((a * gKw + b) * CI + c) * CO + d);
  const o1 = o0 + oRow, o2 = o1 + oRow, o3 = o2 + oRow;
  let a00 = v128.load(o0), a01 = v128.load(o0, 16), a10 = v128.load(o1), a11 = v128.load(o1, 16);
  let a20 = v128.load(o2), a21 = v128.load(o2, 16), a30 = v128.load(o3), a31 = v128.load(o3, 16);
  for (let r = r0; r < r1; r++) {
    const bn = r / OH;
    const ih = (r - bn * OH) * SH + a - PT;
    if (<u32>ih >= <u32>H) continue;
    let xp = x + byteOff(((bn * H + ih) * W + jLo * SW + b - PL) * CI + c);
    let dp = dy + byteOff((r * OW + jLo) * CO + d);
    for (let j = jLo; j < jHi; j++) {
      const d0 = v128.load(dp), d1 = v128.load(dp, 16);
      let s = v128.load32_splat(xp);
      a00 = fma(a00, s, d0); a01 = fma(a01, s, d1);
      s = v128.load32_splat(xp, 4);
      a10 = fma(a10, s, d0); a11 = fma(a11, s, d1);
      s = v128.load32_splat(xp, 8);
      a20 = fma(a20, s, d0); a21 = fma(a21, s, d1);
      s = v128.load32_splat(xp, 12);
      a30 = fma(a30, s, d0); a31 = fma(a31, s, d1);
      xp += xStep; dp += dyStep;
    }
  }
  v128.store(o0, a00); v128.store(o0, a01, 16); v128.store(o1, a10); v128.store(o1, a11, 16);
  v128.store(o2, a20); v128.store(o2, a21, 16); v128.store(o3, a30); v128.store(o3, a31, 16);
}

/** As bpf4x8 for 4 in-channels × 4 out-channels (out-channel tail of 4..7). */
function bpf4x4(x: usize, dy: usize, out: usize, r0: i32, r1: i32, a: i32, b: i32, jLo: i32, jHi: i32, c: i32, d: i32): void {
  const H = gH, W = gW, CI = gCi, OH = gOh, OW = gOw, CO = gCo, SH = gSh, SW = gSw, PT = gPt, PL = gPl;
  const xStep = byteOff(SW * CI), dyStep = byteOff(CO), oRow = byteOff(CO);
  const o0 = out + byteOff(((a * gKw + b) * CI + c) * CO + d);
  const o1 = o0 + oRow, o2 = o1 + oRow, o3 = o2 + oRow;
  let a0 = v128.load(o0), a1 = v128.load(o1), a2 = v128.load(o2), a3 = v128.load(o3);
  for (let r = r0; r < r1; r++) {
    const bn = r / OH;
    const ih = (r - bn * OH) * SH + a - PT;
    if (<u32>ih >= <u32>H) continue;
    let xp = x + byteOff(((bn * H + ih) * W + jLo * SW + b - PL) * CI + c);
    let dp = dy + byteOff((r * OW + jLo) * CO + d);
    for (let j = jLo; j < jHi; j++) {
      const d0 = v128.load(dp);
      a0 = fma(a0, v128.load32_splat(xp), d0);
      a1 = fma(a1, v128.load32_splat(xp, 4), d0);
      a2 = fma(a2, v128.load32_splat(xp, 8), d0);
      a3 = fma(a3, v128.load32_splat(xp, 12), d0);
      xp += xStep; dp += dyStep;
    }
  }
  v128.store(o0, a0); v128.store(o1, a1); v128.store(o2, a2); v128.store(o3, a3);
}

/** One in-channel c × 8 out-channels (in-channel tails, e.g. the 3-channel stem). */
function bpf1x8(x: usize, dy: usize, out: usize, r0: i32, r1: i32, a: i32, b: i32, jLo: i32, jHi: i32, c: i32, d: i32): void {
  const H = gH, W = gW, CI = gCi, OH = gOh, OW = gOw, CO = gCo, SH = gSh, SW = gSw, PT = gPt, PL = gPl;
  const xStep = byteOff(SW * CI), dyStep = byteOff(CO);
  const o0 = out + byteOff(((a * gKw + b) * CI + c) * CO + d);
  let a0 = v128.load(o0), a1 = v128.load(o0, 16);
  for (let r = r0; r < r1; r++) {
    const bn = r / OH;
    const ih = (r - bn * OH) * SH + a - PT;
    if (<u32>ih >= <u32>H) continue;
    let xp = x + byteOff(((bn * H + ih) * W + jLo * SW + b - PL) * CI + c);
    let dp = dy + byteOff((r * OW + jLo) * CO + d);
    for (let j = jLo; j < jHi; j++) {
      const s = v128.load32_splat(xp);
      a0 = fma(a0, s, v128.load(dp));
      a1 = fma(a1, s, v128.load(dp, 16));
      xp += xStep; dp += dyStep;
    }
  }
  v128.store(o0, a0); v128.store(o0, a1, 16);
}

/** One in-channel c × 4 out-channels. */
function bpf1x4(x: usize, dy: usize, out: usize, r0: i32, r1: i32, a: i32, b: i32, jLo: i32, jHi: i32, c: i32, d: i32): void {
  const H = gH, W = gW, CI = gCi, OH = gOh, OW = gOw, CO = gCo, SH = gSh, SW = gSw, PT = gPt, PL = gPl;
  const xStep = byteOff(SW * CI), dyStep = byteOff(CO);
  const o0 = out + byteOff(((a * gKw + b) * CI + c) * CO + d);
  let a0 = v128.load(o0);
  for (let r = r0; r < r1; r++) {
    const bn = r / OH;
    const ih = (r - bn * OH) * SH + a - PT;
    if (<u32>ih >= <u32>H) continue;
    let xp = x + byteOff(((bn * H + ih) * W + jLo * SW + b - PL) * CI + c);
    let dp = dy + byteOff((r * OW + jLo) * CO + d);
    for (let j = jLo; j < jHi; j++) {
      a0 = fma(a0, v128.load32_splat(xp), v128.load(dp));
      xp += xStep; dp += dyStep;
    }
  }
  v128.store(o0, a0);
}

/** Scalar block: in-channels [c0,c1) × out-channels [d0,d1) (out-channel tails below 4). */
function bpfScalar(x: usize, dy: usize, out: usize, r0: i32, r1: i32, a: i32, b: i32, jLo: i32, jHi: i32, c0: i32, c1: i32, d0: i32, d1: i32): void {
  const H = gH, W = gW, CI = gCi, OH = gOh, OW = gOw, CO = gCo, SH = gSh, SW = gSw, PT = gPt, PL = gPl;
  const xStep = byteOff(SW * CI), dyStep = byteOff(CO);
  for (let c = c0; c < c1; c++) {
    for (let d = d0; d < d1; d++) {
      const op = out + byteOff(((a * gKw + b) * CI + c) * CO + d);
      let acc = load<f32>(op);
      for (let r = r0; r < r1; r++) {
        const bn = r / OH;
        const ih = (r - bn * OH) * SH + a - PT;
        if (<u32>ih >= <u32>H) continue;
        let xp = x + byteOff(((bn * H + ih) * W + jLo * SW + b - PL) * CI + c);
        let dp = dy + byteOff((r * OW + jLo) * CO + d);
        for (let j = jLo; j < jHi; j++) {
          acc += load<f32>(xp) * load<f32>(dp);
          xp += xStep; dp += dyStep;
        }
      }
      store<f32>(op, acc);
    }
  }
}

/**
 * Conv2DBackpropFilter, NHWC, dilation 1, any stride and padding. x [n,h,w,ci],
 * dy [n,oh,ow,co] -> dw [kh,kw,ci,co] (overwritten). pt/pl: top/left padding.
 */
export function conv2dBackpropFilter(
    x: usize, dy: usize, dw: usize, n: i32, h: i32, w: i32, ci: i32, oh: i32, ow: i32, co: i32,
    kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  memory.fill(dw, 0, byteOff(kh * kw * ci * co));
  gH = h; gW = w; gCi = ci; gOh = oh; gOw = ow; gCo = co; gKw = kw; gSh = sh; gSw = sw; gPt = pt; gPl = pl;
  const rows = n * oh;
  const perTile = ow >= TILE_PIXELS ? 1 : TILE_PIXELS / ow;
  const co8 = co & ~7, co4 = co & ~3, ci4 = ci & ~3;
  for (let r0 = 0; r0 < rows; r0 += perTile) {
    const r1 = r0 + perTile < rows ? r0 + perTile : rows;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const jLo = lowOut(pl, b, sw), jHi = highOut(w, pl, b, sw, ow);
        if (jLo >= jHi) continue;
        for (let c = 0; c < ci4; c += 4) {
          for (let d = 0; d < co8; d += 8) bpf4x8(x, dy, dw, r0, r1, a, b, jLo, jHi, c, d);
          if (co4 > co8) bpf4x4(x, dy, dw, r0, r1, a, b, jLo, jHi, c, co8);
        }
        for (let c = ci4; c < ci; c++) {
          for (let d = 0; d < co8; d += 8) bpf1x8(x, dy, dw, r0, r1, a, b, jLo, jHi, c, d);
          if (co4 > co8) bpf1x4(x, dy, dw, r0, r1, a, b, jLo, jHi, c, co8);
        }
        if (co > co4) bpfScalar(x, dy, dw, r0, r1, a, b, jLo, jHi, 0, ci, co4, co);
      }
    }
  }
}

// ---- DepthwiseConv2dNativeBackpropInput -------------------------------------
// dx[n,ih,iw,c] = Σ_{taps,q} dy[n,y,j,c*m+q] · f[a,b,c,q], as a scatter from each dy row
// into the dx rows it touches (so stride 2 needs no divisibility tests).

/**
 * DepthwiseConv2dNativeBackpropInput, NHWC, dilation 1, any stride and padding.
 * dy [n,oh,ow,c*m], f [kh,kw,c,m] -> dx [n,h,w,c] (overwritten).
 */
export function depthwiseBackpropInput(
    dy: usize, f: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, m: i32,
    kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  memory.fill(dx, 0, byteOff(n * h * w * c));
  const cm = c * m;
  const c16 = c & ~15, c4 = c & ~3;
  const dxStep = byteOff(sw * c), dyStep = byteOff(cm);
  for (let bn = 0; bn < n; bn++) {
    for (let y = 0; y < oh; y++) {
      const dyRow = dy + byteOff((bn * oh + y) * ow * cm);
      for (let a = 0; a < kh; a++) {
        const ih = y * sh + a - pt;
        if (<u32>ih >= <u32>h) continue;
        const dxRow = dx + byteOff((bn * h + ih) * w * c);
        for (let b = 0; b < kw; b++) {
          const jLo = lowOut(pl, b, sw), jHi = highOut(w, pl, b, sw, ow);
          if (jLo >= jHi) continue;
          const fp = f + byteOff((a * kw + b) * cm);
          const dx0 = dxRow + byteOff((jLo * sw + b - pl) * c);
          const dy0 = dyRow + byteOff(jLo * cm);
          if (m == 1) {
            // The tap's filter values stay in registers while we walk the row's pixels.
            for (let k = 0; k < c16; k += 16) {
              const kb = byteOff(k);
              const f0 = v128.load(fp + kb), f1 = v128.load(fp + kb, 16), f2 = v128.load(fp + kb, 32), f3 = v128.load(fp + kb, 48);
              let xp = dx0 + kb, dp = dy0 + kb;
              for (let j = jLo; j < jHi; j++) {
                v128.store(xp, fma(v128.load(xp), v128.load(dp), f0));
                v128.store(xp, fma(v128.load(xp, 16), v128.load(dp, 16), f1), 16);
                v128.store(xp, fma(v128.load(xp, 32), v128.load(dp, 32), f2), 32);
                v128.store(xp, fma(v128.load(xp, 48), v128.load(dp, 48), f3), 48);
                xp += dxStep; dp += dyStep;
              }
            }
            for (let k = c16; k < c4; k += 4) {
              const kb = byteOff(k);
              const f0 = v128.load(fp + kb);
              let xp = dx0 + kb, dp = dy0 + kb;
              for (let j = jLo; j < jHi; j++) {
                v128.store(xp, fma(v128.load(xp), v128.load(dp), f0));
                xp += dxStep; dp += dyStep;
              }
            }
            for (let k = c4; k < c; k++) {
              const kb = byteOff(k);
              const fv = load<f32>(fp + kb);
              let xp = dx0 + kb, dp = dy0 + kb;
              for (let j = jLo; j < jHi; j++) {
                store<f32>(xp, load<f32>(xp) + load<f32>(dp) * fv);
                xp += dxStep; dp += dyStep;
              }
            }
          } else {
            // Channel multiplier > 1 (no model here uses it): dy and filter share the index c*m + q.
            let xp = dx0, dp = dy0;
            for (let j = jLo; j < jHi; j++) {
              for (let k = 0; k < c; k++) {
                let s: f32 = 0;
                const base = byteOff(k * m);
                for (let q = 0; q < m; q++) s += load<f32>(dp + base + byteOff(q)) * load<f32>(fp + base + byteOff(q));
                store<f32>(xp + byteOff(k), load<f32>(xp + byteOff(k)) + s);
              }
              xp += dxStep; dp += dyStep;
            }
          }
        }
      }
    }
  }
}

// ---- DepthwiseConv2dNativeBackpropFilter ------------------------------------
// df[a,b,c,q] = Σ_{n,y,j} x[n, y*sh+a-pt, j*sw+b-pl, c] · dy[n,y,j,c*m+q].

/**
 * DepthwiseConv2dNativeBackpropFilter, NHWC, dilation 1, any stride and padding.
 * x [n,h,w,c], dy [n,oh,ow,c*m] -> df [kh,kw,c,m] (overwritten).
 */
export function depthwiseBackpropFilter(
    x: usize, dy: usize, df: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, m: i32,
    kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const cm = c * m;
  memory.fill(df, 0, byteOff(kh * kw * cm));
  const c16 = c & ~15, c4 = c & ~3;
  const xStep = byteOff(sw * c), dyStep = byteOff(cm);
  for (let bn = 0; bn < n; bn++) {
    for (let y = 0; y < oh; y++) {
      const dyRow = dy + byteOff((bn * oh + y) * ow * cm);
      for (let a = 0; a < kh; a++) {
        const ih = y * sh + a - pt;
        if (<u32>ih >= <u32>h) continue;
        const xRow = x + byteOff((bn * h + ih) * w * c);
        for (let b = 0; b < kw; b++) {
          const jLo = lowOut(pl, b, sw), jHi = highOut(w, pl, b, sw, ow);
          if (jLo >= jHi) continue;
          const fp = df + byteOff((a * kw + b) * cm);
          const x0 = xRow + byteOff((jLo * sw + b - pl) * c);
          const dy0 = dyRow + byteOff(jLo * cm);
          if (m == 1) {
            // Accumulators stay in registers along the row; df is touched once per row and tap.
            for (let k = 0; k < c16; k += 16) {
              const kb = byteOff(k), op = fp + kb;
              let s0 = v128.load(op), s1 = v128.load(op, 16), s2 = v128.load(op, 32), s3 = v128.load(op, 48);
              let xp = x0 + kb, dp = dy0 + kb;
              for (let j = jLo; j < jHi; j++) {
                s0 = fma(s0, v128.load(xp), v128.load(dp));
                s1 = fma(s1, v128.load(xp, 16), v128.load(dp, 16));
                s2 = fma(s2, v128.load(xp, 32), v128.load(dp, 32));
                s3 = fma(s3, v128.load(xp, 48), v128.load(dp, 48));
                xp += xStep; dp += dyStep;
              }
              v128.store(op, s0); v128.store(op, s1, 16); v128.store(op, s2, 32); v128.store(op, s3, 48);
            }
            for (let k = c16; k < c4; k += 4) {
              const kb = byteOff(k), op = fp + kb;
              let s0 = v128.load(op);
              let xp = x0 + kb, dp = dy0 + kb;
              for (let j = jLo; j < jHi; j++) {
                s0 = fma(s0, v128.load(xp), v128.load(dp));
                xp += xStep; dp += dyStep;
              }
              v128.store(op, s0);
            }
            for (let k = c4; k < c; k++) {
              const kb = byteOff(k), op = fp + kb;
              let s: f32 = load<f32>(op);
              let xp = x0 + kb, dp = dy0 + kb;
              for (let j = jLo; j < jHi; j++) {
                s += load<f32>(xp) * load<f32>(dp);
                xp += xStep; dp += dyStep;
              }
              store<f32>(op, s);
            }
          } else {
            let xp = x0, dp = dy0;
            for (let j = jLo; j < jHi; j++) {
              for (let k = 0; k < c; k++) {
                const xv = load<f32>(xp + byteOff(k));
                const base = byteOff(k * m);
                for (let q = 0; q < m; q++) {
                  const op = fp + base + byteOff(q);
                  store<f32>(op, load<f32>(op) + xv * load<f32>(dp + base + byteOff(q)));
                }
              }
              xp += xStep; dp += dyStep;
            }
          }
        }
      }
    }
  }
}

// ---- Conv2DBackpropInput (opt-in replacement) ---------------------------------
// tfjs-wasm has this kernel, but as a scalar loop; ops/conv_backprop/override.ts swaps it
// for this one on request. dx[n, y*sh+a-pt, j*sw+b-pl, i] += Σ_o ft[a,b,o,i] · dy[n,y,j,o]:
// per tap the GEMM dY · W_tapᵀ scattered into dx, in register blocks of 4 pixels × 8
// in-channels over the out-channels, with the filter transposed to [kh,kw,co,ci] so the
// in-channels are contiguous.

/** ft[t,o,i] = f[t,i,o] for `taps` taps: the layout conv2dBackpropInput reads. */
export function transposeFilterIO(f: usize, ft: usize, taps: i32, ci: i32, co: i32): void {
  for (let t = 0; t < taps; t++) {
    const src = f + byteOff(t * ci * co), dst = ft + byteOff(t * ci * co);
    for (let i = 0; i < ci; i++) {
      for (let o = 0; o < co; o++) store<f32>(dst + byteOff(o * ci + i), load<f32>(src + byteOff(i * co + o)));
    }
  }
}

/** 4 pixels (dy rows d0 + k*dyStep, dx rows x0 + k*dxStep) × in-channels c..c+7 of one tap `wt` [co,ci]. */
function bpi4x8(d0: usize, dyStep: usize, x0: usize, dxStep: usize, wt: usize, ci: i32, co: i32, c: i32): void {
  const cb = byteOff(c), wRow = byteOff(ci);
  const x1 = x0 + dxStep, x2 = x1 + dxStep, x3 = x2 + dxStep;
  const d1 = d0 + dyStep, d2 = d1 + dyStep, d3 = d2 + dyStep;
  let a00 = v128.load(x0 + cb), a01 = v128.load(x0 + cb, 16), a10 = v128.load(x1 + cb), a11 = v128.load(x1 + cb, 16);
  let a20 = v128.load(x2 + cb), a21 = v128.load(x2 + cb, 16), a30 = v128.load(x3 + cb), a31 = v128.load(x3 + cb, 16);
  let wp = wt + cb;
  for (let o = 0; o < co; o++) {
    const ob = byteOff(o);
    const w0 = v128.load(wp), w1 = v128.load(wp, 16);
    let s = v128.load32_splat(d0 + ob);
    a00 = fma(a00, s, w0); a01 = fma(a01, s, w1);
    s = v128.load32_splat(d1 + ob);
    a10 = fma(a10, s, w0); a11 = fma(a11, s, w1);
    s = v128.load32_splat(d2 + ob);
    a20 = fma(a20, s, w0); a21 = fma(a21, s, w1);
    s = v128.load32_splat(d3 + ob);
    a30 = fma(a30, s, w0); a31 = fma(a31, s, w1);
    wp += wRow;
  }
  v128.store(x0 + cb, a00); v128.store(x0 + cb, a01, 16); v128.store(x1 + cb, a10); v128.store(x1 + cb, a11, 16);
  v128.store(x2 + cb, a20); v128.store(x2 + cb, a21, 16); v128.store(x3 + cb, a30); v128.store(x3 + cb, a31, 16);
}

/** One pixel × in-channels [c, c + 4·vecs), vecs 1 or 2. */
function bpi1(d0: usize, x0: usize, wt: usize, ci: i32, co: i32, c: i32, vecs: i32): void {
  const cb = byteOff(c), wRow = byteOff(ci);
  let a0 = v128.load(x0 + cb), a1 = vecs > 1 ? v128.load(x0 + cb, 16) : f32x4.splat(0);
  let wp = wt + cb;
  for (let o = 0; o < co; o++) {
    const s = v128.load32_splat(d0 + byteOff(o));
    a0 = fma(a0, s, v128.load(wp));
    if (vecs > 1) a1 = fma(a1, s, v128.load(wp, 16));
    wp += wRow;
  }
  v128.store(x0 + cb, a0);
  if (vecs > 1) v128.store(x0 + cb, a1, 16);
}

/** One pixel × the scalar in-channels [c0, ci). */
function bpiScalar(d0: usize, x0: usize, wt: usize, ci: i32, co: i32, c0: i32): void {
  for (let c = c0; c < ci; c++) {
    let acc = load<f32>(x0 + byteOff(c));
    for (let o = 0; o < co; o++) acc += load<f32>(d0 + byteOff(o)) * load<f32>(wt + byteOff(o * ci + c));
    store<f32>(x0 + byteOff(c), acc);
  }
}

/**
 * Conv2DBackpropInput, NHWC, dilation 1, any stride and padding. dy [n,oh,ow,co],
 * ft [kh,kw,co,ci] (transposeFilterIO of the filter) -> dx [n,h,w,ci] (overwritten).
 */
export function conv2dBackpropInput(
    dy: usize, ft: usize, dx: usize, n: i32, h: i32, w: i32, ci: i32, oh: i32, ow: i32, co: i32,
    kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  memory.fill(dx, 0, byteOff(n * h * w * ci));
  const ci8 = ci & ~7, ci4 = ci & ~3;
  const dxStep = byteOff(sw * ci), dyStep = byteOff(co);
  for (let bn = 0; bn < n; bn++) {
    for (let y = 0; y < oh; y++) {
      const dyRow = dy + byteOff((bn * oh + y) * ow * co);
      for (let a = 0; a < kh; a++) {
        const ih = y * sh + a - pt;
        if (<u32>ih >= <u32>h) continue;
        const dxRow = dx + byteOff((bn * h + ih) * w * ci);
        for (let b = 0; b < kw; b++) {
          const jLo = lowOut(pl, b, sw), jHi = highOut(w, pl, b, sw, ow);
          if (jLo >= jHi) continue;
          const wt = ft + byteOff((a * kw + b) * co * ci);
          let j = jLo;
          for (; j + 4 <= jHi; j += 4) {
            const d0 = dyRow + byteOff(j * co), x0 = dxRow + byteOff((j * sw + b - pl) * ci);
            for (let c = 0; c < ci8; c += 8) bpi4x8(d0, dyStep, x0, dxStep, wt, ci, co, c);
            if (ci4 > ci8 || ci > ci4) {
              for (let k = 0; k < 4; k++) {
                const dk = d0 + <usize>k * dyStep, xk = x0 + <usize>k * dxStep;
                if (ci4 > ci8) bpi1(dk, xk, wt, ci, co, ci8, 1);
                if (ci > ci4) bpiScalar(dk, xk, wt, ci, co, ci4);
              }
            }
          }
          for (; j < jHi; j++) {
            const d0 = dyRow + byteOff(j * co), x0 = dxRow + byteOff((j * sw + b - pl) * ci);
            for (let c = 0; c < ci8; c += 8) bpi1(d0, x0, wt, ci, co, c, 2);
            if (ci4 > ci8) bpi1(d0, x0, wt, ci, co, ci8, 1);
            if (ci > ci4) bpiScalar(d0, x0, wt, ci, co, ci4);
          }
        }
      }
    }
  }
}

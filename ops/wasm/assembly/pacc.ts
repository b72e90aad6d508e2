// PaCC SIMD kernels (AssemblyScript): forward, input and filter gradients over tensors in the tfjs-wasm heap.
//
// Every pointer is a byte offset of a float32 tensor in the imported memory. Both
// directions use one layout [outer, L, inner, C] (see ops/pacc/kernels/cpu.ts): a
// "column" (o, q) holds L rows `rb = inner*C*4` bytes apart, the conv runs down the
// column, and C is contiguous so one v128 covers four channels. Nothing here
// allocates: the module must not own any memory (scripts/build-wasm.mjs checks it).

// Register blocking: four output rows at a time. Their inputs for tap k are rows
// i+k..i+k+3, a window that slides by one row per tap, so a tap costs one x load and
// one filter load for four multiply-adds (wasm SIMD has no fused multiply-add).

@inline function fma4(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * One column, one group of four channels, sign +1 (forward) or -1 (input gradient):
 * out[i] = init[i] + Σ_k w[k] · src[(i + sign·k) mod L]. `init` 0 means zeros.
 */
@inline function columnVec(
    src: usize, w: usize, init: usize, out: usize, L: i32, rb: usize, wb: usize, forward: bool): void {
  const last = src + <usize>(L - 1) * rb;
  let i = 0;
  for (; i + 4 <= L; i += 4) {
    const row = src + <usize>i * rb;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    if (init != 0) {
      const ip = init + <usize>i * wb;
      a0 = v128.load(ip); a1 = v128.load(ip + wb); a2 = v128.load(ip + 2 * wb); a3 = v128.load(ip + 3 * wb);
    }
    let x0 = v128.load(row), x1 = v128.load(row + rb), x2 = v128.load(row + 2 * rb), x3 = v128.load(row + 3 * rb);
    let wp = w;
    const wEnd = w + <usize>L * wb;
    if (forward) {
      // Next row entering the window: i + 4, wrapping.
      let np = row + 4 * rb;
      if (np > last) np = src + (np - last - rb);
      while (wp < wEnd) {
        const wk = v128.load(wp);
        a0 = fma4(a0, wk, x0); a1 = fma4(a1, wk, x1); a2 = fma4(a2, wk, x2); a3 = fma4(a3, wk, x3);
        x0 = x1; x1 = x2; x2 = x3; x3 = v128.load(np);
        np = np == last ? src : np + rb;
        wp += wb;
      }
    } else {
      // Window slides up: next row entering is i - 1 - k, wrapping.
      let np = row == src ? last : row - rb;
      while (wp < wEnd) {
        const wk = v128.load(wp);
        a0 = fma4(a0, wk, x0); a1 = fma4(a1, wk, x1); a2 = fma4(a2, wk, x2); a3 = fma4(a3, wk, x3);
        x3 = x2; x2 = x1; x1 = x0; x0 = v128.load(np);
        np = np == src ? last : np - rb;
        wp += wb;
      }
    }
    const op = out + <usize>i * rb;
    v128.store(op, a0); v128.store(op + rb, a1); v128.store(op + 2 * rb, a2); v128.store(op + 3 * rb, a3);
  }
  // Rows left over when L is not a multiple of 4: one accumulator each.
  for (; i < L; i++) {
    let a = init != 0 ? v128.load(init + <usize>i * wb) : f32x4.splat(0);
    let xp = src + <usize>i * rb;
    for (let wp = w, wEnd = w + <usize>L * wb; wp < wEnd; wp += wb) {
      a = fma4(a, v128.load(wp), v128.load(xp));
      if (forward) xp = xp == last ? src : xp + rb;
      else xp = xp == src ? last : xp - rb;
    }
    v128.store(out + <usize>i * rb, a);
  }
}

/** Scalar version of columnVec for the C mod 4 trailing channels. */
@inline function columnScalar(
    src: usize, w: usize, init: usize, out: usize, L: i32, rb: usize, wb: usize, forward: bool): void {
  for (let i = 0; i < L; i++) {
    let a: f32 = init != 0 ? load<f32>(init + <usize>i * wb) : 0;
    for (let k = 0; k < L; k++) {
      const r = forward ? (i + k) % L : (i - k + L) % L;
      a += load<f32>(w + <usize>k * wb) * load<f32>(src + <usize>r * rb);
    }
    store<f32>(out + <usize>i * rb, a);
  }
}

function correlate(src: usize, w: usize, init: usize, out: usize, outer: i32, L: i32, inner: i32, C: i32, forward: bool): void {
  const rb = <usize>inner * <usize>C * 4, wb = <usize>C * 4, C4 = C & ~3;
  for (let o = 0; o < outer; o++) {
    const base = <usize>o * <usize>L * rb;
    for (let q = 0; q < inner; q++) {
      const col = base + <usize>q * wb;
      for (let c = 0; c < C4; c += 4) {
        const cb = <usize>c * 4;
        columnVec(src + col + cb, w + cb, init != 0 ? init + cb : 0, out + col + cb, L, rb, wb, forward);
      }
      for (let c = C4; c < C; c++) {
        const cb = <usize>c * 4;
        columnScalar(src + col + cb, w + cb, init != 0 ? init + cb : 0, out + col + cb, L, rb, wb, forward);
      }
    }
  }
}

/** y[o,i,q,c] = init[i,c] + Σ_k w[k,c] · x[o,(i+k) mod L,q,c]; init 0 means zeros. */
export function paccForward(x: usize, w: usize, init: usize, y: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  correlate(x, w, init, y, outer, L, inner, C, true);
}

/** dx[o,m,q,c] = Σ_k w[k,c] · dy[o,(m-k) mod L,q,c]. */
export function paccBackpropInput(dy: usize, w: usize, dx: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  correlate(dy, w, 0, dx, outer, L, inner, C, false);
}

/**
 * The per-row initial value of the forward op, [L, C]:
 * init[i,c] = bias[c] + Σ_k w[k,c] · pe[(i+k) mod L, c] (bias, pe: 0 when absent).
 * It is the forward op itself on pe seen as one column.
 */
export function paccInit(w: usize, bias: usize, pe: usize, init: usize, L: i32, C: i32): void {
  const n = <usize>L * <usize>C * 4;
  if (pe != 0) correlate(pe, w, 0, init, 1, L, 1, C, true);
  else memory.fill(init, 0, n);
  if (bias == 0) return;
  const wb = <usize>C * 4, C4 = C & ~3;
  for (let i = 0; i < L; i++) {
    const row = init + <usize>i * wb;
    for (let c = 0; c < C4; c += 4) {
      const p = row + <usize>c * 4;
      v128.store(p, f32x4.add(v128.load(p), v128.load(bias + <usize>c * 4)));
    }
    for (let c = C4; c < C; c++) {
      const p = row + <usize>c * 4;
      store<f32>(p, load<f32>(p) + load<f32>(bias + <usize>c * 4));
    }
  }
}

/**
 * dw[k] += Σ_i g[i] · x[(i+k) mod L] for one column and four channels (dw is [L, C],
 * rows wb apart; g and x rows rb apart). Four taps at a time share each g load.
 */
@inline function filterColumnVec(x: usize, g: usize, dw: usize, L: i32, rb: usize, wb: usize): void {
  const last = x + <usize>(L - 1) * rb;
  const gEnd = g + <usize>L * rb;
  let k = 0;
  for (; k + 4 <= L; k += 4) {
    const row = x + <usize>k * rb;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let x0 = v128.load(row), x1 = v128.load(row + rb), x2 = v128.load(row + 2 * rb), x3 = v128.load(row + 3 * rb);
    let np = row + 4 * rb;
    if (np > last) np = x + (np - last - rb);
    for (let gp = g; gp < gEnd; gp += rb) {
      const gi = v128.load(gp);
      a0 = fma4(a0, gi, x0); a1 = fma4(a1, gi, x1); a2 = fma4(a2, gi, x2); a3 = fma4(a3, gi, x3);
      x0 = x1; x1 = x2; x2 = x3; x3 = v128.load(np);
      np = np == last ? x : np + rb;
    }
    const dp = dw + <usize>k * wb;
    v128.store(dp, f32x4.add(v128.load(dp), a0));
    v128.store(dp + wb, f32x4.add(v128.load(dp + wb), a1));
    v128.store(dp + 2 * wb, f32x4.add(v128.load(dp + 2 * wb), a2));
    v128.store(dp + 3 * wb, f32x4.add(v128.load(dp + 3 * wb), a3));
  }
  for (; k < L; k++) {
    let a = f32x4.splat(0);
    let xp = x + <usize>k * rb;
    for (let gp = g; gp < gEnd; gp += rb) {
      a = fma4(a, v128.load(gp), v128.load(xp));
      xp = xp == last ? x : xp + rb;
    }
    const dp = dw + <usize>k * wb;
    v128.store(dp, f32x4.add(v128.load(dp), a));
  }
}

@inline function filterColumnScalar(x: usize, g: usize, dw: usize, L: i32, rb: usize, wb: usize): void {
  for (let k = 0; k < L; k++) {
    let a: f32 = 0;
    for (let i = 0; i < L; i++) a += load<f32>(g + <usize>i * rb) * load<f32>(x + <usize>((i + k) % L) * rb);
    const dp = dw + <usize>k * wb;
    store<f32>(dp, load<f32>(dp) + a);
  }
}

function filterAccumulate(x: usize, g: usize, dw: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  const rb = <usize>inner * <usize>C * 4, wb = <usize>C * 4, C4 = C & ~3;
  for (let o = 0; o < outer; o++) {
    const base = <usize>o * <usize>L * rb;
    for (let q = 0; q < inner; q++) {
      const col = base + <usize>q * wb;
      for (let c = 0; c < C4; c += 4) {
        const cb = <usize>c * 4;
        filterColumnVec(x + col + cb, g + col + cb, dw + cb, L, rb, wb);
      }
      for (let c = C4; c < C; c++) {
        const cb = <usize>c * 4;
        filterColumnScalar(x + col + cb, g + col + cb, dw + cb, L, rb, wb);
      }
    }
  }
}

/**
 * dw[k,c] = Σ_{o,i,q} dy[o,i,q,c] · (x + pe)[o,(i+k) mod L,q,c]. With pe (non-zero
 * pointer), `scratch` ([L, C] floats) receives the row sums of dy, and the pe term is
 * the same correlation on one column: Σ_i rowSum[i] · pe[(i+k) mod L].
 */
export function paccBackpropFilter(
    x: usize, dy: usize, pe: usize, dw: usize, scratch: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  const n = <usize>L * <usize>C * 4;
  memory.fill(dw, 0, n);
  filterAccumulate(x, dy, dw, outer, L, inner, C);
  if (pe == 0) return;
  memory.fill(scratch, 0, n);
  const rb = <usize>inner * <usize>C * 4, wb = <usize>C * 4, C4 = C & ~3;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < L; i++) {
      const row = dy + (<usize>o * <usize>L + <usize>i) * rb;
      const sp = scratch + <usize>i * wb;
      for (let q = 0; q < inner; q++) {
        const p = row + <usize>q * wb;
        for (let c = 0; c < C4; c += 4) {
          const cb = <usize>c * 4;
          v128.store(sp + cb, f32x4.add(v128.load(sp + cb), v128.load(p + cb)));
        }
        for (let c = C4; c < C; c++) {
          const cb = <usize>c * 4;
          store<f32>(sp + cb, load<f32>(sp + cb) + load<f32>(p + cb));
        }
      }
    }
  }
  filterAccumulate(pe, scratch, dw, 1, L, 1, C);
}

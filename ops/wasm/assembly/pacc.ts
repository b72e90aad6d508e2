// PaCC SIMD kernels (AssemblyScript): forward, input and filter gradients over tensors in the tfjs-wasm heap.
//
// Every pointer is a byte offset of a float32 tensor in the imported memory. Both
// directions use one layout [outer, L, inner, C] (see ops/pacc/kernels/cpu.ts): a
// "column" (o, q) holds L rows of C floats, `rb = inner*C*4` bytes apart; the conv runs
// down the column and C is contiguous, so one v128 covers four channels. Nothing here
// allocates: scratch comes from the caller, and the module must own no memory at all
// (scripts/build-wasm.mjs checks it).
//
// Register blocking: four output rows at a time. Their inputs for tap k are rows
// i+k..i+k+3, a window that slides by one row per tap, so a tap costs one x load and
// one filter load for four multiply-adds (wasm SIMD has no fused multiply-add).
//
// Strided columns ('h': rb = W*C*4, often a multiple of 4 KiB) put all L rows of a
// column in one L1 set, and each pass over them reads a quarter of every cache line,
// so lines were reloaded from L2 again and again (measured 2-3x slower than 'w'). So
// forward and input gradient gather each column into a contiguous [L, C] scratch
// block, compute into another one and copy it out (see correlate); the filter
// gradient gathers strided columns likewise.

@inline function fma4(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** Copies L rows of `bytes` bytes, `rb` apart, into `dst` (rows packed). */
@inline function gather(src: usize, rb: usize, dst: usize, L: i32, bytes: usize): void {
  const vecBytes = bytes & ~15;
  for (let r = 0; r < L; r++) {
    const s = src + <usize>r * rb, d = dst + <usize>r * bytes;
    let b: usize = 0;
    for (; b < vecBytes; b += 16) v128.store(d + b, v128.load(s + b));
    for (; b < bytes; b += 4) store<f32>(d + b, load<f32>(s + b));
  }
}

/** Copies L packed rows of `bytes` bytes from `src` to rows `rb` apart at `dst`. */
@inline function scatter(src: usize, dst: usize, rb: usize, L: i32, bytes: usize): void {
  const vecBytes = bytes & ~15;
  for (let r = 0; r < L; r++) {
    const s = src + <usize>r * bytes, d = dst + <usize>r * rb;
    let b: usize = 0;
    for (; b < vecBytes; b += 16) v128.store(d + b, v128.load(s + b));
    for (; b < bytes; b += 4) store<f32>(d + b, load<f32>(s + b));
  }
}

/**
 * One column, four channels, forward (out[i] = init[i] + Σ_k w[k]·src[(i+k) mod L]) or
 * input gradient (out[i] = Σ_k w[k]·src[(i-k) mod L]). Rows are `sb` bytes apart in
 * src, `ob` in out, `wb` in w and init; `init` 0 means zeros.
 */
@inline function columnVec(
    src: usize, sb: usize, w: usize, wb: usize, init: usize, out: usize, ob: usize, L: i32, forward: bool): void {
  const last = src + <usize>(L - 1) * sb;
  const wEnd = w + <usize>L * wb;
  let i = 0;
  for (; i + 4 <= L; i += 4) {
    const row = src + <usize>i * sb;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    if (init != 0) {
      const ip = init + <usize>i * wb;
      a0 = v128.load(ip); a1 = v128.load(ip + wb); a2 = v128.load(ip + 2 * wb); a3 = v128.load(ip + 3 * wb);
    }
    let x0 = v128.load(row), x1 = v128.load(row + sb), x2 = v128.load(row + 2 * sb), x3 = v128.load(row + 3 * sb);
    if (forward) {
      // The row entering the window after tap k is i+k+4, wrapping.
      let np = row + 4 * sb;
      if (np > last) np = src;
      for (let wp = w; wp < wEnd; wp += wb) {
        const wk = v128.load(wp);
        a0 = fma4(a0, wk, x0); a1 = fma4(a1, wk, x1); a2 = fma4(a2, wk, x2); a3 = fma4(a3, wk, x3);
        x0 = x1; x1 = x2; x2 = x3; x3 = v128.load(np);
        np = np == last ? src : np + sb;
      }
    } else {
      // The window slides up: the row entering after tap k is i-k-1, wrapping.
      let np = row == src ? last : row - sb;
      for (let wp = w; wp < wEnd; wp += wb) {
        const wk = v128.load(wp);
        a0 = fma4(a0, wk, x0); a1 = fma4(a1, wk, x1); a2 = fma4(a2, wk, x2); a3 = fma4(a3, wk, x3);
        x3 = x2; x2 = x1; x1 = x0; x0 = v128.load(np);
        np = np == src ? last : np - sb;
      }
    }
    const op = out + <usize>i * ob;
    v128.store(op, a0); v128.store(op + ob, a1); v128.store(op + 2 * ob, a2); v128.store(op + 3 * ob, a3);
  }
  // Rows left over when L is not a multiple of 4: one accumulator each.
  for (; i < L; i++) {
    let a = init != 0 ? v128.load(init + <usize>i * wb) : f32x4.splat(0);
    let xp = src + <usize>i * sb;
    for (let wp = w; wp < wEnd; wp += wb) {
      a = fma4(a, v128.load(wp), v128.load(xp));
      if (forward) xp = xp == last ? src : xp + sb;
      else xp = xp == src ? last : xp - sb;
    }
    v128.store(out + <usize>i * ob, a);
  }
}

/** Scalar columnVec for the C mod 4 trailing channels. */
@inline function columnScalar(
    src: usize, sb: usize, w: usize, wb: usize, init: usize, out: usize, ob: usize, L: i32, forward: bool): void {
  for (let i = 0; i < L; i++) {
    let a: f32 = init != 0 ? load<f32>(init + <usize>i * wb) : 0;
    for (let k = 0; k < L; k++) {
      const r = forward ? (i + k) % L : (i - k + L) % L;
      a += load<f32>(w + <usize>k * wb) * load<f32>(src + <usize>r * sb);
    }
    store<f32>(out + <usize>i * ob, a);
  }
}

/**
 * Bytes of scratch `correlate` needs: three packed [L, C] blocks plus room to place them.
 * Where they sit matters: when a load's address equals a pending store's modulo 4 KiB,
 * x86 cores stall it as if it depended on the store ("4K aliasing").
 */
@inline function correlateScratch(L: i32, C: i32): usize {
  return 3 * <usize>L * <usize>C * 4 + 12288;
}

/**
 * out = the column correlation of src (forward or input gradient) for every column.
 * Each column is gathered into a packed [L, C] block, computed into another one `d`
 * and copied out, so the kernel itself only touches contiguous blocks placed by us
 * (inputs ≡ w + 1 KiB, d ≡ w + 3 KiB mod 4 KiB). The next column is gathered before
 * the current one is copied out: tfjs's big tensors sit at nearly equal addresses
 * modulo 4 KiB, so loads of the next input column right after the stores to the
 * output aliased (measured 2-3x slower for [8,16,16,64]).
 */
function correlate(
    src: usize, w: usize, init: usize, out: usize, scratch: usize, outer: i32, L: i32, inner: i32, C: i32,
    forward: bool): void {
  const rb = <usize>inner * <usize>C * 4, wb = <usize>C * 4, C4 = C & ~3;
  const block = <usize>L * wb, colStride = <usize>L * rb;
  let cur = scratch + ((w + 1024 - scratch) & 4095);
  let next = cur + block + ((0 - block) & 4095);
  const d = next + block + ((2048 - block) & 4095);
  const n = outer * inner;
  gather(src, rb, cur, L, wb);
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < C4; c += 4) {
      const cb = <usize>c * 4;
      columnVec(cur + cb, wb, w + cb, wb, init != 0 ? init + cb : 0, d + cb, wb, L, forward);
    }
    for (let c = C4; c < C; c++) {
      const cb = <usize>c * 4;
      columnScalar(cur + cb, wb, w + cb, wb, init != 0 ? init + cb : 0, d + cb, wb, L, forward);
    }
    if (j + 1 < n) {
      const k = j + 1;
      gather(src + <usize>(k / inner) * colStride + <usize>(k % inner) * wb, rb, next, L, wb);
    }
    scatter(d, out + <usize>(j / inner) * colStride + <usize>(j % inner) * wb, rb, L, wb);
    const t = cur; cur = next; next = t;
  }
}

/** Scratch bytes paccForward needs for given L, C (the caller allocates it). */
export function paccForwardScratch(L: i32, C: i32): usize {
  return correlateScratch(L, C) + <usize>L * <usize>C * 4 + 4096;
}

/**
 * y[o,i,q,c] = bias[c] + Σ_k w[k,c] · (x + pe)[o,(i+k) mod L,q,c]; bias, pe 0 when absent.
 * bias and the pe term depend only on the row i, so they are folded into one [L, C]
 * initial value (the op itself on pe as one column): x + pe is never formed.
 */
export function paccForward(
    x: usize, w: usize, bias: usize, pe: usize, y: usize, scratch: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  let init: usize = 0;
  if (bias != 0 || pe != 0) {
    const after = scratch + correlateScratch(L, C);
    init = after + ((w + 1536 - after) & 4095);
    rowInit(w, bias, pe, init, scratch, L, C);
  }
  correlate(x, w, init, y, scratch, outer, L, inner, C, true);
}

/** Scratch bytes paccBackpropInput needs. */
export function paccBackpropInputScratch(L: i32, C: i32): usize {
  return correlateScratch(L, C);
}

/** dx[o,m,q,c] = Σ_k w[k,c] · dy[o,(m-k) mod L,q,c]. */
export function paccBackpropInput(
    dy: usize, w: usize, dx: usize, scratch: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  correlate(dy, w, 0, dx, scratch, outer, L, inner, C, false);
}

/** init[i,c] = bias[c] + Σ_k w[k,c] · pe[(i+k) mod L, c], [L, C]; bias, pe 0 when absent. */
function rowInit(w: usize, bias: usize, pe: usize, init: usize, scratch: usize, L: i32, C: i32): void {
  const n = <usize>L * <usize>C * 4;
  if (pe != 0) correlate(pe, w, 0, init, scratch, 1, L, 1, C, true);
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
 * dw[k] += Σ_i g[i] · x[(i+k) mod L] for one column and four channels; x and g rows
 * are `sb` bytes apart, dw rows `wb`. Four taps at a time share each g load.
 */
@inline function filterColumnVec(x: usize, g: usize, sb: usize, dw: usize, wb: usize, L: i32): void {
  const last = x + <usize>(L - 1) * sb;
  const gEnd = g + <usize>L * sb;
  let k = 0;
  for (; k + 4 <= L; k += 4) {
    const row = x + <usize>k * sb;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let x0 = v128.load(row), x1 = v128.load(row + sb), x2 = v128.load(row + 2 * sb), x3 = v128.load(row + 3 * sb);
    let np = row + 4 * sb;
    if (np > last) np = x;
    for (let gp = g; gp < gEnd; gp += sb) {
      const gi = v128.load(gp);
      a0 = fma4(a0, gi, x0); a1 = fma4(a1, gi, x1); a2 = fma4(a2, gi, x2); a3 = fma4(a3, gi, x3);
      x0 = x1; x1 = x2; x2 = x3; x3 = v128.load(np);
      np = np == last ? x : np + sb;
    }
    const dp = dw + <usize>k * wb;
    v128.store(dp, f32x4.add(v128.load(dp), a0));
    v128.store(dp + wb, f32x4.add(v128.load(dp + wb), a1));
    v128.store(dp + 2 * wb, f32x4.add(v128.load(dp + 2 * wb), a2));
    v128.store(dp + 3 * wb, f32x4.add(v128.load(dp + 3 * wb), a3));
  }
  for (; k < L; k++) {
    let a = f32x4.splat(0);
    let xp = x + <usize>k * sb;
    for (let gp = g; gp < gEnd; gp += sb) {
      a = fma4(a, v128.load(gp), v128.load(xp));
      xp = xp == last ? x : xp + sb;
    }
    const dp = dw + <usize>k * wb;
    v128.store(dp, f32x4.add(v128.load(dp), a));
  }
}

@inline function filterColumnScalar(x: usize, g: usize, sb: usize, dw: usize, wb: usize, L: i32): void {
  for (let k = 0; k < L; k++) {
    let a: f32 = 0;
    for (let i = 0; i < L; i++) a += load<f32>(g + <usize>i * sb) * load<f32>(x + <usize>((i + k) % L) * sb);
    const dp = dw + <usize>k * wb;
    store<f32>(dp, load<f32>(dp) + a);
  }
}

/** dw += the filter gradient of x, g (both [outer, L, inner, C]); `scratch`: 2*L*C floats, used when inner > 1. */
function filterAccumulate(x: usize, g: usize, dw: usize, scratch: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  const rb = <usize>inner * <usize>C * 4, wb = <usize>C * 4, C4 = C & ~3;
  for (let o = 0; o < outer; o++) {
    const base = <usize>o * <usize>L * rb;
    for (let q = 0; q < inner; q++) {
      const col = base + <usize>q * wb;
      let xs = x + col, gs = g + col, sb = rb;
      if (inner > 1) {
        const gScratch = scratch + <usize>L * wb;
        gather(xs, rb, scratch, L, wb);
        gather(gs, rb, gScratch, L, wb);
        xs = scratch; gs = gScratch; sb = wb;
      }
      for (let c = 0; c < C4; c += 4) {
        const cb = <usize>c * 4;
        filterColumnVec(xs + cb, gs + cb, sb, dw + cb, wb, L);
      }
      for (let c = C4; c < C; c++) {
        const cb = <usize>c * 4;
        filterColumnScalar(xs + cb, gs + cb, sb, dw + cb, wb, L);
      }
    }
  }
}

/** Scratch bytes paccBackpropFilter needs: gathered x and dy columns, or the row sums of dy. */
export function paccBackpropFilterScratch(L: i32, C: i32): usize {
  return 2 * <usize>L * <usize>C * 4;
}

/**
 * dw[k,c] = Σ_{o,i,q} dy[o,i,q,c] · (x + pe)[o,(i+k) mod L,q,c]; pe 0 when absent.
 * `scratch`: 2*L*C floats. The pe term is the same correlation on one column,
 * Σ_i rowSum[i] · pe[(i+k) mod L], with rowSum[i,c] = Σ_{o,q} dy[o,i,q,c].
 */
export function paccBackpropFilter(
    x: usize, dy: usize, pe: usize, dw: usize, scratch: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  const n = <usize>L * <usize>C * 4;
  memory.fill(dw, 0, n);
  filterAccumulate(x, dy, dw, scratch, outer, L, inner, C);
  if (pe == 0) return;
  rowSums(dy, scratch, outer, L, inner, C);
  filterAccumulate(pe, scratch, dw, 0, 1, L, 1, C);
}

/**
 * sums[i,c] = Σ_{o,q} dy[o,i,q,c], [L, C]. Per row and four channels the inner
 * rows are added in a register and stored once, so the 'h' layout (many inner
 * rows per output row) does not load and store the sum per element.
 */
function rowSums(dy: usize, sums: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  const rb = <usize>inner * <usize>C * 4, wb = <usize>C * 4, C4 = C & ~3;
  memory.fill(sums, 0, <usize>L * wb);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < L; i++) {
      const row = dy + (<usize>o * <usize>L + <usize>i) * rb;
      const sp = sums + <usize>i * wb;
      for (let c = 0; c < C4; c += 4) {
        const cb = <usize>c * 4;
        let a = v128.load(sp + cb);
        for (let p = row + cb, end = row + rb; p < end; p += wb) a = f32x4.add(a, v128.load(p));
        v128.store(sp + cb, a);
      }
      for (let c = C4; c < C; c++) {
        const cb = <usize>c * 4;
        let a = load<f32>(sp + cb);
        for (let p = row + cb, end = row + rb; p < end; p += wb) a += load<f32>(p);
        store<f32>(sp + cb, a);
      }
    }
  }
}

/** Scratch bytes paccBackpropBiasPe needs: the row sums, then correlate's blocks. */
export function paccBackpropBiasPeScratch(L: i32, C: i32): usize {
  return <usize>L * <usize>C * 4 + correlateScratch(L, C);
}

/**
 * dbias[c] = Σ_{o,i,q} dy[o,i,q,c] and dpe[m,c] = Σ_k w[k,c] · rowSum[(m-k) mod L, c]:
 * both from the row sums of dy (one pass over dy); dpe is the input gradient of
 * the row sums as one column, so pe's gradient never needs a full-size dx.
 */
export function paccBackpropBiasPe(
    dy: usize, w: usize, dbias: usize, dpe: usize, scratch: usize, outer: i32, L: i32, inner: i32, C: i32): void {
  const sums = scratch;
  rowSums(dy, sums, outer, L, inner, C);
  const wb = <usize>C * 4, C4 = C & ~3;
  for (let c = 0; c < C4; c += 4) {
    const cb = <usize>c * 4;
    let a = f32x4.splat(0);
    for (let i = 0; i < L; i++) a = f32x4.add(a, v128.load(sums + <usize>i * wb + cb));
    v128.store(dbias + cb, a);
  }
  for (let c = C4; c < C; c++) {
    const cb = <usize>c * 4;
    let a: f32 = 0;
    for (let i = 0; i < L; i++) a += load<f32>(sums + <usize>i * wb + cb);
    store<f32>(dbias + cb, a);
  }
  correlate(sums, w, 0, dpe, scratch + <usize>L * wb, 1, L, 1, C, false);
}

// SIMD swish (SiLU) forward and gradient, x·sigmoid(x), with a vector exp: the activation of every PaCC-Net / MobileViT conv.
//
// wasm SIMD has no exp, so e^t is 2^n · p(r) with n = round(t·log2 e), r = t − n·ln 2 (split in
// a high and a low part so r is exact to float32) and p the degree-7 Taylor polynomial of e^r
// on |r| ≤ ln2/2 (truncation < 2e-9 relative, below float32 rounding). t is clamped to
// [-87, 89]: below, 2^n stays a normal float (sigmoid is 1 to float32 precision anyway); above
// 88.4, n = 128 makes 2^n +Infinity, so sigmoid(x) for x < −88.4 is exactly 0 and swish −0, as
// float32 tfjs gives (a clamp to a finite e^88 would leave x·6e-39, −2 for x = −3.4e38).

@inline function bo(i: i32): usize {
  return (<usize>i) << 2;
}

/** e^t for four lanes. */
@inline function exp4(t: v128): v128 {
  t = f32x4.min(f32x4.max(t, f32x4.splat(-87.0)), f32x4.splat(89.0));
  const n = f32x4.nearest(f32x4.mul(t, f32x4.splat(1.4426950408889634)));
  let r = f32x4.sub(t, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  // 2^n: n + 127 in the exponent bits (n = 128 gives the bits of +Infinity).
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** sigmoid(x) = 1 / (1 + e^-x) for four lanes. */
@inline function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}

/** The same for one value (tails), through the same vector code so every element rounds alike. */
@inline function sigmoid1(x: f32): f32 {
  return f32x4.extract_lane(sigmoid4(f32x4.splat(x)), 0);
}

/** y = x · sigmoid(x) for n floats. */
export function swishForward(x: usize, y: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const v = v128.load(x + bo(i));
    v128.store(y + bo(i), f32x4.mul(v, sigmoid4(v)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + bo(i));
    store<f32>(y + bo(i), v * sigmoid1(v));
  }
}

/** dx = dy · (s + x·s·(1 − s)), s = sigmoid(x): the swish gradient in one pass. */
export function swishBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  const n4 = n & ~3;
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i < n4; i += 4) {
    const v = v128.load(x + bo(i));
    const s = sigmoid4(v);
    const d = f32x4.add(s, f32x4.mul(f32x4.mul(v, s), f32x4.sub(one, s)));
    v128.store(dx + bo(i), f32x4.mul(v128.load(dy + bo(i)), d));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + bo(i));
    const s = sigmoid1(v);
    store<f32>(dx + bo(i), load<f32>(dy + bo(i)) * (s + v * s * (1 - s)));
  }
}

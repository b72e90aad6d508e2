// SIMD swish (SiLU) forward and gradient, x·sigmoid(x), with a vector exp: the activation of every PaCC-Net / MobileViT conv.
//
// wasm SIMD has no exp, so e^t is 2^n · e^r with n = round(t·log2 e), r = t − n·ln 2 (ln 2 split in
// a high and a low part so r is exact to float32) and e^r = 1 + r + r²·P(r), P the degree-5
// polynomial of Cephes' expf (about 1 ulp on |r| ≤ ln2/2). t is clamped to [-87, 89]: below, 2^n
// stays a normal float (sigmoid is 1 to float32 precision anyway); above 88.4, n = 128 makes 2^n
// +Infinity, so sigmoid(x) for x < −88.4 is exactly 0 and swish −0, as float32 tfjs gives (a clamp
// to a finite e^88 would leave x·6e-39, −2 for x = −3.4e38). Rounding t·log2 e to an integer and
// forming 2^n both use the 1.5·2^23 "magic number" (the integer lands in the low mantissa bits),
// and the clamp uses pmin/pmax (one instruction each; NaN still propagates): the first version,
// with nearest, trunc_sat and the NaN-exact min/max, ran at 3.1 ns per element.

@inline function bo(i: i32): usize {
  return (<usize>i) << 2;
}

/** e^t for four lanes. */
@inline function exp4(t: v128): v128 {
  t = f32x4.pmin(f32x4.pmax(t, f32x4.splat(-87.0)), f32x4.splat(89.0));
  const magic = f32x4.splat(12582912.0);
  const nm = f32x4.add(f32x4.mul(t, f32x4.splat(1.4426950408889634)), magic);
  const n = f32x4.sub(nm, magic);
  let r = f32x4.sub(t, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  // 2^n: the low bits of nm's pattern are n (two's complement), shifted into the exponent field and
  // biased by 127 (n = 128 gives the bits of +Infinity).
  const scale = i32x4.add(i32x4.shl(nm, 23), i32x4.splat(127 << 23));
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
  // Four independent vectors per iteration: exp's polynomial and the divide are dependency
  // chains, so one vector at a time leaves the SIMD units waiting on latency.
  const n16 = n & ~15, n4 = n & ~3;
  let i = 0;
  for (; i < n16; i += 16) {
    const p = x + bo(i), q = y + bo(i);
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    const s0 = sigmoid4(v0), s1 = sigmoid4(v1), s2 = sigmoid4(v2), s3 = sigmoid4(v3);
    v128.store(q, f32x4.mul(v0, s0)); v128.store(q, f32x4.mul(v1, s1), 16);
    v128.store(q, f32x4.mul(v2, s2), 32); v128.store(q, f32x4.mul(v3, s3), 48);
  }
  for (; i < n4; i += 4) {
    const v = v128.load(x + bo(i));
    v128.store(y + bo(i), f32x4.mul(v, sigmoid4(v)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + bo(i));
    store<f32>(y + bo(i), v * sigmoid1(v));
  }
}

/** dy · (s + x·s·(1 − s)) for four lanes, s = sigmoid(x). */
@inline function swishGrad4(v: v128, d: v128): v128 {
  const s = sigmoid4(v);
  return f32x4.mul(d, f32x4.add(s, f32x4.mul(f32x4.mul(v, s), f32x4.sub(f32x4.splat(1.0), s))));
}

/** dx = dy · (s + x·s·(1 − s)), s = sigmoid(x): the swish gradient in one pass. */
export function swishBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  const n16 = n & ~15, n4 = n & ~3;
  let i = 0;
  for (; i < n16; i += 16) {
    const p = x + bo(i), g = dy + bo(i), q = dx + bo(i);
    const r0 = swishGrad4(v128.load(p), v128.load(g)), r1 = swishGrad4(v128.load(p, 16), v128.load(g, 16));
    const r2 = swishGrad4(v128.load(p, 32), v128.load(g, 32)), r3 = swishGrad4(v128.load(p, 48), v128.load(g, 48));
    v128.store(q, r0); v128.store(q, r1, 16); v128.store(q, r2, 32); v128.store(q, r3, 48);
  }
  for (; i < n4; i += 4) v128.store(dx + bo(i), swishGrad4(v128.load(x + bo(i)), v128.load(dy + bo(i))));
  for (; i < n; i++) {
    const v = load<f32>(x + bo(i));
    const s = sigmoid1(v);
    store<f32>(dx + bo(i), load<f32>(dy + bo(i)) * (s + v * s * (1 - s)));
  }
}

// Estimate of the single-thread WebAssembly SIMD peak of this machine, by timing a tight f32x4 mul/add loop.
import asc from 'assemblyscript/asc';
import {execFileSync} from 'node:child_process';

/**
 * Wasm SIMD (without relaxed-simd) has no fused multiply-add, so a multiply-add is an
 * f32x4.mul plus an f32x4.add: 8 flops in 2 instructions. The loop runs 6 independent
 * multiply chains and 6 independent add chains (enough to cover their latency on
 * current x86 cores, few enough to stay in the 16 vector registers), 48 flops per
 * iteration; the estimate is the best of many timed runs, i.e. an uncontended core.
 */
const SOURCE = `
export function peak(n: i32, mul: f32, add: f32): f32 {
  const m = f32x4.splat(mul), b = f32x4.splat(add);
  let x0 = f32x4.splat(1), x1 = f32x4.splat(1.1), x2 = f32x4.splat(1.2), x3 = f32x4.splat(1.3), x4 = f32x4.splat(1.4), x5 = f32x4.splat(1.5);
  let y0 = x0, y1 = x1, y2 = x2, y3 = x3, y4 = x4, y5 = x5;
  for (let i = 0; i < n; i++) {
    x0 = f32x4.mul(x0, m); y0 = f32x4.add(y0, b); x1 = f32x4.mul(x1, m); y1 = f32x4.add(y1, b);
    x2 = f32x4.mul(x2, m); y2 = f32x4.add(y2, b); x3 = f32x4.mul(x3, m); y3 = f32x4.add(y3, b);
    x4 = f32x4.mul(x4, m); y4 = f32x4.add(y4, b); x5 = f32x4.mul(x5, m); y5 = f32x4.add(y5, b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)), f32x4.add(f32x4.add(x4, x5), f32x4.add(y0, y1)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(y2, y3), f32x4.add(y4, y5))), 0);
}`;

export const PEAK_METHOD = 'best of 2 s of runs (optimising tier) of a loop of 6 independent f32x4.mul + 6 independent f32x4.add chains (48 flops/iteration; wasm SIMD has no FMA, so a multiply-add is 2 instructions)';

/** GFLOP/s of the loop above on this machine, single thread. */
export async function estimateWasmSimdPeak(quick = false): Promise<number> {
  const r = await asc.compileString(SOURCE, {optimizeLevel: 3, runtime: 'stub', enable: ['simd'], noAssert: true});
  if (r.error || !r.binary) throw new Error(`peak loop did not compile: ${r.error?.message}\n${r.stderr.toString()}`);
  // V8 runs wasm first in its baseline tier (Liftoff: 8.5 instead of 45 GFLOP/s on this
  // loop here) and tiers hot functions up in the background, which on a loaded machine
  // came too late or never within the measurement; flags cannot change at run time, so
  // the loop runs in a child Node with the optimising tier only.
  const out = execFileSync(process.execPath, ['--no-liftoff', '--input-type=module', '-e', CHILD, String(quick ? 500 : 2000)],
      {input: Buffer.from(r.binary).toString('base64'), encoding: 'utf8'});
  return Number(out.trim());
}

/** The child: stdin = base64 module; argv[1] = milliseconds to keep timing; prints GFLOP/s. */
const CHILD = `
let b64 = '';
for await (const chunk of process.stdin) b64 += chunk;
const {instance} = await WebAssembly.instantiate(Buffer.from(b64, 'base64'), {env: {abort() {}}});
// Runtime operands (1, 1e-3) keep the values normal and the loop unfoldable.
const peak = (n) => instance.exports.peak(n, 1, 1e-3);
const n = 2e5, until = performance.now() + Number(process.argv[1]);
let best = Infinity;
for (let t = 0; t < 15 || performance.now() < until; t++) {
  const t0 = performance.now();
  peak(n);
  best = Math.min(best, performance.now() - t0);
}
console.log((48 * n) / (best * 1e6));
`;

// How kernels split work over threads (ops/wasm/parallel.ts), with a recording stand-in for the pool: ranges, thresholds, partial sums.
import {describe, expect, it} from 'vitest';
import type {PaccWasm} from '../../ops/wasm/module';
import type {WasmTask} from '../../ops/wasm/threads';
import {runPartialSums, runSlices, splitRange} from '../../ops/wasm/parallel';

/** A PaccWasm with `threads` threads that records tasks and hands out fake heap offsets. */
function fakeWasm(threads: number) {
  const runs: WasmTask[][] = [];
  const mallocs: number[] = [], frees: number[] = [];
  let next = 1 << 20;
  const m = {
    threads,
    run: (tasks: WasmTask[]) => { runs.push(tasks); },
    malloc: (bytes: number) => { mallocs.push(bytes); const p = next; next += bytes + 64; return p; },
    free: (p: number) => { frees.push(p); },
  } as unknown as PaccWasm;
  return {m, runs, mallocs, frees};
}

describe('splitRange', () => {
  it('covers [0, n) with contiguous, non-empty, aligned ranges', () => {
    for (let n = 1; n <= 70; n++) {
      for (const parts of [1, 2, 3, 4, 7]) {
        for (const align of [1, 4]) {
          const r = splitRange(n, parts, align);
          expect(r.length).toBeGreaterThanOrEqual(1);
          expect(r.length).toBeLessThanOrEqual(Math.min(parts, Math.ceil(n / align)));
          expect(r[0][0]).toBe(0);
          expect(r[r.length - 1][1]).toBe(n);
          r.forEach(([a, b], i) => {
            expect(b).toBeGreaterThan(a);
            if (i > 0) expect(a).toBe(r[i - 1][1]);
            if (i < r.length - 1) expect((b - a) % align).toBe(0);
          });
        }
      }
    }
  });

  it('balances: slice lengths differ by at most one alignment unit', () => {
    const lens = splitRange(10, 3).map(([a, b]) => b - a);
    expect(Math.max(...lens) - Math.min(...lens)).toBeLessThanOrEqual(1);
  });
});

describe('runSlices', () => {
  it('one slice on one thread or for small work; one per thread for large work', () => {
    const one = fakeWasm(1);
    runSlices(one.m, 'f', 8, 1e9, (a, b) => [a, b]);
    expect(one.runs).toEqual([[{fn: 'f', args: [0, 8]}]]);
    const small = fakeWasm(4);
    runSlices(small.m, 'f', 8, 1000, (a, b) => [a, b]);
    expect(small.runs[0].length).toBe(1);
    const big = fakeWasm(3);
    runSlices(big.m, 'f', 8, 1e9, (a, b) => [a, b]);
    expect(big.runs[0].map((t) => t.args)).toEqual([[0, 3], [3, 5], [5, 8]]);
  });

  it('gives every slice its own scratch and frees it', () => {
    const f = fakeWasm(2);
    runSlices(f.m, 'f', 4, 1e9, (a, b, s) => [a, b, s], {scratch: 100});
    expect(f.mallocs).toEqual([200]);
    const [t0, t1] = f.runs[0];
    expect(t1.args[2] - t0.args[2]).toBe(100);
    expect(f.frees.length).toBe(1);
  });
});

describe('runPartialSums', () => {
  it('writes the outputs directly with one slice, applying the scale itself', () => {
    const f = fakeWasm(1);
    runPartialSums(f.m, 'g', 10, 1e9, [{ptr: 4000, len: 3}], (a, b, outs, scale) => [a, b, ...outs, scale], {scale: 0.5});
    expect(f.runs).toEqual([[{fn: 'g', args: [0, 10, 4000, 0.5]}]]);
    expect(f.mallocs).toEqual([]);
  });

  it('with several slices: partials in scratch, then one sumRows per output with the scale', () => {
    const f = fakeWasm(3);
    const outs = [{ptr: 4000, len: 3}, {ptr: 8000, len: 5}];
    runPartialSums(f.m, 'g', 9, 1e9, outs, (a, b, o, scale) => [a, b, ...o, scale], {scale: 0.25});
    expect(f.mallocs).toEqual([3 * (3 + 5) * 4]);
    const base = f.runs[0][0].args[2];
    // Slice i writes output j at base_j + i·len_j·4; every slice applies scale 1.
    expect(f.runs[0].map((t) => t.args)).toEqual([
      [0, 3, base, base + 36, 1], [3, 6, base + 12, base + 36 + 20, 1], [6, 9, base + 24, base + 36 + 40, 1]]);
    expect(f.runs.slice(1)).toEqual([
      [{fn: 'sumRows', args: [base, 4000, 3, 3, 0.25]}], [{fn: 'sumRows', args: [base + 36, 8000, 3, 5, 0.25]}]]);
    expect(f.frees).toEqual([base]);
  });
});

// Closeness checks: error measured relative to the largest magnitude of the expected tensor.
import {expect} from 'vitest';
import {mulberry32} from '../../tools/rng';

/** max|a - e| / max(max|e|, tiny): the relative error in the infinity norm. */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= diff)) diff = d; // NaN in actual propagates
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string) {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const err = relError(actual, expected);
  expect(err, `${what}: relative error ${err.toExponential(2)} > ${rtol}`).toBeLessThanOrEqual(rtol);
}

/** Deterministic PRNG (mulberry32) so every random case is reproducible from its seed. */
export function rng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: (n: number) => Float32Array.from({length: n}, () => {
      const u = Math.max(next(), 1e-12), v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }),
  };
}

/**
 * Runs `fn` with Math.random replaced by a seeded PRNG. tfjs initialisers given no seed draw
 * theirs from Math.random, so a model built inside starts from the same weights on every run.
 */
export function seeded<T>(seed: number, fn: () => T): T {
  const saved = Math.random;
  Math.random = rng(seed).next;
  try {
    return fn();
  } finally {
    Math.random = saved;
  }
}

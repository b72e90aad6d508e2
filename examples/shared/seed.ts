// Fixes every random source the examples use: tfjs initialisers, dropout and shuffles draw from Math.random when unseeded.
let installed: (() => number) | undefined;

/**
 * Replaces Math.random with a seeded PRNG (mulberry32) for this process, so model
 * initialisation (tfjs draws its seeds from Math.random), dropout masks and our
 * shuffles repeat exactly from run to run on the same backend.
 */
/** mulberry32: a small seeded generator (uniform in [0, 1)); the examples' one copy (tools/rng.ts is the tests'). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedEverything(seed: number): () => number {
  installed = mulberry32(seed);
  Math.random = installed;
  return installed;
}

/** Fisher-Yates shuffle of 0..n-1 with the seeded generator. */
export function permutation(n: number): Int32Array {
  const p = Int32Array.from({length: n}, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

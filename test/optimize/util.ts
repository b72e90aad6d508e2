// Test helpers for optimizeForInference: random weights including random batch-norm statistics, and a relative max-norm distance.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {mulberry32} from '../../tools/rng';

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export const rng = mulberry32;

/**
 * Gives every norm statistic and affine weight, and every bias, random values (fresh models have
 * mean 0, variance 1, γ 1, β 0, bias 0, under which a wrong fold would go unnoticed). Scales stay
 * away from 0 by at least 0.5 so outputs keep a sane range through deep nets; signs are random.
 */
export function randomizeNorms(model: LayersModel, seed = 1): void {
  const r = rng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  for (const w of model.weights) {
    const n = w.originalName, size = w.shape.reduce((a: number, d) => a * (d ?? 1), 1);
    let gen: (() => number) | null = null;
    if (/moving_mean$|running_mean$/.test(n)) gen = () => u(-0.3, 0.3);
    else if (/moving_variance$|running_var$/.test(n)) gen = () => u(0.5, 2);
    else if (/gamma$/.test(n)) gen = () => (r() < 0.2 ? -1 : 1) * u(0.5, 1.5);
    else if (/beta$|bias$/.test(n)) gen = () => u(-0.3, 0.3);
    if (!gen) continue;
    const v = new Float32Array(size).map(() => gen!());
    const t = tf.tensor(v, w.shape as number[]);
    w.write(t); // the variable takes the values by reference; drop our handle
    t.dispose();
  }
}

/** max |a − b| / max |a| over all elements (inf-norm relative distance). */
export function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync(), y = b.dataSync();
  if (x.length !== y.length) throw new Error(`relDiff: sizes ${x.length} vs ${y.length} (shapes [${a.shape}] vs [${b.shape}])`);
  let num = 0, den = 0;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(x[i]));
  }
  return num / Math.max(den, 1e-30);
}

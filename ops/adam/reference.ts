// Readable ground truth of one Adam step (tfjs-core's AdamOptimizer formula), float64.

/** value' = value − lr · m̂ / (√v̂ + eps), m̂ = m'/(1 − accBeta1), v̂ = v'/(1 − accBeta2), m' and v' the moving moments. */
export function adamRef(value: ArrayLike<number>, m: ArrayLike<number>, v: ArrayLike<number>, g: ArrayLike<number>,
    o: {learningRate: number; beta1: number; beta2: number; epsilon: number; accBeta1: number; accBeta2: number}) {
  const n = value.length;
  const nv = new Float64Array(n), nm = new Float64Array(n), ns = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    nm[i] = m[i] * o.beta1 + g[i] * (1 - o.beta1);
    ns[i] = v[i] * o.beta2 + g[i] * g[i] * (1 - o.beta2);
    nv[i] = value[i] - o.learningRate * (nm[i] / (1 - o.accBeta1)) / (Math.sqrt(ns[i] / (1 - o.accBeta2)) + o.epsilon);
  }
  return {value: nv, m: nm, v: ns};
}

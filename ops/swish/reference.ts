// Readable ground truth of swish and its gradient, float64.

/** y = x · σ(x), σ(x) = 1 / (1 + e^−x). */
export function swishRef(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v) => v / (1 + Math.exp(-v)));
}

/** dx = dy · (σ(x) + x·σ(x)·(1 − σ(x))). */
export function swishGradRef(x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v, i) => {
    const s = 1 / (1 + Math.exp(-v));
    return dy[i] * (s + v * s * (1 - s));
  });
}

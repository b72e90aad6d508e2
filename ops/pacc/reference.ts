// Readable ground truth of the PaCC op and its gradients: plain loops, float64 accumulation.
import type {PaccDirection} from './kernel_names';

export interface RefShape { n: number; h: number; w: number; c: number; }

/** Index of element [n,i,j,c] in a row-major NHWC buffer. */
const at = (s: RefShape, n: number, i: number, j: number, c: number) =>
  ((n * s.h + i) * s.w + j) * s.c + c;

/** x' = x + pe, pe [L,C] broadcast along the axis that is not convolved. */
function withPe(x: ArrayLike<number>, s: RefShape, dir: PaccDirection, pe?: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(x);
  if (!pe) return out;
  for (let n = 0; n < s.n; n++)
    for (let i = 0; i < s.h; i++)
      for (let j = 0; j < s.w; j++)
        for (let c = 0; c < s.c; c++) out[at(s, n, i, j, c)] += pe[(dir === 'h' ? i : j) * s.c + c];
  return out;
}

/** Element of x at spatial position (i, j) shifted by k along the conv axis, with wrap-around. */
function shifted(s: RefShape, dir: PaccDirection, n: number, i: number, j: number, c: number, k: number) {
  return dir === 'h' ? at(s, n, (i + k) % s.h, j, c) : at(s, n, i, (j + k) % s.w, c);
}

/** y[n,i,j,c] = bias[c] + sum_k filter[k,c] * x'[n,(i+k) mod H,j,c] (direction 'h'; 'w' alike). */
export function paccForwardRef(
    x: ArrayLike<number>, s: RefShape, filter: ArrayLike<number>, dir: PaccDirection,
    bias?: ArrayLike<number>, pe?: ArrayLike<number>): Float64Array {
  const xp = withPe(x, s, dir, pe);
  const L = dir === 'h' ? s.h : s.w;
  const y = new Float64Array(xp.length);
  for (let n = 0; n < s.n; n++)
    for (let i = 0; i < s.h; i++)
      for (let j = 0; j < s.w; j++)
        for (let c = 0; c < s.c; c++) {
          let acc = bias ? bias[c] : 0;
          for (let k = 0; k < L; k++) acc += filter[k * s.c + c] * xp[shifted(s, dir, n, i, j, c, k)];
          y[at(s, n, i, j, c)] = acc;
        }
  return y;
}

export interface PaccGradsRef { dx: Float64Array; dfilter: Float64Array; dbias: Float64Array; dpe: Float64Array; }

/** Gradients of sum(y * dy) with respect to every input (docs/op.md §2 closed forms). */
export function paccBackwardRef(
    x: ArrayLike<number>, s: RefShape, filter: ArrayLike<number>, dir: PaccDirection,
    dy: ArrayLike<number>, pe?: ArrayLike<number>): PaccGradsRef {
  const xp = withPe(x, s, dir, pe);
  const L = dir === 'h' ? s.h : s.w;
  const dx = new Float64Array(xp.length);
  const dfilter = new Float64Array(L * s.c);
  const dbias = new Float64Array(s.c);
  const dpe = new Float64Array(L * s.c);
  for (let n = 0; n < s.n; n++)
    for (let i = 0; i < s.h; i++)
      for (let j = 0; j < s.w; j++)
        for (let c = 0; c < s.c; c++) {
          const g = dy[at(s, n, i, j, c)];
          dbias[c] += g;
          for (let k = 0; k < L; k++) {
            const src = shifted(s, dir, n, i, j, c, k);
            // y[i] reads x'[i+k] with weight filter[k], so the gradient flows back the same edge.
            dx[src] += filter[k * s.c + c] * g;
            dfilter[k * s.c + c] += xp[src] * g;
          }
        }
  for (let n = 0; n < s.n; n++)
    for (let i = 0; i < s.h; i++)
      for (let j = 0; j < s.w; j++)
        for (let c = 0; c < s.c; c++) dpe[(dir === 'h' ? i : j) * s.c + c] += dx[at(s, n, i, j, c)];
  return {dx, dfilter, dbias, dpe};
}

// Packed (RGBA, 2×2 blocks) GLSL programs of the PaCC op for WebGL 2: four values per texel fetch, sizes as uniforms.
import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

/**
 * Same [rows, C] views as webgl_programs.ts, in tfjs' packed layout: a texel
 * holds rows (R, R+1) × channels (c, c+1) as (x, y) = row R, (z, w) = row R+1.
 * That is also the packed layout of an NHWC tensor when W is even, so packed
 * inputs from other ops are read in place. Each fragment computes one 2×2
 * output block, so one fetch feeds four multiply-adds where the unpacked
 * programs spend two fetches on one. Bit operations need GLSL ES 3 (WebGL 2).
 */
const MAX_LOOP = 1 << 30;

const ints = (...names: string[]) => names.map((name) => ({name, type: 'int' as const}));

/**
 * GLSL: rows S0 and S1 (channels c, c+1) of packed input `name` as vec4(S0.xy, S1.xy):
 * one fetch when they share a texel (the common case), two otherwise.
 */
function pairFn(name: string): string {
  const get = `get${name[0].toUpperCase()}${name.slice(1)}`;
  return `
    vec4 ${name}Pair(int s0, int s1, int c) {
      vec4 t = ${get}(s0, c);
      if ((s0 & 1) == 0 && s1 == s0 + 1) return t;
      vec4 u = ${get}(s1, c);
      return vec4((s0 & 1) == 0 ? t.xy : t.zw, (s1 & 1) == 0 ? u.xy : u.zw);
    }`;
}

/** GLSL: (o, i, q) of the row after (o, i, q) in the [outer, L, inner] row order. */
const NEXT_ROW = `
    void nextRow(inout int o, inout int i, inout int q) {
      q += 1;
      if (q == paccInner) { q = 0; i += 1; if (i == paccL) { i = 0; o += 1; } }
    }`;

/**
 * out[o,i,q,c] = init[i,c] + Σ_k w[k,c] · src[o, (i ± k) mod L, q, c] on 2×2
 * blocks; `forward` walks +k, the input gradient -k. Taps come two per fetch.
 */
export class PaccCircularPackedProgram implements GPGPUProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = true;
  customUniforms = ints('paccL', 'paccInner');

  constructor(rows: number, C: number, forward: boolean, withInit: boolean) {
    this.outputShape = [rows, C];
    this.variableNames = withInit ? ['src', 'taps', 'init'] : ['src', 'taps'];
    const step = (r: string) => forward
      ? `${r} += paccInner; if (${r} >= block) ${r} -= block;`
      : `${r} -= paccInner; if (${r} < 0) ${r} += block;`;
    const tap = (w: string) => `
          xs = srcPair(b0 + r0, b1 + r1, c);
          acc0 += ${w} * xs.xy;
          acc1 += ${w} * xs.zw;
          ${step('r0')}
          ${step('r1')}`;
    this.userCode = `
      // pacc:packed:${forward ? 'forward' : 'backprop-input'}
      ${pairFn('src')}
      ${NEXT_ROW}
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y;
        int block = paccL * paccInner;
        int o0 = rc.x / block;
        int rem = rc.x - o0 * block;
        int i0 = rem / paccInner;
        int q0 = rem - i0 * paccInner;
        int o1 = o0, i1 = i0, q1 = q0;
        nextRow(o1, i1, q1);
        int b0 = o0 * block + q0, b1 = o1 * block + q1;
        int r0 = i0 * paccInner, r1 = i1 * paccInner;
        ${withInit ? `
        vec4 t0 = getInit(i0, c), t1 = getInit(i1, c);
        vec2 acc0 = (i0 & 1) == 0 ? t0.xy : t0.zw;
        vec2 acc1 = (i1 & 1) == 0 ? t1.xy : t1.zw;` : `
        vec2 acc0 = vec2(0.0), acc1 = vec2(0.0);`}
        vec4 xs;
        for (int k = 0; k < ${MAX_LOOP}; k += 2) {
          if (k >= paccL) break;
          vec4 w = getTaps(k, c);
          ${tap('w.xy')}
          if (k + 1 < paccL) {
            ${tap('w.zw')}
          }
        }
        setOutput(vec4(acc0, acc1));
      }`;
  }
}

/** init[i,c] = bias[c] + Σ_k w[k,c]·pe[(i+k) mod L, c] on 2×2 blocks (see PaccInitProgram). */
export class PaccInitPackedProgram implements GPGPUProgram {
  variableNames = ['taps', 'bias', 'pe'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = true;
  customUniforms = ints('paccL', 'paccHasBias', 'paccHasPe');

  constructor(L: number, C: number) {
    this.outputShape = [L, C];
    const tap = (w: string) => `
            xs = pePair(p0, p1, c);
            acc0 += ${w} * xs.xy;
            acc1 += ${w} * xs.zw;
            p0 += 1; if (p0 == paccL) p0 = 0;
            p1 += 1; if (p1 == paccL) p1 = 0;`;
    this.userCode = `
      // pacc:packed:init
      ${pairFn('pe')}
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y;
        vec2 b = paccHasBias != 0 ? getBias(0, c).xy : vec2(0.0);
        vec2 acc0 = b, acc1 = b;
        if (paccHasPe != 0) {
          int p0 = rc.x;
          int p1 = p0 + 1 == paccL ? 0 : p0 + 1;
          vec4 xs;
          for (int k = 0; k < ${MAX_LOOP}; k += 2) {
            if (k >= paccL) break;
            vec4 w = getTaps(k, c);
            ${tap('w.xy')}
            if (k + 1 < paccL) {
              ${tap('w.zw')}
            }
          }
        }
        setOutput(vec4(acc0, acc1));
      }`;
  }
}

/** rowSum[i,c] = Σ_{o,q} dy[o,i,q,c]: what the pe term of the filter gradient needs. */
export class PaccRowSumPackedProgram implements GPGPUProgram {
  variableNames = ['dy'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = true;
  customUniforms = ints('paccL', 'paccOuter', 'paccInner');

  constructor(L: number, C: number) {
    this.outputShape = [L, C];
    this.userCode = `
      // pacc:packed:row-sum
      ${pairFn('dy')}
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y;
        int block = paccL * paccInner;
        int i1 = rc.x + 1 == paccL ? 0 : rc.x + 1;
        vec4 acc = vec4(0.0);
        for (int o = 0; o < ${MAX_LOOP}; o++) {
          if (o >= paccOuter) break;
          int s0 = o * block + rc.x * paccInner, s1 = o * block + i1 * paccInner;
          for (int q = 0; q < ${MAX_LOOP}; q++) {
            if (q >= paccInner) break;
            acc += dyPair(s0 + q, s1 + q, c);
          }
        }
        setOutput(acc);
      }`;
  }
}

/**
 * dw[k,c] = Σ_rows dy[row, c] · x[row shifted by k, c] on 2×2 blocks (taps k, k+1).
 * Rows are walked in texel pairs with running (o, i, q) counters, so the loop
 * has no division; partial sums are flushed every 32 pairs to keep float32
 * rounding small. With pe, Σ_i rowSum[i,c]·pe[(i+k) mod L, c] is added.
 */
export class PaccBackpropFilterPackedProgram implements GPGPUProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = true;
  customUniforms = ints('paccL', 'paccOuter', 'paccInner');

  constructor(L: number, C: number, withPe: boolean) {
    this.outputShape = [L, C];
    this.variableNames = withPe ? ['x', 'dy', 'pe', 'rowSum'] : ['x', 'dy'];
    this.userCode = `
      // pacc:packed:backprop-filter${withPe ? ':pe' : ''}
      ${pairFn('x')}
      ${withPe ? pairFn('pe') : ''}
      ${NEXT_ROW}
      void main() {
        ivec2 rc = getOutputCoords();
        int k0 = rc.x;
        int c = rc.y;
        int block = paccL * paccInner;
        int rows = paccOuter * block;
        vec2 acc0 = vec2(0.0), acc1 = vec2(0.0), part0 = vec2(0.0), part1 = vec2(0.0);
        int o = 0, i = 0, q = 0;
        for (int t = 0; t < ${MAX_LOOP}; t++) {
          int R = 2 * t;
          if (R >= rows) break;
          int o1 = o, i1 = i, q1 = q;
          nextRow(o1, i1, q1);
          vec4 g = getDy(R, c);
          if (R + 1 >= rows) g.zw = vec2(0.0);
          int a = i + k0; if (a >= paccL) a -= paccL;
          int b = i1 + k0; if (b >= paccL) b -= paccL;
          vec4 xs = xPair(o * block + a * paccInner + q, o1 * block + b * paccInner + q1, c);
          part0 += g.xy * xs.xy + g.zw * xs.zw;
          a += 1; if (a == paccL) a = 0;
          b += 1; if (b == paccL) b = 0;
          xs = xPair(o * block + a * paccInner + q, o1 * block + b * paccInner + q1, c);
          part1 += g.xy * xs.xy + g.zw * xs.zw;
          if ((t & 31) == 31) { acc0 += part0; acc1 += part1; part0 = vec2(0.0); part1 = vec2(0.0); }
          o = o1; i = i1; q = q1;
          nextRow(o, i, q);
        }
        acc0 += part0;
        acc1 += part1;
        ${withPe ? `
        int p0 = k0;
        int p1 = k0 + 1 == paccL ? 0 : k0 + 1;
        for (int r = 0; r < ${MAX_LOOP}; r++) {
          if (r >= paccL) break;
          vec4 s = getRowSum(r, c);
          vec2 sr = (r & 1) == 0 ? s.xy : s.zw;
          vec4 pv = pePair(p0, p1, c);
          acc0 += sr * pv.xy;
          acc1 += sr * pv.zw;
          p0 += 1; if (p0 == paccL) p0 = 0;
          p1 += 1; if (p1 == paccL) p1 = 0;
        }` : ''}
        setOutput(vec4(acc0, acc1));
      }`;
  }
}

/** dbias[c] = Σ_i rowSum[i,c] on packed texels: output [1, C] (row 0 of each texel). */
export class PaccColumnSumPackedProgram implements GPGPUProgram {
  variableNames = ['rowSum'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = true;
  customUniforms = ints('paccL');

  constructor(C: number) {
    this.outputShape = [1, C];
    this.userCode = `
      // pacc:packed:column-sum
      void main() {
        int c = getOutputCoords().y;
        vec2 acc = vec2(0.0);
        for (int i = 0; i < ${MAX_LOOP}; i += 2) {
          if (i >= paccL) break;
          vec4 s = getRowSum(i, c);
          acc += s.xy;
          // Row i+1 of an odd L is padding, not data.
          if (i + 1 < paccL) acc += s.zw;
        }
        setOutput(vec4(acc, 0.0, 0.0));
      }`;
  }
}

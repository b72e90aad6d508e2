// GLSL programs of the PaCC op for tfjs-backend-webgl: every size is a uniform, so one binary serves all shapes.
import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

/**
 * All programs see their tensors as flat 1-D views laid out [outer, L, inner, C]
 * (the conv axis has stride `rowLen = inner * C`). With 1-D views and shape
 * uniforms, tfjs keys a binary only by coarse texture traits (is a texture
 * one row or one column, is an input a scalar), never by a size, so a new
 * shape reuses the compiled shader instead of compiling another.
 *
 * Loops run to a constant bound and break at the uniform length: GLSL ES 1.0
 * (WebGL 1) only allows constant loop bounds, and WebGL 2 does not mind.
 */
const MAX_LOOP = 1 << 30;

/** The custom uniform values in the order of a program's `customUniforms`. */
export type UniformValues = number[][];

const ints = (...names: string[]) => names.map((name) => ({name, type: 'int' as const}));

/** Flat output index -> (o, i, qc, c) of the [outer, L, inner*C] layout. */
const DECODE = `
  int idx = getOutputCoords();
  int block = paccL * paccRowLen;
  int o = idx / block;
  int rem = idx - o * block;
  int i = rem / paccRowLen;
  int qc = rem - i * paccRowLen;
  int c = qc - (qc / paccC) * paccC;
  int base = o * block + qc;`;

/**
 * out[o,i,q,c] = init[i,c] + Σ_k w[k,c] · src[o, (i ± k) mod L, q, c].
 * `forward` walks +k (the op itself), otherwise -k (the input gradient, a
 * correlation with the taps reversed). The wrap is a compare and a subtract,
 * so no concatenated copy of the input ever exists.
 */
export class PaccCircularProgram implements GPGPUProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = true;
  customUniforms = ints('paccL', 'paccRowLen', 'paccC');

  constructor(size: number, forward: boolean, withInit: boolean) {
    this.outputShape = [size];
    this.variableNames = withInit ? ['src', 'taps', 'init'] : ['src', 'taps'];
    const step = forward
      ? 'r += paccRowLen; if (r >= block) r -= block;'
      : 'r -= paccRowLen; if (r < 0) r += block;';
    this.userCode = `
      // pacc:circular:${forward ? 'forward' : 'backprop-input'}
      void main() {
        ${DECODE}
        float acc = ${withInit ? 'getInit(i * paccC + c)' : '0.0'};
        int r = i * paccRowLen;
        for (int k = 0; k < ${MAX_LOOP}; k++) {
          if (k >= paccL) break;
          acc += getTaps(k * paccC + c) * getSrc(base + r);
          ${step}
        }
        setOutput(acc);
      }`;
  }
}

/**
 * The per-row initial value [L, C] of the forward op: bias[c] + Σ_k w[k,c]·pe[(i+k) mod L, c].
 * The pe term only depends on the row, so it is folded here once instead of
 * adding pe to every element of x.
 */
export class PaccInitProgram implements GPGPUProgram {
  variableNames = ['taps', 'bias', 'pe'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = true;
  customUniforms = ints('paccL', 'paccC', 'paccHasBias', 'paccHasPe');

  constructor(L: number, C: number) {
    this.outputShape = [L * C];
    this.userCode = `
      // pacc:init
      void main() {
        int idx = getOutputCoords();
        int i = idx / paccC;
        int c = idx - i * paccC;
        float acc = paccHasBias != 0 ? getBias(c) : 0.0;
        if (paccHasPe != 0) {
          int r = i;
          for (int k = 0; k < ${MAX_LOOP}; k++) {
            if (k >= paccL) break;
            acc += getTaps(k * paccC + c) * getPe(r * paccC + c);
            r += 1; if (r == paccL) r = 0;
          }
        }
        setOutput(acc);
      }`;
  }
}

/**
 * dw[k,c] = Σ_{o,i,q} dy[o,i,q,c] · (x + pe)[o, (i+k) mod L, q, c].
 * The pe part is pe[(i+k) mod L, c] times the row sum of dy, accumulated in
 * the same loop, so pe costs one fetch per row rather than one per element.
 */
export class PaccBackpropFilterProgram implements GPGPUProgram {
  variableNames = ['x', 'dy', 'pe'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = true;
  customUniforms = ints('paccL', 'paccC', 'paccRowLen', 'paccOuter', 'paccInner', 'paccHasPe');

  constructor(L: number, C: number) {
    this.outputShape = [L * C];
    this.userCode = `
      // pacc:backprop-filter
      void main() {
        int idx = getOutputCoords();
        int k = idx / paccC;
        int c = idx - k * paccC;
        int block = paccL * paccRowLen;
        float acc = 0.0;
        int r = k;
        for (int i = 0; i < ${MAX_LOOP}; i++) {
          if (i >= paccL) break;
          float s = 0.0;
          float sdy = 0.0;
          int yRow = i * paccRowLen + c;
          int xRow = r * paccRowLen + c;
          for (int o = 0; o < ${MAX_LOOP}; o++) {
            if (o >= paccOuter) break;
            int ob = o * block;
            for (int q = 0; q < ${MAX_LOOP}; q++) {
              if (q >= paccInner) break;
              int off = ob + q * paccC;
              float g = getDy(off + yRow);
              s += g * getX(off + xRow);
              sdy += g;
            }
          }
          acc += s;
          if (paccHasPe != 0) acc += getPe(r * paccC + c) * sdy;
          r += 1; if (r == paccL) r = 0;
        }
        setOutput(acc);
      }`;
  }
}

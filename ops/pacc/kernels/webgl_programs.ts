// GLSL programs of the PaCC op for tfjs-backend-webgl: every size is a uniform, so one binary serves all shapes.
import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

/**
 * All programs see their tensors as 2-D views [rows, C]: x and dy as
 * [outer * L * inner, C] (row = (o * L + i) * inner + q), filter and pe as
 * [L, C], bias as [1, C]. That is the texture layout tfjs gives an NHWC
 * tensor, so a fetch is a direct texel read at (row, c) with no index
 * division. With shape uniforms, tfjs keys a binary only by coarse texture
 * traits (does the texture match the view, is a side 1), never by a size, so
 * a new shape reuses the compiled shader.
 *
 * Loops run to a constant bound and break at the uniform length: GLSL ES 1.0
 * (WebGL 1) only allows constant loop bounds, and WebGL 2 does not mind.
 */
const MAX_LOOP = 1 << 30;

const ints = (...names: string[]) => names.map((name) => ({name, type: 'int' as const}));

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
  customUniforms = ints('paccL', 'paccInner');

  constructor(rows: number, C: number, forward: boolean, withInit: boolean) {
    this.outputShape = [rows, C];
    this.variableNames = withInit ? ['src', 'taps', 'init'] : ['src', 'taps'];
    const step = forward
      ? 'r += paccInner; if (r >= block) r -= block;'
      : 'r -= paccInner; if (r < 0) r += block;';
    this.userCode = `
      // pacc:circular:${forward ? 'forward' : 'backprop-input'}
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y;
        int block = paccL * paccInner;
        int o = rc.x / block;
        int rem = rc.x - o * block;
        int i = rem / paccInner;
        int base = o * block + rem - i * paccInner;
        float acc = ${withInit ? 'getInit(i, c)' : '0.0'};
        int r = i * paccInner;
        for (int k = 0; k < ${MAX_LOOP}; k++) {
          if (k >= paccL) break;
          acc += getTaps(k, c) * getSrc(base + r, c);
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
  customUniforms = ints('paccL', 'paccHasBias', 'paccHasPe');

  constructor(L: number, C: number) {
    this.outputShape = [L, C];
    this.userCode = `
      // pacc:init
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y;
        float acc = paccHasBias != 0 ? getBias(0, c) : 0.0;
        if (paccHasPe != 0) {
          int r = rc.x;
          for (int k = 0; k < ${MAX_LOOP}; k++) {
            if (k >= paccL) break;
            acc += getTaps(k, c) * getPe(r, c);
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
  customUniforms = ints('paccL', 'paccOuter', 'paccInner', 'paccHasPe');

  constructor(L: number, C: number) {
    this.outputShape = [L, C];
    this.userCode = `
      // pacc:backprop-filter
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y;
        int block = paccL * paccInner;
        float acc = 0.0;
        int r = rc.x;
        for (int i = 0; i < ${MAX_LOOP}; i++) {
          if (i >= paccL) break;
          float s = 0.0;
          float sdy = 0.0;
          int yRow = i * paccInner;
          int xRow = r * paccInner;
          for (int o = 0; o < ${MAX_LOOP}; o++) {
            if (o >= paccOuter) break;
            int ob = o * block;
            for (int q = 0; q < ${MAX_LOOP}; q++) {
              if (q >= paccInner) break;
              float g = getDy(ob + yRow + q, c);
              s += g * getX(ob + xRow + q, c);
              sdy += g;
            }
          }
          acc += s;
          if (paccHasPe != 0) acc += getPe(r, c) * sdy;
          r += 1; if (r == paccL) r = 0;
        }
        setOutput(acc);
      }`;
  }
}

/**
 * rowSum[i,c] = Σ_{o,q} dy[o,i,q,c], [L, C]: the sums over the axes the pe and
 * bias are broadcast along, from which the bias and pe gradients follow.
 */
export class PaccRowSumProgram implements GPGPUProgram {
  variableNames = ['dy'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = true;
  customUniforms = ints('paccL', 'paccOuter', 'paccInner');

  constructor(L: number, C: number) {
    this.outputShape = [L, C];
    this.userCode = `
      // pacc:row-sum
      void main() {
        ivec2 rc = getOutputCoords();
        int c = rc.y;
        int block = paccL * paccInner;
        int row = rc.x * paccInner;
        float acc = 0.0;
        for (int o = 0; o < ${MAX_LOOP}; o++) {
          if (o >= paccOuter) break;
          float part = 0.0;
          for (int q = 0; q < ${MAX_LOOP}; q++) {
            if (q >= paccInner) break;
            part += getDy(row + q, c);
          }
          acc += part;
          row += block;
        }
        setOutput(acc);
      }`;
  }
}

/** dbias[c] = Σ_i rowSum[i,c]: output [1, C]. */
export class PaccColumnSumProgram implements GPGPUProgram {
  variableNames = ['rowSum'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = true;
  customUniforms = ints('paccL');

  constructor(C: number) {
    this.outputShape = [1, C];
    this.userCode = `
      // pacc:column-sum
      void main() {
        int c = getOutputCoords().y;
        float acc = 0.0;
        for (int i = 0; i < ${MAX_LOOP}; i++) {
          if (i >= paccL) break;
          acc += getRowSum(i, c);
        }
        setOutput(acc);
      }`;
  }
}

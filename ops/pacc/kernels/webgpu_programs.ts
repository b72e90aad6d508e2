// WGSL programs of the PaCC op for tfjs-backend-webgpu: sizes are uniforms, so one pipeline serves every shape.
import type {WebGPUProgram} from '@tensorflow/tfjs-backend-webgpu';

/**
 * Every program reads its storage buffers directly by flat NHWC index in the
 * layout [outer, L, inner, C] of `paccLayout` ('h': [N, H, W, C], 'w':
 * [N·H, W, 1, C]), so one program serves both directions. With `cp = 4`
 * (C divisible by 4) every buffer is bound as `array<vec4<f32>>` and one
 * invocation computes four channels: a load feeds four multiply-adds.
 *
 * tfjs keys a compiled pipeline by `shaderKey` plus the ranks, dtypes,
 * broadcast pattern and flat-dispatch flag of the bindings, never by a size:
 * L, inner, outer and the channel count (in vectors) are uniforms. So each
 * program has one pipeline per (cp, variant), whatever the shape.
 */
export type Components = 1 | 4;

/** Threads per workgroup: a multiple of every vendor's SIMD width (32/64), tfjs' usual choice for elementwise ops. */
const WORKGROUP = 64;

const ty = (cp: Components) => (cp === 4 ? 'vec4<f32>' : 'f32');

/** Shared bits of every program: flat 1-D dispatch over the output vectors (`size` uniform guards the tail). */
abstract class PaccProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: {x: number[]};
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  outputComponent: number;
  size = true;
  abstract uniforms: string;

  constructor(outputShape: number[], cp: Components, variableNames: string[], key: string) {
    this.outputShape = outputShape;
    this.outputComponent = cp;
    this.variableNames = variableNames;
    this.shaderKey = `pacc_${key}_cp${cp}`;
    this.dispatchLayout = {x: outputShape.map((_, i) => i)};
    const vectors = outputShape.reduce((a, b) => a * b, 1) / cp;
    // tfjs folds a dispatch over the per-dimension limit into 2-D/3-D itself.
    this.dispatch = [Math.ceil(vectors / WORKGROUP), 1, 1];
  }

  abstract getUserCode(): string;
}

/** How the forward output starts: 0, bias[c], or the folded init[i, c] = bias + Σ_k w·pe. */
export type ForwardStart = 'zero' | 'bias' | 'init';

/**
 * out[o,i,q,c] = start + Σ_k w[k,c] · src[o, (i ± k) mod L, q, c].
 * `forward` walks +k (the op), otherwise -k (the input gradient: a correlation
 * with the taps reversed). The wrap is a compare and a subtract on a running
 * row offset: no concatenated copy of the input exists and the loop divides
 * nothing. Four taps per pass keep four independent accumulator chains.
 * Uniforms: paccL, paccInner, paccCv (C / cp).
 */
export class PaccCircularProgram extends PaccProgram {
  uniforms = 'paccL : i32, paccInner : i32, paccCv : i32,';
  private readonly forward: boolean;
  private readonly start: ForwardStart;
  private readonly cp: Components;

  constructor(shape: number[], cp: Components, forward: boolean, start: ForwardStart) {
    const names = start === 'zero' ? ['src', 'taps'] : ['src', 'taps', start];
    super(shape, cp, names, `circular_${forward ? 'forward' : 'backprop_input'}_${start}`);
    this.forward = forward;
    this.start = start;
    this.cp = cp;
  }

  getUserCode(): string {
    const t = ty(this.cp);
    const step = this.forward
      ? 'r = r + rowStride; if (r >= span) { r = r - span; }'
      : 'r = r - rowStride; if (r < 0) { r = r + span; }';
    const start = {zero: `${t}(0.0)`, bias: 'bias[c]', init: 'init[i * cv + c]'}[this.start];
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let L = uniforms.paccL;
        let inner = uniforms.paccInner;
        let cv = uniforms.paccCv;
        let c = index % cv;
        let row = index / cv;
        let block = L * inner;
        let o = row / block;
        let rem = row - o * block;
        let i = rem / inner;
        let q = rem - i * inner;
        let rowStride = inner * cv;
        let span = L * rowStride;
        let base = o * span + q * cv + c;
        var r = i * rowStride;
        var a0 = ${start};
        var a1 = ${t}(0.0);
        var a2 = ${t}(0.0);
        var a3 = ${t}(0.0);
        var k = 0;
        loop {
          if (k + 3 >= L) { break; }
          a0 = a0 + taps[k * cv + c] * src[base + r]; ${step}
          a1 = a1 + taps[(k + 1) * cv + c] * src[base + r]; ${step}
          a2 = a2 + taps[(k + 2) * cv + c] * src[base + r]; ${step}
          a3 = a3 + taps[(k + 3) * cv + c] * src[base + r]; ${step}
          k = k + 4;
        }
        loop {
          if (k >= L) { break; }
          a0 = a0 + taps[k * cv + c] * src[base + r]; ${step}
          k = k + 1;
        }
        result[index] = (a0 + a1) + (a2 + a3);
      }`;
  }
}

/**
 * The forward op's per-row start [L, C]: bias[c] + Σ_k w[k,c]·pe[(i+k) mod L, c].
 * The pe term depends only on the row, so it is folded once per call instead
 * of adding pe to every element of x. Uniforms: paccL, paccCv, paccHasBias.
 */
export class PaccInitProgram extends PaccProgram {
  uniforms = 'paccL : i32, paccCv : i32, paccHasBias : i32,';
  private readonly cp: Components;

  constructor(L: number, C: number, cp: Components) {
    super([L, C], cp, ['taps', 'bias', 'pe'], 'init');
    this.cp = cp;
  }

  getUserCode(): string {
    const t = ty(this.cp);
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let L = uniforms.paccL;
        let cv = uniforms.paccCv;
        let c = index % cv;
        let i = index / cv;
        var acc = ${t}(0.0);
        if (uniforms.paccHasBias != 0) { acc = bias[c]; }
        var s = i;
        for (var k = 0; k < L; k = k + 1) {
          acc = acc + taps[k * cv + c] * pe[s * cv + c];
          s = s + 1;
          if (s == L) { s = 0; }
        }
        result[index] = acc;
      }`;
  }
}

/**
 * dfilter[k,c] = Σ_{o,i,q} dy[o,i,q,c] · (x[o,(i+k) mod L,q,c] + pe[(i+k) mod L,c]).
 * One invocation per (k, c-vector). The pe term costs one add per element:
 * the row sum of dy is accumulated beside the x products and multiplied by
 * pe once per row. Partial sums per row keep float32 rounding small (each
 * row adds outer·inner products, then the L row totals are summed).
 * Uniforms: paccL, paccOuter, paccInner, paccCv.
 */
export class PaccBackpropFilterProgram extends PaccProgram {
  uniforms = 'paccL : i32, paccOuter : i32, paccInner : i32, paccCv : i32,';
  private readonly withPe: boolean;
  private readonly cp: Components;

  constructor(L: number, C: number, cp: Components, withPe: boolean) {
    super([L, C], cp, withPe ? ['x', 'dy', 'pe'] : ['x', 'dy'], `backprop_filter${withPe ? '_pe' : ''}`);
    this.withPe = withPe;
    this.cp = cp;
  }

  getUserCode(): string {
    const t = ty(this.cp);
    const pe = this.withPe;
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let L = uniforms.paccL;
        let outer = uniforms.paccOuter;
        let inner = uniforms.paccInner;
        let cv = uniforms.paccCv;
        let c = index % cv;
        let k = index / cv;
        let rowStride = inner * cv;
        let span = L * rowStride;
        var acc = ${t}(0.0);
        var s = k;
        for (var i = 0; i < L; i = i + 1) {
          var part = ${t}(0.0);
          ${pe ? `var rs = ${t}(0.0);` : ''}
          let dRow = i * rowStride + c;
          let xRow = s * rowStride + c;
          for (var o = 0; o < outer; o = o + 1) {
            let ob = o * span;
            for (var q = 0; q < rowStride; q = q + cv) {
              let d = dy[ob + dRow + q];
              part = part + d * x[ob + xRow + q];
              ${pe ? 'rs = rs + d;' : ''}
            }
          }
          acc = acc + ${pe ? 'part + rs * pe[s * cv + c]' : 'part'};
          s = s + 1;
          if (s == L) { s = 0; }
        }
        result[index] = acc;
      }`;
  }
}

/**
 * rowSum[i,c] = Σ_{o,q} dy[o,i,q,c], [L, C]: the sums over the axes bias and pe
 * are broadcast along. One invocation per (i, c-vector) walks its rows with a
 * running offset; per-o partial sums keep float32 rounding small. No workgroup
 * barriers (the stock Sum's shared-memory tree is what costs on SwiftShader).
 * Uniforms: paccL, paccOuter, paccInner, paccCv.
 */
export class PaccRowSumProgram extends PaccProgram {
  uniforms = 'paccL : i32, paccOuter : i32, paccInner : i32, paccCv : i32,';
  private readonly cp: Components;

  constructor(L: number, C: number, cp: Components) {
    super([L, C], cp, ['dy'], 'row_sum');
    this.cp = cp;
  }

  getUserCode(): string {
    const t = ty(this.cp);
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let L = uniforms.paccL;
        let cv = uniforms.paccCv;
        let c = index % cv;
        let i = index / cv;
        let rowStride = uniforms.paccInner * cv;
        let span = L * rowStride;
        var acc = ${t}(0.0);
        var base = i * rowStride + c;
        for (var o = 0; o < uniforms.paccOuter; o = o + 1) {
          var part = ${t}(0.0);
          for (var q = 0; q < rowStride; q = q + cv) {
            part = part + dy[base + q];
          }
          acc = acc + part;
          base = base + span;
        }
        result[index] = acc;
      }`;
  }
}

/** dbias[c] = Σ_i rowSum[i,c], [C]. Uniforms: paccL, paccCv. */
export class PaccColumnSumProgram extends PaccProgram {
  uniforms = 'paccL : i32, paccCv : i32,';
  private readonly cp: Components;

  constructor(C: number, cp: Components) {
    super([C], cp, ['rowSum'], 'column_sum');
    this.cp = cp;
  }

  getUserCode(): string {
    const t = ty(this.cp);
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let cv = uniforms.paccCv;
        var acc = ${t}(0.0);
        for (var i = 0; i < uniforms.paccL; i = i + 1) {
          acc = acc + rowSum[i * cv + index];
        }
        result[index] = acc;
      }`;
  }
}

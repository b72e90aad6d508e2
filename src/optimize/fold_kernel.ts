// Folding per-channel affine maps into conv kernels: a batch norm after the conv (output side) or before it (input side, no padding).
import type {Affine} from './affine';
import type {FusedConvKind} from './fused_conv2d';

/** A conv kernel in float64 with its layout: [kh, kw, A, B] (see channelsOf). */
export interface KernelData {
  kind: FusedConvKind;
  shape: [number, number, number, number];
  kernel: Float64Array;
  /** Per output channel; null = no bias yet. */
  bias: Float64Array | null;
  /** Grouped convs: G. */
  groups: number;
}

export const outChannels = (k: KernelData) => (k.kind === 'depthwise' ? k.shape[2] * k.shape[3] : k.shape[3]);
export const inChannels = (k: KernelData) => (k.kind === 'grouped' ? k.shape[2] * k.groups : k.shape[2]);

/** Input and output channel of kernel element j. conv [kh,kw,Cin,Cout]; depthwise [kh,kw,C,mult]; grouped [kh,kw,Cin/G,Cout]. */
function channels(k: KernelData, j: number): [number, number] {
  const [, , a, b] = k.shape;
  const ai = Math.floor(j / b) % a, bi = j % b;
  if (k.kind === 'conv') return [ai, bi];
  if (k.kind === 'depthwise') return [ai, ai * b + bi];
  const perGroupOut = b / k.groups;
  return [Math.floor(bi / perGroupOut) * a + ai, bi];
}

/** y = affine(conv(x)): scales each output channel of the kernel and bias, adds the shift to the bias. */
export function foldOutputAffine(k: KernelData, a: Affine): KernelData {
  const co = outChannels(k);
  if (a.scale.length !== co) throw new Error(`foldOutputAffine: affine of ${a.scale.length} channels after a conv with ${co} outputs (kernel [${k.shape}])`);
  const kernel = new Float64Array(k.kernel.length);
  for (let j = 0; j < kernel.length; j++) kernel[j] = k.kernel[j] * a.scale[channels(k, j)[1]];
  const bias = new Float64Array(co);
  for (let c = 0; c < co; c++) bias[c] = (k.bias ? k.bias[c] : 0) * a.scale[c] + a.shift[c];
  return {...k, kernel, bias};
}

/**
 * y = conv(affine(x)) for a conv without padding (so every tap reads a real input pixel): the scale
 * goes into each input channel of the kernel and conv(shift) — a constant per output channel — into the bias.
 */
export function foldInputAffine(k: KernelData, a: Affine): KernelData {
  const ci = inChannels(k);
  if (a.scale.length !== ci) throw new Error(`foldInputAffine: affine of ${a.scale.length} channels before a conv with ${ci} inputs (kernel [${k.shape}])`);
  const kernel = new Float64Array(k.kernel.length);
  const bias = k.bias ? Float64Array.from(k.bias) : new Float64Array(outChannels(k));
  for (let j = 0; j < kernel.length; j++) {
    const [i, o] = channels(k, j);
    bias[o] += k.kernel[j] * a.shift[i];
    kernel[j] = k.kernel[j] * a.scale[i];
  }
  return {...k, kernel, bias};
}

/** y = x·W + b with W [in, out] (row-major) after an affine on x: W rows scaled, b += shift·W. */
export function foldInputAffineDense(kernel: Float64Array, bias: Float64Array | null, nIn: number, nOut: number, a: Affine): {kernel: Float64Array; bias: Float64Array} {
  if (a.scale.length !== nIn) throw new Error(`foldInputAffineDense: affine of ${a.scale.length} channels before a dense layer with ${nIn} inputs`);
  const k = new Float64Array(kernel.length), b = bias ? Float64Array.from(bias) : new Float64Array(nOut);
  for (let i = 0; i < nIn; i++) {
    for (let o = 0; o < nOut; o++) {
      b[o] += kernel[i * nOut + o] * a.shift[i];
      k[i * nOut + o] = kernel[i * nOut + o] * a.scale[i];
    }
  }
  return {kernel: k, bias: b};
}

/** y = affine(x·W + b): W columns and b scaled, shift added. */
export function foldOutputAffineDense(kernel: Float64Array, bias: Float64Array | null, nIn: number, nOut: number, a: Affine): {kernel: Float64Array; bias: Float64Array} {
  if (a.scale.length !== nOut) throw new Error(`foldOutputAffineDense: affine of ${a.scale.length} channels after a dense layer with ${nOut} outputs`);
  const k = new Float64Array(kernel.length), b = new Float64Array(nOut);
  for (let j = 0; j < k.length; j++) k[j] = kernel[j] * a.scale[j % nOut];
  for (let o = 0; o < nOut; o++) b[o] = (bias ? bias[o] : 0) * a.scale[o] + a.shift[o];
  return {kernel: k, bias: b};
}

// Weight quantisation in tfjs's own format (weightsManifest `quantization: {dtype, min?, scale?}`), browser-safe.
import type {io} from '@tensorflow/tfjs-core';

/** The quantisations tfjs dequantises on load: affine uint8/uint16 (min + q·scale) and IEEE half. */
export type WeightQuantization = 'uint8' | 'uint16' | 'float16';
export const WEIGHT_QUANTIZATIONS: readonly WeightQuantization[] = ['uint8', 'uint16', 'float16'];

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even, with subnormals, infinities and NaN. */
export function float16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let v = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (v & 1))) v++;
    return sign | v;
  }
  let v = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (v & 1))) {
    v++;
    if (v === 0x400) { v = 0; e++; if (e >= 31) return sign | 0x7c00; }
  }
  return sign | (e << 10) | v;
}

/**
 * Affine range for `levels` steps covering [lo, hi], nudged so that 0 is exactly representable
 * (as tensorflowjs_converter does): zero weights and zero padding stay exactly zero after loading.
 */
export function affineRange(lo: number, hi: number, levels: number): {min: number; scale: number} {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  if (hi === lo) return {min: 0, scale: 1};
  const scale = (hi - lo) / levels;
  const zeroPoint = Math.min(levels, Math.max(0, Math.round(-lo / scale)));
  return {min: zeroPoint ? -zeroPoint * scale : 0, scale};
}

function quantiseOne(src: Float32Array, dtype: WeightQuantization): {bytes: Uint8Array; quantization: NonNullable<io.WeightsManifestEntry['quantization']>} {
  if (dtype === 'float16') {
    const half = new Uint16Array(src.length);
    for (let i = 0; i < src.length; i++) half[i] = float16Bits(src[i]);
    return {bytes: new Uint8Array(half.buffer), quantization: {dtype}};
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of src) {
    if (!Number.isFinite(v)) throw new Error(`quantise: ${dtype} needs finite weights, found ${v}`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const levels = dtype === 'uint8' ? 255 : 65535;
  const {min, scale} = affineRange(src.length ? lo : 0, src.length ? hi : 0, levels);
  const q = dtype === 'uint8' ? new Uint8Array(src.length) : new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) q[i] = Math.min(levels, Math.max(0, Math.round((src[i] - min) / scale)));
  return {bytes: new Uint8Array(q.buffer), quantization: {dtype, min, scale}};
}

/**
 * Re-encodes the float32 weights of a weightsManifest group (`specs` + their concatenated `data`)
 * as `dtype`, marking each spec with its `quantization` so `tf.loadLayersModel` dequantises to
 * float32 on load. int32 / bool weights are copied unchanged.
 */
export function quantizeWeights(specs: io.WeightsManifestEntry[], data: ArrayBuffer, dtype: WeightQuantization): {specs: io.WeightsManifestEntry[]; data: Uint8Array} {
  if (!WEIGHT_QUANTIZATIONS.includes(dtype)) throw new Error(`quantise: dtype must be one of ${WEIGHT_QUANTIZATIONS.join(', ')}, got '${dtype}'`);
  const parts: Uint8Array[] = [];
  const out: io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = n * (spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : spec.dtype === 'bool' ? 1 : NaN);
    if (!Number.isFinite(bytes) || spec.quantization) throw new Error(`quantise: cannot quantise weight '${spec.name}' of dtype ${spec.dtype}${spec.quantization ? ' (already quantised)' : ''}`);
    if (offset + bytes > data.byteLength) throw new Error(`quantise: weight '${spec.name}' [${spec.shape}] ends at byte ${offset + bytes}, past the ${data.byteLength} bytes of weight data`);
    const chunk = new Uint8Array(data, offset, bytes);
    offset += bytes;
    if (spec.dtype !== 'float32') { parts.push(chunk); out.push(spec); continue; }
    const {bytes: q, quantization} = quantiseOne(new Float32Array(data.slice(chunk.byteOffset, chunk.byteOffset + bytes)), dtype);
    parts.push(q);
    out.push({...spec, quantization});
  }
  const merged = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { merged.set(p, at); at += p.length; }
  return {specs: out, data: merged};
}

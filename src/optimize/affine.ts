// Per-channel affine maps (y = s·x + t) read from normalisation layers, computed in float64 for exact folding.
import type {layers} from '@tensorflow/tfjs-layers';

type Layer = layers.Layer;

/** y[..., c] = scale[c] · x[..., c] + shift[c]. */
export interface Affine {
  scale: Float64Array;
  shift: Float64Array;
}

/** The layer's weights by their name inside the layer (`gamma`, `pre_Norm_1/beta`, ...), as float64 arrays. */
export function weightValues(layer: Layer): Map<string, {shape: number[]; data: Float64Array}> {
  const out = new Map<string, {shape: number[]; data: Float64Array}>();
  const prefix = `${layer.name}/`;
  for (const w of layer.weights) {
    const name = w.originalName.startsWith(prefix) ? w.originalName.slice(prefix.length) : w.originalName;
    out.set(name, {shape: w.shape as number[], data: Float64Array.from(w.read().dataSync())});
  }
  return out;
}

/**
 * The eval-mode affine map of a batch norm with weights `<prefix>gamma|beta|moving_mean|moving_variance`
 * (gamma / beta may be absent when the layer has scale / center off): s = γ/√(var+ε), t = β − mean·s.
 */
export function batchNormAffine(w: Map<string, {data: Float64Array}>, epsilon: number, prefix = ''): Affine {
  const mean = w.get(`${prefix}moving_mean`)?.data, variance = w.get(`${prefix}moving_variance`)?.data;
  if (!mean || !variance) throw new Error(`batchNormAffine: no moving statistics '${prefix}moving_mean' / '${prefix}moving_variance' among [${[...w.keys()]}]`);
  const gamma = w.get(`${prefix}gamma`)?.data, beta = w.get(`${prefix}beta`)?.data;
  const c = mean.length, scale = new Float64Array(c), shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + epsilon);
    shift[i] = (beta ? beta[i] : 0) - mean[i] * scale[i];
  }
  return {scale, shift};
}

/** The affine map of a stock tfjs-layers BatchNormalization on the last axis, or null if it is not foldable. */
export function stockBatchNormAffine(layer: Layer): Affine | null {
  const cfg = layer.getConfig() as {axis?: number; epsilon?: number};
  const rank = layer.inboundNodes[0]?.inputTensors[0]?.shape.length;
  const axis = cfg.axis ?? -1;
  if (rank == null || !(axis === -1 || axis === rank - 1)) return null;
  return batchNormAffine(weightValues(layer), cfg.epsilon ?? 1e-3);
}

/** True when every scale is finite and non-zero (needed to move the shift in front of a linear op as t/s). */
export const invertible = (a: Affine) => a.scale.every((s) => Number.isFinite(s) && s !== 0) && a.shift.every(Number.isFinite);

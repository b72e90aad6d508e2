// Test helper: rebuilds the formula state_dict and input of scripts/oracle/ssd_oracle.py (same numbers) and writes it as a torch.save checkpoint.
import * as pacc from '../../src/index';
import {WriteTensor, writeTorchCheckpoint} from '../converters/torch_writer';
import {fixtureReader, loadFixture} from '../util/fixtures';

export interface OracleCase {
  name: string;
  attrs: {input_hw: [number, number]; num_priors: number; num_classes: number; bn_calibration: [string, number, number][];
    fp32_vs_fp64_max_abs: {confidences: number; locations: number}};
  locations: Float32Array;
  confidencesSubset: Float32Array;
  subsetIndex: number[];
  bnMeans: Float32Array;
}

export async function loadOracleCase(name: string): Promise<OracleCase> {
  const fx = await loadFixture(fixtureReader('det'), name);
  const t = (k: string) => fx.tensors[k].data;
  return {name, attrs: fx.attrs as OracleCase['attrs'], locations: t('locations'), confidencesSubset: t('confidences_subset'),
    subsetIndex: Array.from(t('subset_index')), bnMeans: t('bn_means')};
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** `formula_value` of the oracle (float64), for every tensor but the running means. */
function formulaValues(key: string, shape: number[], bnVar?: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const phase = fnv1a(key) / 4294967296 * 2 * Math.PI;
  const leaf = key.slice(key.lastIndexOf('.') + 1);
  const out = new Float32Array(n);
  let scale = 0, offset = 0;
  if (leaf === 'running_var') { scale = 0.3 * bnVar!; offset = bnVar!; }
  else if (leaf === 'bias') scale = 0.1;
  else if (key.includes('meta_pe')) scale = 0.5;
  else if (shape.length === 1 && leaf === 'weight') { scale = 0.2; offset = 1; }
  else {
    const fanIn = key.includes('meta_kernel') ? Math.max(shape[2], shape[3]) : shape.slice(1).reduce((a, b) => a * b, 1);
    scale = Math.sqrt(1 / fanIn);
  }
  for (let i = 0; i < n; i++) {
    const s = Math.sin(0.61803398875 * i + phase);
    // Same float64 expression order as the oracle: v*(1+0.3s), 1+0.2s, c*s.
    out[i] = leaf === 'running_var' ? bnVar! * (1 + 0.3 * s) : offset === 1 ? 1 + 0.2 * s : scale * s;
  }
  return out;
}

/**
 * The oracle's state_dict for `backbone` in key-map order (BN modules also get `num_batches_tracked`).
 * `residual`: how EdgeFormer's `encoder.residual.*` alias of `encoder.layer_5.0.*` is written —
 * 'shared' (same storage, as `torch.save(model.state_dict())`), 'copy' (separate equal tensors) or 'none'.
 */
export function oracleStateDict(backbone: string, c: OracleCase, residual: 'shared' | 'copy' | 'none'): [string, WriteTensor][] {
  const map = pacc.models.ssdTorchKeyMap(backbone, 81);
  const bn = new Map<string, {v: number; means: Float32Array}>();
  let off = 0;
  for (const [name, v, ch] of c.attrs.bn_calibration) {
    bn.set(name, {v, means: c.bnMeans.subarray(off, off + ch)});
    off += ch;
  }
  if (off !== c.bnMeans.length) throw new Error(`bn_means has ${c.bnMeans.length} values, calibration lists ${off}`);
  const out: [string, WriteTensor][] = [];
  for (const e of map.entries) {
    const mod = e.torchKey.slice(0, e.torchKey.lastIndexOf('.'));
    const leaf = e.torchKey.slice(mod.length + 1);
    let data: Float32Array;
    if (leaf === 'running_mean') data = bn.get(mod)!.means;
    else if (leaf === 'running_var') data = formulaValues(e.torchKey, e.torchShape, bn.get(mod)!.v);
    else data = formulaValues(e.torchKey, e.torchShape);
    out.push([e.torchKey, {dtype: 'float32', storage: data, shape: e.torchShape, storageKey: e.torchKey}]);
    if (leaf === 'running_var') out.push([`${mod}.num_batches_tracked`, {dtype: 'int64', storage: [0], shape: []}]);
  }
  if (residual !== 'none') {
    for (const [k, t] of out.filter(([k]) => k.startsWith('encoder.layer_5.0.'))) {
      const alias = 'encoder.residual.' + k.slice('encoder.layer_5.0.'.length);
      out.push([alias, residual === 'shared' ? t : {...t, storage: Float32Array.from(t.storage), storageKey: undefined}]);
    }
  }
  return out;
}

/** The oracle's checkpoint bytes (OrderedDict, or a plain dict like the released checkpoint_ema_avg.pt). */
export function oracleCheckpoint(backbone: string, c: OracleCase, opts: {ordered: boolean; residual: 'shared' | 'copy' | 'none'}): Uint8Array {
  return writeTorchCheckpoint(oracleStateDict(backbone, c, opts.residual), {ordered: opts.ordered});
}

/** The oracle's input image as NHWC [1, H, W, 3] float32 values. */
export function oracleImage(h: number, w: number): Float32Array {
  const out = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = 0.5 + 0.45 * Math.sin(0.11 * y + 0.07 * x + 1.3 * c) * Math.cos(0.05 * x - 0.03 * y * c);
    }
  }
  return out;
}

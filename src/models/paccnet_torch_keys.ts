// PyTorch state_dict key map of PaCC-Net / EdgeFormer (contract in torch_keymap.ts), derived from the same stage configs as the model.
import {caReduction} from '../layers/pacc_block';
import {makeDivisible} from './blocks/inverted_residual';
import {gcd} from './blocks/outer_frame';
import {PACCNET_CONFIGS, PaccNetConfig, PaccNetVariant} from './paccnet_configs';
import {TorchKeyEntry, TorchKeyMap, TorchTransform} from './torch_keymap';

const BN_SUFFIX: [string, string][] = [['weight', 'gamma'], ['bias', 'beta'], ['running_mean', 'moving_mean'], ['running_var', 'moving_variance']];

/** A BN module `torchPrefix` (PyTorch) stored as tfjs weights `tfjsPrefix/{gamma,beta,moving_mean,moving_variance}`. */
export function batchNormEntries(torchPrefix: string, tfjsPrefix: string, c: number): TorchKeyEntry[] {
  return BN_SUFFIX.map(([t, j]) => ({torchKey: `${torchPrefix}.${t}`, torchShape: [c], tfjsName: `${tfjsPrefix}/${j}`, transform: 'identity' as const}));
}

/** A cvnets ConvLayer built by `convLayer(x, {name})`: `<name>.block.conv` (+ `.norm`). */
export function convLayerEntries(name: string, cin: number, cout: number, k: number, groups = 1, useNorm = true): TorchKeyEntry[] {
  const depthwise = groups > 1 && groups === cin && groups === cout;
  const conv: TorchKeyEntry = {
    torchKey: `${name}.block.conv.weight`, torchShape: [cout, cin / groups, k, k],
    tfjsName: `${name}.block.conv/${depthwise ? 'depthwise_kernel' : 'kernel'}`, transform: depthwise ? 'depthwise' : 'conv',
  };
  return useNorm ? [conv, ...batchNormEntries(`${name}.block.norm`, `${name}.block.norm`, cout)] : [conv];
}

/** A MobileNetV2 block built by `invertedResidual(x, {name})`. */
export function invertedResidualEntries(name: string, inC: number, outC: number, expand: number): TorchKeyEntry[] {
  const hidden = makeDivisible(Math.round(inC * expand), 8);
  return [
    ...(expand !== 1 ? convLayerEntries(`${name}.block.exp_1x1`, inC, hidden, 1) : []),
    ...convLayerEntries(`${name}.block.conv_3x3`, hidden, hidden, 3, hidden),
    ...convLayerEntries(`${name}.block.red_1x1`, hidden, outC, 1),
  ];
}

/**
 * One gcc_ca_mf_block: PyTorch keys `<torchPrefix>.<sub>` → weights of the PaccBlock layer named
 * `layerName` (`<layerName>/meta_kernel_1_H`, `<layerName>/ffn.1/kernel`, ...). `torchPrefix` may be
 * '' for a bare block state_dict.
 */
export function paccBlockEntries(torchPrefix: string, layerName: string, d: number, m: number, f: number, usePe: boolean): TorchKeyEntry[] {
  const t = (k: string) => (torchPrefix ? `${torchPrefix}.${k}` : k);
  const j = (k: string) => `${layerName}/${k}`;
  const c2 = 2 * d, r = caReduction(d);
  const e = (k: string, shape: number[], name: string, transform: TorchTransform): TorchKeyEntry =>
    ({torchKey: t(k), torchShape: shape, tfjsName: j(name), transform});
  const out: TorchKeyEntry[] = [];
  for (const s of ['1', '2']) {
    out.push(e(`meta_kernel_${s}_H`, [d, 1, m, 1], `meta_kernel_${s}_H`, 'axisKernel'));
    out.push(e(`meta_kernel_${s}_W`, [d, 1, 1, m], `meta_kernel_${s}_W`, 'axisKernel'));
  }
  if (usePe) {
    for (const s of ['1', '2']) {
      out.push(e(`meta_pe_${s}_H`, [1, d, m, 1], `meta_pe_${s}_H`, 'axisPe'));
      out.push(e(`meta_pe_${s}_W`, [1, d, 1, m], `meta_pe_${s}_W`, 'axisPe'));
    }
  }
  out.push(...batchNormEntries(t('pre_Norm_1'), j('pre_Norm_1'), d), ...batchNormEntries(t('pre_Norm_2'), j('pre_Norm_2'), d));
  out.push(...batchNormEntries(t('ffn.0'), j('ffn.0'), c2));
  out.push(e('ffn.1.weight', [f, c2, 1, 1], 'ffn.1/kernel', 'conv'), e('ffn.1.bias', [f], 'ffn.1/bias', 'identity'));
  out.push(e('ffn.4.weight', [c2, f, 1, 1], 'ffn.4/kernel', 'conv'), e('ffn.4.bias', [c2], 'ffn.4/bias', 'identity'));
  out.push(e('ca.fc.0.weight', [r, c2, 1, 1], 'ca.fc.0/kernel', 'conv'), ...batchNormEntries(t('ca.fc.1'), j('ca.fc.1'), r));
  out.push(e('ca.fc.3.weight', [c2, r, 1, 1], 'ca.fc.3/kernel', 'conv'), ...batchNormEntries(t('ca.fc.4'), j('ca.fc.4'), c2));
  return out;
}

/**
 * Every PyTorch state_dict key of the official model → tfjs weight name (`LayerVariable.originalName`,
 * which is `model.weights[i].name` unless tfjs had to uniquify it because another model with the same
 * layer names was built earlier in the session) and layout transform. Ignored: `residual.*` (an alias
 * of `layer_5.0.*`, docs/op.md §5.5) and `num_batches_tracked`.
 */
export function paccNetTorchKeyMap(variant: PaccNetVariant | PaccNetConfig, numClasses = 1000): TorchKeyMap {
  const cfg = typeof variant === 'string' ? PACCNET_CONFIGS[variant] : variant;
  if (cfg == null) throw new Error(`paccNetTorchKeyMap: variant must be 'xs', 's' or 'h', got '${variant}'`);
  if ((cfg.mixer ?? 'pacc') !== 'pacc') throw new Error(`paccNetTorchKeyMap: mixer '${cfg.mixer}' has no PyTorch counterpart`);
  const entries: TorchKeyEntry[] = [...convLayerEntries('conv_1', 3, cfg.stemChannels, cfg.stemKernel)];
  let c = cfg.stemChannels;
  cfg.stages.forEach((st, si) => {
    const layer = `layer_${si + 1}`;
    if (st.kind === 'mv2') {
      for (let b = 0; b < st.numBlocks; b++) {
        entries.push(...invertedResidualEntries(`${layer}.${b}`, c, st.outChannels, st.expandRatio));
        c = st.outChannels;
      }
      return;
    }
    entries.push(...invertedResidualEntries(`${layer}.0`, c, st.outChannels, st.expandRatio));
    c = st.outChannels;
    const fr = `${layer}.1`, g = gcd(st.cfS, c);
    entries.push(...convLayerEntries(`${fr}.dim_adaptive.0`, c, st.cfS, 3, g));
    entries.push(...convLayerEntries(`${fr}.dim_adaptive.1`, st.cfS, st.cfS, 1, 1, false));
    for (let b = 0; b < st.numBlocks; b++) {
      const name = `${fr}.spatial_global_rep.${b}`;
      entries.push(...paccBlockEntries(name, name, st.cfS / 2, st.metaSize, st.ffnDim, b === 0));
    }
    const bn = `${fr}.spatial_global_rep.${st.numBlocks}`;
    entries.push(...batchNormEntries(bn, bn, st.cfS));
    entries.push(...convLayerEntries(`${fr}.channel_adaptive`, st.cfS, c, 1, g));
    entries.push(...convLayerEntries(`${fr}.local_global_fusion`, cfg.fusion === 'concat' ? 2 * c : c, c, 3));
  });
  const exp = cfg.expChannels ?? Math.min(4 * c, 960);
  entries.push(...convLayerEntries('conv_1x1_exp', c, exp, 1));
  entries.push({torchKey: 'classifier.fc.weight', torchShape: [numClasses, exp], tfjsName: 'classifier.fc/kernel', transform: 'linear'});
  entries.push({torchKey: 'classifier.fc.bias', torchShape: [numClasses], tfjsName: 'classifier.fc/bias', transform: 'identity'});
  return {entries, ignore: (k) => k.startsWith('residual.') || k.endsWith('.num_batches_tracked')};
}

/**
 * Re-lays out one PyTorch tensor (row-major `data` of `torchShape`) for tfjs per `transform`
 * (see TorchTransform). Returns the tfjs shape and data.
 */
export function torchToTfjs(data: Float32Array, torchShape: number[], transform: TorchTransform): {shape: number[]; data: Float32Array} {
  const n = torchShape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`torchToTfjs: data has ${data.length} values but torchShape [${torchShape}] needs ${n}`);
  const out = new Float32Array(n);
  switch (transform) {
    case 'identity':
      out.set(data);
      return {shape: torchShape.slice(), data: out};
    case 'conv':
    case 'depthwise': {
      const [o, i, h, w] = torchShape;
      for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        out[((y * w + x) * i + b) * o + a] = data[((a * i + b) * h + y) * w + x];
      }
      // A depthwise (C,1,kh,kw) becomes [kh,kw,1,C] in HWIO, the same memory as tfjs' [kh,kw,C,1].
      return {shape: transform === 'conv' ? [h, w, i, o] : [h, w, o, i], data: out};
    }
    case 'linear': {
      const [o, i] = torchShape;
      for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) out[b * o + a] = data[a * i + b];
      return {shape: [i, o], data: out};
    }
    case 'axisKernel':
    case 'axisPe': {
      // (C,1,M,1) / (C,1,1,M) / (1,C,M,1) / (1,C,1,M): channels are the one non-unit leading axis.
      const c = transform === 'axisKernel' ? torchShape[0] : torchShape[1];
      const m = n / c;
      for (let ch = 0; ch < c; ch++) for (let k = 0; k < m; k++) out[k * c + ch] = data[ch * m + k];
      return {shape: [m, c], data: out};
    }
    default:
      throw new Error(`torchToTfjs: unknown transform '${transform as string}'`);
  }
}

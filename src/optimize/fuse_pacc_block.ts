// Rule: PaccBlock ('pacc' mixer) → FusedPaccBlock, with the folded weights computed in float64 (see fused_pacc_block.ts for the algebra).
import * as tf from '@tensorflow/tfjs-core';
import {PaccBlock} from '../layers/pacc_block';
import {Affine, batchNormAffine, invertible, weightValues} from './affine';
import {foldInputAffineDense, foldOutputAffineDense} from './fold_kernel';
import {FusedPaccBlock} from './fused_pacc_block';
import {applyWithWeights, classOf, layerOf, Rule} from './graph';

const EPS = 1e-5;

export const fusePaccBlock: Rule = (node, ctx) => {
  if (classOf(node) !== 'PaccBlock' || node.inputTensors.length !== 1) return false;
  const block = layerOf(node) as PaccBlock;
  if (block.mixer !== 'pacc') return false; // the 3×3 depthwise mixer pads with zeros: its pre-norm does not fold exactly
  const w = weightValues(block);
  const get = (k: string) => {
    const v = w.get(k);
    if (!v) throw new Error(`optimizeForInference: PaccBlock '${block.name}' has no weight '${k}'`);
    return v;
  };
  const d = block.dim, f = block.ffnDim, c2 = 2 * d;
  const bn1 = batchNormAffine(w, EPS, 'pre_Norm_1/'), bn2 = batchNormAffine(w, EPS, 'pre_Norm_2/');
  if (!invertible(bn1) || !invertible(bn2)) return false; // a zero BN scale cannot move its shift in front of the conv
  const m = get('meta_kernel_1_H').shape[0];
  const scaled = (k: string, a: Affine) => get(k).data.map((v, j) => v * a.scale[j % d]);
  const pe1 = (k: string, a: Affine) => {
    const pe = block.usePe ? get(k).data : new Float64Array(m * d);
    return pe.map((v, j) => v + a.shift[j % d] / a.scale[j % d]);
  };
  const values: Float64Array[] = [
    scaled('meta_kernel_1_H', bn1), scaled('meta_kernel_1_W', bn2), get('meta_kernel_2_W').data, get('meta_kernel_2_H').data,
    pe1('meta_pe_1_H', bn1), pe1('meta_pe_1_W', bn2),
  ];
  if (block.usePe) values.push(get('meta_pe_2_W').data, get('meta_pe_2_H').data);
  // FFN: BN → 1×1 (+b) → hard-swish → 1×1 (+b); hard-swish's 1/6 moves into the second kernel.
  const ffnIn = foldInputAffineDense(get('ffn.1/kernel').data, get('ffn.1/bias').data, c2, f, batchNormAffine(w, EPS, 'ffn.0/'));
  const ffnOut = {kernel: get('ffn.4/kernel').data.map((v) => v / 6), bias: get('ffn.4/bias').data};
  // Channel attention: 1×1 → BN → hard-swish → 1×1 → BN → hard-sigmoid = clip((w + 3) / 6, 0, 1).
  const r = get('ca.fc.0/kernel').shape[3];
  const caIn = foldOutputAffineDense(get('ca.fc.0/kernel').data, null, c2, r, batchNormAffine(w, EPS, 'ca.fc.1/'));
  const bn4 = batchNormAffine(w, EPS, 'ca.fc.4/');
  const caOut = foldOutputAffineDense(get('ca.fc.3/kernel').data.map((v) => v / 6), null, r, c2,
    {scale: bn4.scale.map((s) => s / 6), shift: bn4.shift.map((t) => (t + 3) / 6)});
  values.push(ffnIn.kernel, ffnIn.bias, ffnOut.kernel, ffnOut.bias, caIn.kernel, caIn.bias, caOut.kernel, caOut.bias);

  const fused = new FusedPaccBlock({dim: d, metaSize: m, ffnDim: f, caDim: r, usePe: block.usePe, method: block.method, name: block.name});
  const shapes = fused.weightShapes().map(([, shape]) => shape);
  const weights = values.map((v, i) => tf.tensor(Float32Array.from(v), shapes[i]));
  ctx.set(node.outputTensors[0], applyWithWeights(fused, ctx.get(node.inputTensors[0]), weights));
  tf.dispose(weights);
  return true;
};

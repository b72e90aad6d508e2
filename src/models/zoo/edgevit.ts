// EdgeViT XXS/XS/S builder (saic-fi/edgevit structure) in NHWC with Keras-style layer names (<name>_stage_<i>_block_<j>_*).
import {layers, LayersModel, model, SymbolicTensor} from '@tensorflow/tfjs-layers';
import {EdgeViTGlobalSparseAttn} from '../../layers/edgevit_global_sparse_attn';
import {inputShapeOf, numClassesOf, ZooOptions} from './common';

export interface EdgeViTOptions extends ZooOptions {
  /** `'xxs'`, `'xs'` or `'s'` (default `'xxs'`). */
  variant?: 'xxs' | 'xs' | 's';
}

/** Official configs (saic-fi/edgevit, src/edgevit.py): depths, widths, head dim; sr ratios [4,2,2,1]; mlp ratio 4; qkv bias. */
const VARIANTS = {
  xxs: {depths: [1, 1, 3, 2], dims: [36, 72, 144, 288], headDim: 36},
  xs: {depths: [1, 1, 3, 1], dims: [48, 96, 240, 384], headDim: 48},
  s: {depths: [1, 2, 5, 3], dims: [48, 96, 240, 384], headDim: 48},
};
const SR = [4, 2, 2, 1];

/**
 * EdgeViT: patch embeddings (conv p×p stride p + LayerNorm) of 4, 2, 2, 2; LGL blocks
 * (LocalAgg when sr > 1: dw3×3 position conv, BN → 1×1 → dw5×5 → 1×1, BN → conv MLP;
 * then SelfAttn: dw3×3 position conv, LN → global sparse attention, LN → MLP), all
 * residual; final BatchNorm, global mean, Linear head. NHWC throughout, so a token is
 * a pixel and the Linears are Dense layers on the channel axis.
 */
export function edgeViT(opts: EdgeViTOptions = {}): LayersModel {
  const variant = opts.variant ?? 'xxs';
  const cfg = VARIANTS[variant];
  if (!cfg) throw new Error(`zoo.edgeViT: option 'variant' must be 'xxs', 'xs' or 's', got ${JSON.stringify(opts.variant)}`);
  const shape = inputShapeOf(opts, 'zoo.edgeViT');
  const name = opts.name ?? `edgevit_${variant}`;
  const apply = (l: {apply: (x: SymbolicTensor | SymbolicTensor[]) => unknown}, x: SymbolicTensor | SymbolicTensor[]) => l.apply(x) as SymbolicTensor;
  const bn = (n: string) => layers.batchNormalization({axis: 3, epsilon: 1e-5, momentum: 0.9, name: n});
  const add = (n: string, a: SymbolicTensor, b: SymbolicTensor) => apply(layers.add({name: n}), [a, b]);
  const dw = (k: number, n: string) => layers.depthwiseConv2d({kernelSize: k, padding: 'same', useBias: true, name: n});
  const pw = (f: number, n: string) => layers.conv2d({filters: f, kernelSize: 1, name: n});

  const input = layers.input({shape, name: 'input_1'});
  let x = input;
  for (let i = 0; i < 4; i++) {
    const dim = cfg.dims[i], p = i === 0 ? 4 : 2;
    x = apply(layers.conv2d({filters: dim, kernelSize: p, strides: p, name: `${name}_patch_embed_${i}_conv`}), x);
    x = apply(layers.layerNormalization({epsilon: 1e-5, name: `${name}_patch_embed_${i}_norm`}), x);
    for (let j = 0; j < cfg.depths[i]; j++) {
      const b = `${name}_stage_${i}_block_${j}`;
      if (SR[i] > 1) {
        x = add(`${b}_local_pos_add`, x, apply(dw(3, `${b}_local_pos_embed`), x));
        let y = apply(pw(dim, `${b}_local_conv1`), apply(bn(`${b}_local_norm1`), x));
        y = apply(pw(dim, `${b}_local_conv2`), apply(dw(5, `${b}_local_attn`), y));
        x = add(`${b}_local_add1`, x, y);
        y = apply(pw(4 * dim, `${b}_local_mlp_fc1`), apply(bn(`${b}_local_norm2`), x));
        y = apply(pw(dim, `${b}_local_mlp_fc2`), apply(layers.activation({activation: 'gelu', name: `${b}_local_mlp_act`}), y));
        x = add(`${b}_local_add2`, x, y);
      }
      x = add(`${b}_pos_add`, x, apply(dw(3, `${b}_pos_embed`), x));
      let y = apply(layers.layerNormalization({epsilon: 1e-6, name: `${b}_norm1`}), x);
      y = apply(new EdgeViTGlobalSparseAttn({numHeads: dim / cfg.headDim, srRatio: SR[i], name: `${b}_global_attn`}), y);
      x = add(`${b}_add1`, x, y);
      y = apply(layers.layerNormalization({epsilon: 1e-6, name: `${b}_norm2`}), x);
      y = apply(layers.dense({units: 4 * dim, name: `${b}_mlp_fc1`}), y);
      y = apply(layers.dense({units: dim, name: `${b}_mlp_fc2`}), apply(layers.activation({activation: 'gelu', name: `${b}_mlp_act`}), y));
      x = add(`${b}_add2`, x, y);
    }
  }
  x = apply(bn(`${name}_norm`), x);
  if (opts.includeTop ?? true) {
    x = apply(layers.globalAveragePooling2d({name: `${name}_head_gap`}), x);
    x = apply(layers.dense({units: numClassesOf(opts, 'zoo.edgeViT'), activation: opts.classifierActivation ?? 'softmax', name: `${name}_head_dense`}), x);
  }
  return model({inputs: input, outputs: x, name});
}

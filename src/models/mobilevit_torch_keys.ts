// PyTorch state_dict key map of MobileViT XS/S (official cvnets model) -> tfjs weight names of mobileViT().
import {makeDivisible} from './blocks';
import {MOBILEVIT_CONFIGS, MobileViTVariant} from './mobilevit_configs';
import type {TorchKeyEntry, TorchKeyMap} from './torch_keymap';

/** Builds the entries in the official state_dict order, from the same declarative config as the model. */
export function mobileViTTorchKeyMap(variant: MobileViTVariant, numClasses = 1000): TorchKeyMap {
  const cfg = MOBILEVIT_CONFIGS[variant];
  if (cfg == null) throw new Error(`mobileViTTorchKeyMap: unknown variant '${variant}' (expected 'xs' or 's')`);
  const entries: TorchKeyEntry[] = [];
  const push = (torchKey: string, torchShape: number[], tfjsName: string, transform: TorchKeyEntry['transform']) =>
    entries.push({torchKey, torchShape, tfjsName, transform});

  /** cvnets ConvLayer at `path` (weights `<path>.block.conv.weight`, BN `<path>.block.norm.*`). */
  const convLayer = (path: string, cin: number, cout: number, k: number, opts: {depthwise?: boolean; norm?: boolean} = {}) => {
    const conv = `${path}.block.conv`;
    if (opts.depthwise) push(`${conv}.weight`, [cout, 1, k, k], `${conv}/depthwise_kernel`, 'depthwise');
    else push(`${conv}.weight`, [cout, cin, k, k], `${conv}/kernel`, 'conv');
    if (opts.norm ?? true) batchNorm(`${path}.block.norm`, cout);
  };
  const batchNorm = (path: string, c: number) => {
    push(`${path}.weight`, [c], `${path}/gamma`, 'identity');
    push(`${path}.bias`, [c], `${path}/beta`, 'identity');
    push(`${path}.running_mean`, [c], `${path}/moving_mean`, 'identity');
    push(`${path}.running_var`, [c], `${path}/moving_variance`, 'identity');
  };
  const layerNorm = (path: string, c: number) => {
    push(`${path}.weight`, [c], `${path}/gamma`, 'identity');
    push(`${path}.bias`, [c], `${path}/beta`, 'identity');
  };
  const linear = (path: string, cin: number, cout: number) => {
    push(`${path}.weight`, [cout, cin], `${path}/kernel`, 'linear');
    push(`${path}.bias`, [cout], `${path}/bias`, 'identity');
  };
  const mv2 = (path: string, cin: number, cout: number, expand: number) => {
    const hidden = makeDivisible(Math.round(cin * expand), 8);
    if (expand !== 1) convLayer(`${path}.block.exp_1x1`, cin, hidden, 1);
    convLayer(`${path}.block.conv_3x3`, hidden, hidden, 3, {depthwise: true});
    convLayer(`${path}.block.red_1x1`, hidden, cout, 1);
  };

  convLayer('conv_1', 3, cfg.stemChannels, 3);
  let c = cfg.stemChannels;
  cfg.stages.forEach((stage, s) => {
    const layer = `layer_${s + 1}`;
    if (stage.kind === 'mv2') {
      for (let i = 0; i < stage.numBlocks; i++) {
        mv2(`${layer}.${i}`, c, stage.outChannels, stage.expandRatio);
        c = stage.outChannels;
      }
      return;
    }
    mv2(`${layer}.0`, c, stage.outChannels, stage.expandRatio);
    c = stage.outChannels;
    const b = `${layer}.1`, d = stage.transformerDim;
    convLayer(`${b}.local_rep.conv_3x3`, c, c, 3);
    convLayer(`${b}.local_rep.conv_1x1`, c, d, 1, {norm: false});
    for (let t = 0; t < stage.transformerBlocks; t++) {
      const enc = `${b}.global_rep.${t}`;
      layerNorm(`${enc}.pre_norm_mha.0`, d);
      // One tfjs layer holds both projections of the official MultiHeadAttention.
      push(`${enc}.pre_norm_mha.1.qkv_proj.weight`, [3 * d, d], `${enc}.pre_norm_mha.1/qkv_kernel`, 'linear');
      push(`${enc}.pre_norm_mha.1.qkv_proj.bias`, [3 * d], `${enc}.pre_norm_mha.1/qkv_bias`, 'identity');
      push(`${enc}.pre_norm_mha.1.out_proj.weight`, [d, d], `${enc}.pre_norm_mha.1/out_kernel`, 'linear');
      push(`${enc}.pre_norm_mha.1.out_proj.bias`, [d], `${enc}.pre_norm_mha.1/out_bias`, 'identity');
      layerNorm(`${enc}.pre_norm_ffn.0`, d);
      linear(`${enc}.pre_norm_ffn.1`, d, stage.ffnDim);
      linear(`${enc}.pre_norm_ffn.4`, stage.ffnDim, d);
    }
    layerNorm(`${b}.global_rep.${stage.transformerBlocks}`, d);
    convLayer(`${b}.conv_proj`, d, c, 1);
    convLayer(`${b}.fusion`, 2 * c, c, 3);
  });
  const exp = Math.min(cfg.lastLayerExpFactor * c, 960);
  convLayer('conv_1x1_exp', c, exp, 1);
  linear('classifier.fc', exp, numClasses);

  return {entries, ignore: (key: string) => key.endsWith('.num_batches_tracked')};
}

/** @deprecated Renamed mobileViTTorchKeyMap (the paper's casing). */
export const mobileVitTorchKeyMap = mobileViTTorchKeyMap;

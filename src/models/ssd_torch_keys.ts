// PyTorch state_dict key map of the official SSD (SingleShotDetector) over a task backbone (contract in torch_keymap.ts).
import {backboneTorchEntries, resolveBackboneName, TaskBackboneName} from './backbones';
import {MOBILEVIT_CONFIGS, MobileViTVariant} from './mobilevit_configs';
import {PACCNET_CONFIGS, PaccNetVariant} from './paccnet_configs';
import {convLayerEntries} from './paccnet_torch_keys';
import {SSD_ANCHORS_PER_LOCATION, SSD_OUTPUT_STRIDES, SSD_PROJ_CHANNELS} from './ssd';
import type {TorchKeyEntry, TorchKeyMap} from './torch_keymap';

/** Channels of the backbone's out_l4 / out_l5 (layer_4 / layer_5 outputs), from its stage config. */
export function backboneEndChannels(backbone: TaskBackboneName): {l4: number; l5: number} {
  const [family, variant] = backbone.split('-');
  const stages = family === 'paccnet' ? PACCNET_CONFIGS[variant as PaccNetVariant].stages : MOBILEVIT_CONFIGS[variant as MobileViTVariant].stages;
  return {l4: stages[3].outChannels, l5: stages[4].outChannels};
}

/** A cvnets SeparableConv `name` (dw_conv ConvLayer with BN; pw_conv with BN or with bias). */
function separableEntries(name: string, cin: number, cout: number, pwNorm: boolean, pwBias: boolean): TorchKeyEntry[] {
  const out = [...convLayerEntries(`${name}.dw_conv`, cin, cin, 3, cin), ...convLayerEntries(`${name}.pw_conv`, cin, cout, 1, 1, pwNorm)];
  if (pwBias) out.push({torchKey: `${name}.pw_conv.block.conv.bias`, torchShape: [cout], tfjsName: `${name}.pw_conv.block.conv/bias`, transform: 'identity'});
  return out;
}

/**
 * Every key of the official SSD state_dict (`encoder.*` = the classification backbone's keys
 * without conv_1x1_exp / classifier; `extra_layers.*`; `ssd_heads.*`) → tfjs weight of
 * `pacc.models.ssd({backbone, numClasses})`. Ignored: `num_batches_tracked` and EdgeFormer's
 * `encoder.residual.*` (an alias of `encoder.layer_5.0.*`, resolved by the converter first).
 */
export function ssdTorchKeyMap(backboneName: TaskBackboneName | string, numClasses = 81): TorchKeyMap {
  const backbone = resolveBackboneName(backboneName, 'ssdTorchKeyMap');
  const enc = backboneTorchEntries(backbone, 'encoder.');
  const {l4, l5} = backboneEndChannels(backbone);
  const entries: TorchKeyEntry[] = [...enc];
  const chans: number[] = [l4, l5];
  let c = l5;
  for (let i = 2; i < SSD_OUTPUT_STRIDES.length; i++) {
    const name = `extra_layers.os_${SSD_OUTPUT_STRIDES[i]}`;
    const out = SSD_PROJ_CHANNELS[i];
    if (SSD_OUTPUT_STRIDES[i] === -1) entries.push(...convLayerEntries(`${name}.1`, c, out, 1, 1, false));
    else entries.push(...separableEntries(name, c, out, true, false));
    chans.push(out);
    c = out;
  }
  chans.forEach((cin, i) => {
    const name = `ssd_heads.${i}`;
    const out = SSD_ANCHORS_PER_LOCATION[i] * (4 + numClasses);
    let ch = cin;
    if (SSD_OUTPUT_STRIDES[i] !== -1 && cin !== SSD_PROJ_CHANNELS[i]) {
      entries.push(...convLayerEntries(`${name}.proj_layer`, cin, SSD_PROJ_CHANNELS[i], 1));
      ch = SSD_PROJ_CHANNELS[i];
    }
    if (SSD_OUTPUT_STRIDES[i] === -1) {
      entries.push(...convLayerEntries(`${name}.loc_cls_layer`, ch, out, 1, 1, false),
        {torchKey: `${name}.loc_cls_layer.block.conv.bias`, torchShape: [out], tfjsName: `${name}.loc_cls_layer.block.conv/bias`, transform: 'identity'});
    } else {
      entries.push(...separableEntries(`${name}.loc_cls_layer`, ch, out, false, true));
    }
  });
  return {entries, ignore: (k) => k.startsWith('encoder.residual.') || k.endsWith('.num_batches_tracked')};
}

/** Classes (incl. background) a checkpoint was trained with: rows of the first head's predictor / 6 anchors − 4. */
export function ssdNumClassesOf(shapes: Map<string, number[]>): number | undefined {
  const s = shapes.get('ssd_heads.0.loc_cls_layer.pw_conv.block.conv.weight');
  if (!s || s[0] % SSD_ANCHORS_PER_LOCATION[0] !== 0) return undefined;
  return s[0] / SSD_ANCHORS_PER_LOCATION[0] - 4;
}

// PyTorch state_dict key map of DeepLabV3 (official encoder_decoder + deeplabv3 head; contract in torch_keymap.ts).
import {backboneTorchEntries, resolveBackboneName, TaskBackboneName} from './backbones';
import {convLayerEntries} from './paccnet_torch_keys';
import type {TorchKeyEntry, TorchKeyMap} from './torch_keymap';

/** Channels of the backbone's out_l5 (the last stage), which the ASPP reads. */
const L5_CHANNELS: Record<TaskBackboneName, number> = {
  'paccnet-xs': 160, 'paccnet-s': 160, 'paccnet-h': 432, 'mobilevit-xs': 96, 'mobilevit-s': 160,
};

/** The `seg_head.*` entries: ASPP (5 branches + projection) and the classifier conv with bias. */
export function deepLabV3HeadTorchEntries(inChannels: number, numClasses: number, asppChannels = 256): TorchKeyEntry[] {
  const p = 'seg_head.aspp.aspp_layer';
  const a = asppChannels;
  return [
    ...convLayerEntries(`${p}.convs.0`, inChannels, a, 1),
    ...convLayerEntries(`${p}.convs.1`, inChannels, a, 3),
    ...convLayerEntries(`${p}.convs.2`, inChannels, a, 3),
    ...convLayerEntries(`${p}.convs.3`, inChannels, a, 3),
    ...convLayerEntries(`${p}.convs.4.aspp_pool.conv_1x1`, inChannels, a, 1),
    ...convLayerEntries(`${p}.project`, 5 * a, a, 1),
    {torchKey: 'seg_head.classifier.classifier.block.conv.weight', torchShape: [numClasses, a, 1, 1],
      tfjsName: 'seg_head.classifier.classifier.block.conv/kernel', transform: 'conv'},
    {torchKey: 'seg_head.classifier.classifier.block.conv.bias', torchShape: [numClasses],
      tfjsName: 'seg_head.classifier.classifier.block.conv/bias', transform: 'identity'},
  ];
}

/**
 * Every key of the official DeepLabV3 state_dict with the named backbone (`encoder.*` = the
 * classification backbone without conv_1x1_exp / classifier, `seg_head.*`) → tfjs weight of
 * `deeplabV3({backbone, numClasses, asppChannels})`. Ignored: `num_batches_tracked` and the
 * EdgeFormer `encoder.residual.*` alias of `encoder.layer_5.0.*`.
 */
export function deepLabV3TorchKeyMap(backbone: TaskBackboneName | string, numClasses = 21, asppChannels = 256): TorchKeyMap {
  const name = resolveBackboneName(backbone, 'deepLabV3TorchKeyMap');
  const entries = [...backboneTorchEntries(name, 'encoder.'), ...deepLabV3HeadTorchEntries(L5_CHANNELS[name], numClasses, asppChannels)];
  return {entries, ignore: (k) => k.startsWith('encoder.residual.') || k.endsWith('.num_batches_tracked')};
}

/** The class count of a DeepLabV3 checkpoint: rows of the classifier conv. */
export function deepLabV3NumClassesOf(shapes: Map<string, number[]>): number | undefined {
  const w = shapes.get('seg_head.classifier.classifier.block.conv.weight');
  return w && w.length === 4 ? w[0] : undefined;
}

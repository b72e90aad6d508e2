// The model registry: one entry per named model (aliases, task, builder, PyTorch key map, parameter count, input); every list of model names derives from it.
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {replaceBlocks} from '../surgery/replace_blocks';
import {mobileViT} from './mobilevit';
import {MOBILEVIT_PARAM_COUNTS} from './mobilevit_configs';
import {mobileViTTorchKeyMap} from './mobilevit_torch_keys';
import {paccNet} from './paccnet';
import {PACCNET_PARAM_COUNTS} from './paccnet_configs';
import {paccNetTorchKeyMap} from './paccnet_torch_keys';
import {ssd, SSD_PARAM_COUNTS} from './ssd';
import {ssdNumClassesOf, ssdTorchKeyMap} from './ssd_torch_keys';
import {deeplabV3, DEEPLABV3_PARAM_COUNTS} from './deeplabv3';
import {deepLabV3NumClassesOf, deepLabV3TorchKeyMap} from './deeplabv3_torch_keys';
import type {TorchKeyMap} from './torch_keymap';
import {convNeXt} from './zoo/convnext';
import {edgeViT} from './zoo/edgevit';
import {mobileNetV2} from './zoo/mobilenetv2';
import {resNet50} from './zoo/resnet50';

export type ModelTask = 'classification' | 'detection' | 'segmentation';

export interface RegistryBuildOptions {
  numClasses?: number;
  inputShape?: [number | null, number | null, number];
}

/** How an official PyTorch state_dict loads into the model (`pacc.converters.fromTorchCheckpoint`). */
export interface TorchCheckpointSpec {
  keyMap(numClasses: number): TorchKeyMap;
  /** Duplicate state_dict names of one module, `[alias prefix, real prefix]`: checked equal, then dropped. */
  aliases?: [string, string][];
  /** The class count a checkpoint was trained with, read from its tensors' shapes (default: rows of `classifier.fc.weight`). */
  numClassesOf?: (shapes: Map<string, number[]>) => number | undefined;
  /** Input shape the converter builds when the caller gives none (default `[null, null, 3]`). */
  inputShape?: [number | null, number | null, number];
}

export interface ModelEntry {
  /** Registry name, also the converter's `arch` name and the examples' `--model` value, e.g. `paccnet-s`. */
  name: string;
  /** Other accepted names (case-insensitive, like `name`). */
  aliases?: string[];
  family: string;
  task: ModelTask;
  /** Builds a fresh model; defaults: 1000 classes and the family's default input. */
  build: (opts?: RegistryBuildOptions) => LayersModel;
  /** For models made by `replaceBlocks`: the model before surgery (the examples' `--no-surgery` baseline). */
  base?: (opts?: RegistryBuildOptions) => LayersModel;
  /** Present when official PyTorch checkpoints of this model can be converted. */
  torch?: TorchCheckpointSpec;
  /**
   * Trainable parameters with the builder's default classes (1000; detection: 81): the official PyTorch model's count where one exists
   * (docs/models.md, docs/surgery.md), otherwise our design's (the EdgeViT ParC variants).
   */
  params: number;
  /** `[H, W, C]` the model was designed and counted at. */
  defaultInput: [number, number, number];
  /** True for models too slow for the full forward/gradient/fit tests on the cpu backend (tests run one small forward). */
  heavy?: boolean;
}

/** `replaceBlocks(base)`, disposing the base (replaceBlocks copied what it needed). */
function surgered(base: LayersModel): LayersModel {
  const m = replaceBlocks(base);
  base.dispose();
  return m;
}

// Zoo models as logits (no softmax) like the other entries. With a free input size the ParC
// kernels are meta kernels of the official length, so the parameter counts are unchanged.
const zooHead = (o: RegistryBuildOptions = {}) => ({numClasses: o.numClasses, inputShape: o.inputShape, classifierActivation: 'linear' as const});

/** An entry for a ParC model made from a zoo base model by `replaceBlocks`. */
function parcZoo(name: string, family: string, params: number, base: (o?: RegistryBuildOptions) => LayersModel, aliases: string[]): ModelEntry {
  // Heavy: the cpu backend's conv backprop makes full training tests slow; test/surgery/
  // covers their surgery, training and save/load at small inputs.
  return {name, aliases, family, task: 'classification', params, defaultInput: [224, 224, 3], heavy: true, base, build: (o) => surgered(base(o))};
}

const paccnetTorch = (variant: 'xs' | 's' | 'h'): TorchCheckpointSpec => ({
  keyMap: (numClasses) => paccNetTorchKeyMap(variant, numClasses),
  // The official model registers layer_5.0 a second time as `residual` (docs/models.md).
  aliases: [['residual.', 'layer_5.0.']],
});
const mobilevitTorch = (variant: 'xs' | 's'): TorchCheckpointSpec => ({keyMap: (numClasses) => mobileViTTorchKeyMap(variant, numClasses)});

/**
 * An SSD detector over a task backbone (docs/detection.md). Defaults: 81 classes (COCO + background)
 * and 320×320 (the anchor count depends on the input size, so the converter builds that size);
 * `params` is the count at 81 classes. Heavy: a 320×320 forward is slow on the cpu backend.
 */
function ssdEntry(backbone: 'paccnet-xs' | 'paccnet-s' | 'mobilevit-xs' | 'mobilevit-s', aliases: string[]): ModelEntry {
  const torch: TorchCheckpointSpec = {
    keyMap: (numClasses) => ssdTorchKeyMap(backbone, numClasses),
    numClassesOf: ssdNumClassesOf,
    inputShape: [320, 320, 3],
  };
  // EdgeFormer's stray `encoder.residual` attribute aliases encoder.layer_5.0.
  if (backbone.startsWith('paccnet')) torch.aliases = [['encoder.residual.', 'encoder.layer_5.0.']];
  return {
    name: `ssd-${backbone}`, aliases, family: 'ssd', task: 'detection', params: SSD_PARAM_COUNTS[backbone],
    defaultInput: [320, 320, 3], heavy: true, torch,
    build: (o = {}) => ssd({backbone, numClasses: o.numClasses ?? 81, inputShape: o.inputShape ?? [320, 320, 3]}),
  };
}

/**
 * DeepLabV3 over a task backbone at output stride 16 (docs/segmentation.md). Defaults: 21 classes
 * (PASCAL VOC) and 512×512 (the official crop); `params` is the official count at 21 classes. The
 * converter builds `[null, null, 3]` so a converted model predicts at any multiple of 16 (the
 * segmenter resizes images to its input size). Heavy: a 512×512 forward is slow on the cpu backend.
 */
function deeplabEntry(backbone: keyof typeof DEEPLABV3_PARAM_COUNTS, aliases: string[]): ModelEntry {
  const torch: TorchCheckpointSpec = {
    keyMap: (numClasses) => deepLabV3TorchKeyMap(backbone, numClasses),
    numClassesOf: deepLabV3NumClassesOf,
    inputShape: [null, null, 3],
  };
  // EdgeFormer's stray `encoder.residual` attribute aliases encoder.layer_5.0 (checkpoint_ema_avg.pt stores both copies).
  if (backbone.startsWith('paccnet')) torch.aliases = [['encoder.residual.', 'encoder.layer_5.0.']];
  return {
    name: `deeplabv3-${backbone}`, aliases, family: 'deeplabv3', task: 'segmentation', params: DEEPLABV3_PARAM_COUNTS[backbone],
    defaultInput: [512, 512, 3], heavy: true, torch,
    build: (o = {}) => deeplabV3({backbone, numClasses: o.numClasses ?? 21, inputShape: o.inputShape ?? [512, 512, 3]}),
  };
}

/** Adding a model = adding one entry here (CONTRIBUTING.md, "Adding a model"). */
export const MODEL_REGISTRY: ModelEntry[] = [
  {name: 'paccnet-xs', family: 'paccnet', task: 'classification', params: PACCNET_PARAM_COUNTS.xs, defaultInput: [256, 256, 3],
    torch: paccnetTorch('xs'), build: (o) => paccNet({variant: 'xs', ...o})},
  {name: 'paccnet-s', family: 'paccnet', task: 'classification', params: PACCNET_PARAM_COUNTS.s, defaultInput: [256, 256, 3],
    torch: paccnetTorch('s'), build: (o) => paccNet({variant: 's', ...o})},
  {name: 'paccnet-h', family: 'paccnet', task: 'classification', params: PACCNET_PARAM_COUNTS.h, defaultInput: [256, 256, 3], heavy: true,
    torch: paccnetTorch('h'), build: (o) => paccNet({variant: 'h', ...o})},
  {name: 'mobilevit-xs', family: 'mobilevit', task: 'classification', params: MOBILEVIT_PARAM_COUNTS.xs, defaultInput: [256, 256, 3],
    torch: mobilevitTorch('xs'), build: (o) => mobileViT({variant: 'xs', ...o})},
  {name: 'mobilevit-s', family: 'mobilevit', task: 'classification', params: MOBILEVIT_PARAM_COUNTS.s, defaultInput: [256, 256, 3],
    torch: mobilevitTorch('s'), build: (o) => mobileViT({variant: 's', ...o})},
  // The examples' older names (`resnet50`, …) stay as aliases: they always meant the surgered model.
  parcZoo('parc-resnet50', 'parc-convnets', 23737640, (o) => resNet50({...zooHead(o), convBias: false}), ['resnet50']),
  parcZoo('parc-mobilenetv2', 'parc-convnets', 3532136, (o) => mobileNetV2(zooHead(o)), ['mobilenetv2']),
  parcZoo('parc-convnext-xt', 'parc-convnets', 7412824, (o) => convNeXt({...zooHead(o), variant: 'xt'}), ['convnext-xt']),
  parcZoo('parc-convnext-tiny', 'parc-convnets', 28538056, (o) => convNeXt({...zooHead(o), variant: 'tiny'}), ['convnext-tiny', 'parc-convnext-t']),
  parcZoo('parc-edgevit-xxs', 'parc-edgevit', 3410488, (o) => edgeViT({...zooHead(o), variant: 'xxs'}), ['edgevit-xxs']),
  parcZoo('parc-edgevit-xs', 'parc-edgevit', 6184456, (o) => edgeViT({...zooHead(o), variant: 'xs'}), ['edgevit-xs']),
  parcZoo('parc-edgevit-s', 'parc-edgevit', 11351368, (o) => edgeViT({...zooHead(o), variant: 's'}), ['edgevit-s']),
  ssdEntry('paccnet-s', ['ssd-edgeformer-s']),
  ssdEntry('paccnet-xs', ['ssd-edgeformer-xs']),
  ssdEntry('mobilevit-s', []),
  ssdEntry('mobilevit-xs', []),
  deeplabEntry('paccnet-s', ['deeplabv3-edgeformer-s']),
  deeplabEntry('paccnet-xs', ['deeplabv3-edgeformer-xs']),
  deeplabEntry('mobilevit-s', []),
  deeplabEntry('mobilevit-xs', []),
];

const namesOf = (e: ModelEntry) => [e.name, ...(e.aliases ?? [])].map((n) => n.toLowerCase());

/** Adds (or replaces, by name) an entry at run time; a name or alias already taken by another entry is an error. */
export function registerModel(entry: ModelEntry): void {
  const taken = new Set(MODEL_REGISTRY.filter((e) => e.name !== entry.name).flatMap(namesOf));
  const clash = namesOf(entry).find((n) => taken.has(n));
  if (clash) throw new Error(`registerModel: name '${clash}' of '${entry.name}' is already registered`);
  const i = MODEL_REGISTRY.findIndex((e) => e.name === entry.name);
  if (i >= 0) MODEL_REGISTRY[i] = entry;
  else MODEL_REGISTRY.push(entry);
}

/** Registered names (without aliases), optionally of one task and/or only those with a PyTorch key map. */
export function modelNames(filter: {task?: ModelTask; torch?: boolean} = {}): string[] {
  return MODEL_REGISTRY.filter((e) => (!filter.task || e.task === filter.task) && (!filter.torch || e.torch)).map((e) => e.name);
}

/** The entry of a name or alias (case-insensitive); unknown names throw, listing the known ones. */
export function getModelEntry(name: string): ModelEntry {
  const key = String(name).toLowerCase();
  const e = MODEL_REGISTRY.find((m) => namesOf(m).includes(key));
  if (!e) throw new Error(`unknown model '${name}'; known: ${MODEL_REGISTRY.map((m) => m.name).join(', ')}`);
  return e;
}

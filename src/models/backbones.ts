// Backbones for the task models (SSD detection, DeepLabV3 segmentation): the classification bodies without conv_1x1_exp and classifier.
import * as tfl from '@tensorflow/tfjs-layers';
import {channelsOf} from './blocks';
import {mobileViTBody} from './mobilevit';
import {MOBILEVIT_CONFIGS, MobileViTVariant} from './mobilevit_configs';
import {mobileViTTorchKeyMap} from './mobilevit_torch_keys';
import {paccNetBackbone} from './paccnet';
import {PACCNET_CONFIGS, PaccNetVariant} from './paccnet_configs';
import {paccNetTorchKeyMap} from './paccnet_torch_keys';
import type {TorchKeyEntry} from './torch_keymap';

type Sym = tfl.SymbolicTensor;

/** Backbone names accepted by `pacc.models.ssd` / `pacc.models.deeplabV3` (the classification registry names). */
export const TASK_BACKBONES = ['paccnet-xs', 'paccnet-s', 'paccnet-h', 'mobilevit-xs', 'mobilevit-s'] as const;
export type TaskBackboneName = typeof TASK_BACKBONES[number];

export interface TaskBackbone {
  /** layer_3 (stride 8), layer_4 (stride 16), layer_5 (stride 32, or 16 with outputStride 16): the official `out_l3/4/5`. */
  outL3: Sym;
  outL4: Sym;
  outL5: Sym;
}

/** Lower-cases and checks a backbone name; the error lists the accepted ones. */
export function resolveBackboneName(name: unknown, who: string): TaskBackboneName {
  const key = String(name).toLowerCase();
  const hit = TASK_BACKBONES.find((b) => b === key);
  if (!hit) throw new Error(`${who}: backbone must be one of ${TASK_BACKBONES.map((b) => `'${b}'`).join(', ')}, got '${name}'`);
  return hit;
}

/**
 * Builds the named backbone on `input` with layer names equal to the classification model's
 * (`conv_1`, `layer_1.0…`, `layer_5.1…`), so its PyTorch keys are the classifier's with the task
 * model's `encoder.` prefix (`backboneTorchEntries`).
 */
export function taskBackbone(name: TaskBackboneName, input: Sym, opts: {outputStride?: 16 | 32} = {}): TaskBackbone {
  const [family, variant] = name.split('-') as ['paccnet' | 'mobilevit', string];
  const stages = family === 'paccnet'
    ? paccNetBackbone(input, PACCNET_CONFIGS[variant as PaccNetVariant], {outputStride: opts.outputStride, withExp: false}).stages
    : mobileViTBody(input, MOBILEVIT_CONFIGS[variant as MobileViTVariant], {outputStride: opts.outputStride}).stages;
  if (stages.length !== 5) throw new Error(`taskBackbone(${name}): expected 5 stages, got ${stages.length}`);
  for (const s of stages.slice(2)) channelsOf(s, `taskBackbone(${name})`);
  return {outL3: stages[2], outL4: stages[3], outL5: stages[4]};
}

/**
 * PyTorch key-map entries of the backbone inside a task model: the classification map without
 * `conv_1x1_exp.*` and `classifier.*` (both task models delete them), torch keys prefixed with
 * `torchPrefix` (official: `encoder.`). Weight names are unchanged.
 */
export function backboneTorchEntries(name: TaskBackboneName, torchPrefix = 'encoder.'): TorchKeyEntry[] {
  const [family, variant] = name.split('-');
  const map = family === 'paccnet' ? paccNetTorchKeyMap(variant as PaccNetVariant) : mobileViTTorchKeyMap(variant as MobileViTVariant);
  return map.entries
    .filter((e) => !e.torchKey.startsWith('conv_1x1_exp.') && !e.torchKey.startsWith('classifier.'))
    .map((e) => ({...e, torchKey: torchPrefix + e.torchKey}));
}

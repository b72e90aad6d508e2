// The model registry: every named model family/variant with its builder and official parameter count (tests loop over it).
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {paccNet} from './paccnet';
import {PACCNET_PARAM_COUNTS} from './paccnet_configs';
import {mobileViT} from './mobilevit';
import {MOBILEVIT_PARAM_COUNTS} from './mobilevit_configs';

export interface RegistryBuildOptions {
  numClasses?: number;
  inputShape?: [number | null, number | null, number];
}

export interface ModelEntry {
  /** Registry name, also the converter's `arch` name, e.g. `paccnet-s`. */
  name: string;
  family: string;
  build: (opts?: RegistryBuildOptions) => LayersModel;
  /** Trainable parameters with 1000 classes, equal to the official PyTorch model's. */
  params: number;
  /** True for models too slow for forward/gradient tests on the cpu backend (tests then check counts only). */
  heavy?: boolean;
}

export const MODEL_REGISTRY: ModelEntry[] = [
  {name: 'paccnet-xs', family: 'paccnet', params: PACCNET_PARAM_COUNTS.xs, build: (o) => paccNet({variant: 'xs', ...o})},
  {name: 'paccnet-s', family: 'paccnet', params: PACCNET_PARAM_COUNTS.s, build: (o) => paccNet({variant: 's', ...o})},
  {name: 'paccnet-h', family: 'paccnet', params: PACCNET_PARAM_COUNTS.h, heavy: true, build: (o) => paccNet({variant: 'h', ...o})},
  {name: 'mobilevit-xs', family: 'mobilevit', params: MOBILEVIT_PARAM_COUNTS.xs, build: (o) => mobileViT({variant: 'xs', ...o})},
  {name: 'mobilevit-s', family: 'mobilevit', params: MOBILEVIT_PARAM_COUNTS.s, build: (o) => mobileViT({variant: 's', ...o})},
];

/** Adds (or replaces) an entry; families outside this file register themselves through it. */
export function registerModel(entry: ModelEntry): void {
  const i = MODEL_REGISTRY.findIndex((e) => e.name === entry.name);
  if (i >= 0) MODEL_REGISTRY[i] = entry;
  else MODEL_REGISTRY.push(entry);
}

export function getModelEntry(name: string): ModelEntry {
  const e = MODEL_REGISTRY.find((m) => m.name === name.toLowerCase());
  if (!e) throw new Error(`unknown model '${name}'; known: ${MODEL_REGISTRY.map((m) => m.name).join(', ')}`);
  return e;
}

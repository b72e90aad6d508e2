// Model names the examples accept: the classification entries of the model registry (public API only).
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';

/** Registry names and their aliases (e.g. `resnet50` for `parc-resnet50`), for `--model` choices and help. */
export const MODEL_NAMES: readonly string[] = pacc.models.MODEL_REGISTRY
  .filter((e) => e.task === 'classification')
  .flatMap((e) => [e.name, ...(e.aliases ?? [])]);
export type ModelName = string;

/**
 * Builds a registry model for `inputShape` and `numClasses` (logits). Models made by
 * `pacc.replaceBlocks` (the zoo's ResNet50, MobileNetV2, ConvNeXt, EdgeViT) are built
 * without the surgery when `surgery` is false (the baseline).
 */
export function buildModel(name: string, inputShape: [number, number, number], numClasses: number, surgery = true): LayersModel {
  const entry = pacc.models.getModelEntry(name);
  if (entry.task !== 'classification') throw new Error(`model '${name}' is a ${entry.task} model; the examples train classifiers`);
  const build = !surgery && entry.base ? entry.base : entry.build;
  return build({numClasses, inputShape});
}

// Model names the examples accept, built through the public API only.
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';

export const MODEL_NAMES = [
  'paccnet-xs', 'paccnet-s', 'paccnet-h', 'mobilevit-xs', 'mobilevit-s',
  'resnet50', 'mobilenetv2', 'convnext-tiny', 'convnext-xt', 'edgevit-xxs', 'edgevit-xs', 'edgevit-s',
] as const;
export type ModelName = typeof MODEL_NAMES[number];

/**
 * Builds a model for `inputShape` and `numClasses`. Zoo models (ResNet50, MobileNetV2,
 * ConvNeXt, EdgeViT) go through `pacc.replaceBlocks` unless `surgery` is false.
 */
export function buildModel(name: string, inputShape: [number, number, number], numClasses: number, surgery = true): LayersModel {
  if (!(MODEL_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown model '${name}'; known: ${MODEL_NAMES.join(', ')}`);
  }
  const [family, variant] = name.split('-');
  let model: LayersModel;
  switch (family) {
    case 'paccnet': return pacc.models.paccNet({variant: variant as 'xs' | 's' | 'h', numClasses, inputShape});
    case 'mobilevit': return pacc.models.mobileViT({variant: variant as 'xs' | 's', numClasses, inputShape});
    case 'resnet50': model = pacc.zoo.resNet50({inputShape, numClasses}); break;
    case 'mobilenetv2': model = pacc.zoo.mobileNetV2({inputShape, numClasses}); break;
    case 'convnext': model = pacc.zoo.convNeXt({variant: variant as 'tiny' | 'xt', inputShape, numClasses}); break;
    default: model = pacc.zoo.edgeViT({variant: variant as 'xxs' | 'xs' | 's', inputShape, numClasses}); break;
  }
  if (!surgery) return model;
  const surgered = pacc.replaceBlocks(model);
  model.dispose();
  return surgered;
}

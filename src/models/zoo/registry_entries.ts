// Registry entries of the official ParC_ConvNets models (spec §5/§6), built as zoo base model + replaceBlocks.
import type {LayersModel} from '@tensorflow/tfjs-layers';
import {replaceBlocks} from '../../surgery/replace_blocks';
import {registerModel, RegistryBuildOptions} from '../registry';
import {convNeXt} from './convnext';
import {mobileNetV2} from './mobilenetv2';
import {resNet50} from './resnet50';

/** The surgered model; the base is disposed (replaceBlocks copied what it needed). */
function parc(base: LayersModel): LayersModel {
  const m = replaceBlocks(base);
  base.dispose();
  return m;
}

// Logits (no softmax) like the registry's other models. With a free input size the
// ParC kernels are meta kernels of the official length, so the counts are the same.
const head = (o: RegistryBuildOptions = {}) => ({numClasses: o.numClasses, inputShape: o.inputShape, classifierActivation: 'linear' as const});

// Heavy: the cpu backend's conv backprop makes full training tests of these slow;
// test/surgery/ covers their surgery, training and save/load at small inputs.
registerModel({name: 'parc-resnet50', family: 'parc-convnets', params: 23737640, heavy: true,
  build: (o) => parc(resNet50({...head(o), convBias: false}))});
registerModel({name: 'parc-mobilenetv2', family: 'parc-convnets', params: 3532136, heavy: true,
  build: (o) => parc(mobileNetV2(head(o)))});
registerModel({name: 'parc-convnext-xt', family: 'parc-convnets', params: 7412824, heavy: true,
  build: (o) => parc(convNeXt({...head(o), variant: 'xt'}))});

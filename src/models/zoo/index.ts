// pacc.zoo: base-model builders with Keras-compatible layer names (the inputs of replaceBlocks).
export {resNet50} from './resnet50';
export type {ResNet50Options} from './resnet50';
export {mobileNetV2} from './mobilenetv2';
export {convNeXt} from './convnext';
export type {ConvNeXtOptions} from './convnext';
export type {ZooOptions} from './common';
export {edgeViT} from './edgevit';
export type {EdgeViTOptions} from './edgevit';

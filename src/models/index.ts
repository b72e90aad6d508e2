// The `pacc.models` namespace: model builders, configs, registry and helpers (each family adds its own export lines).
export {paccNet, paccNetBackbone, resolvePaccNetConfig} from './paccnet';
export type {PaccNetOptions} from './paccnet';
export {PACCNET_CONFIGS, PACCNET_PARAM_COUNTS} from './paccnet_configs';
export type {PaccFrameStage, PaccMv2Stage, PaccNetConfig, PaccNetVariant, PaccStage} from './paccnet_configs';
export {paccNetTorchKeyMap} from './paccnet_torch_keys';
export {mobileViT} from './mobilevit';
export type {MobileViTOptions} from './mobilevit';
export {MOBILEVIT_CONFIGS, MOBILEVIT_PARAM_COUNTS} from './mobilevit_configs';
export type {MobileViTConfig, MobileViTMv2Stage, MobileViTTransformerStage, MobileViTVariant} from './mobilevit_configs';
export {mobileViTTorchKeyMap} from './mobilevit_torch_keys';
/** Deprecated pre-rename spellings. */
export type {MobileVitConfig, MobileVitMv2Stage, MobileVitTransformerStage, MobileVitVariant} from './mobilevit_configs';
export {mobileVitTorchKeyMap} from './mobilevit_torch_keys';
export {preprocessImage} from './preprocess';
export type {PreprocessOptions} from './preprocess';
export {getModelEntry, MODEL_REGISTRY, modelNames, registerModel} from './registry';
export type {ModelEntry, ModelTask, RegistryBuildOptions, TorchCheckpointSpec} from './registry';
export {backboneTorchEntries, resolveBackboneName, TASK_BACKBONES, taskBackbone} from './backbones';
export type {TaskBackbone, TaskBackboneName} from './backbones';
export {ssd, SsdOutputs, SSD_ANCHORS_PER_LOCATION, SSD_OUTPUT_STRIDES, SSD_PARAM_COUNTS, SSD_PROJ_CHANNELS} from './ssd';
export type {SsdOptions} from './ssd';
export {ssdNumClassesOf, ssdTorchKeyMap} from './ssd_torch_keys';
export {deeplabV3, deepLabV3Head, DEEPLABV3_PARAM_COUNTS} from './deeplabv3';
export type {DeepLabV3HeadOptions, DeepLabV3HeadOutputs, DeepLabV3Options} from './deeplabv3';
export {deepLabV3HeadTorchEntries, deepLabV3NumClassesOf, deepLabV3TorchKeyMap} from './deeplabv3_torch_keys';

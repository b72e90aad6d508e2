// The `pacc.models` namespace: model builders, configs, registry and helpers (each family adds its own export lines).
export {paccNet, paccNetBackbone, resolvePaccNetConfig} from './paccnet';
export type {PaccNetOptions} from './paccnet';
export {PACCNET_CONFIGS, PACCNET_PARAM_COUNTS} from './paccnet_configs';
export type {PaccFrameStage, PaccMv2Stage, PaccNetConfig, PaccNetVariant, PaccStage} from './paccnet_configs';
export {paccNetTorchKeyMap} from './paccnet_torch_keys';
export {mobileViT} from './mobilevit';
export type {MobileViTOptions} from './mobilevit';
export {MOBILEVIT_CONFIGS, MOBILEVIT_PARAM_COUNTS} from './mobilevit_configs';
export type {MobileVitConfig, MobileVitMv2Stage, MobileVitTransformerStage, MobileVitVariant} from './mobilevit_configs';
export {mobileVitTorchKeyMap} from './mobilevit_torch_keys';
export {preprocessImage} from './preprocess';
export type {PreprocessOptions} from './preprocess';
export {getModelEntry, MODEL_REGISTRY, modelNames, registerModel} from './registry';
export type {ModelEntry, ModelTask, RegistryBuildOptions, TorchCheckpointSpec} from './registry';
export {backboneTorchEntries, resolveBackboneName, TASK_BACKBONES, taskBackbone} from './backbones';
export type {TaskBackbone, TaskBackboneName} from './backbones';

// Converters namespace (`pacc.converters`): PyTorch checkpoints to tfjs, and graph-model helpers.
export {fromTorchCheckpoint, convertTorchCheckpoint, TORCH_ARCHS} from './torch/from_checkpoint';
export type {FromTorchCheckpointOptions, TorchArch, TorchConversion} from './torch/from_checkpoint';
export {readTorchCheckpoint} from './torch/checkpoint';
export type {TorchStateDict, TorchTensor} from './torch/checkpoint';
export {applyTorchStateDict} from './torch/apply';
export type {ApplyResult} from './torch/apply';
export {fuseCircularConvs} from './graph/fuse';
export type {FuseReport, FuseResult, FusedCircularConv, GraphModelJson, NearMiss} from './graph/fuse';
export {executePaccGraphNode, graphOpReady, registerGraphOp} from './graph/register_op';
export type {GraphNodeLike, RegisterOpFn} from './graph/register_op';

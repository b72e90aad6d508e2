// tfjs-pacc public API. Importing this module registers our kernels and gradients (idempotently).
// tfjs-layers registers tfjs-core's stock gradients (sum, the composite fallback's ops);
// importing the core subpath directly breaks under Node ESM (directory imports).
import '@tensorflow/tfjs-layers';
import {registerAll} from '../ops/register';

export {positionAwareCircularConv} from '../ops/pacc/op';
export type {PositionAwareCircularConvOptions} from '../ops/pacc/op';
export {
  PositionAwareCircularConv, PositionAwareCircularConvBackpropBiasPe, PositionAwareCircularConvBackpropFilter,
  PositionAwareCircularConvBackpropInput,
} from '../ops/pacc/kernel_names';
export type {PaccDirection} from '../ops/pacc/kernel_names';
export {resizeMetaKernel} from '../ops/resize_meta_kernel/op';
export type {ResizeMethod} from '../ops/resize_meta_kernel/op';
export {registerAll as registerKernels};
/** Fast wasm training kernels, installed on import; switch off with useFastWasmTrainingKernels(false) (docs/wasm-training.md). */
export {useFastWasmConv2DBackpropInput, useFastWasmTrainingKernels} from '../ops/conv_backprop/override';
/** Worker threads for our wasm kernels on tfjs-wasm's threaded build (docs/wasm-training.md, "Threads"). */
export {setWasmKernelThreads, wasmKernelThreads} from '../ops/wasm/module';
/** `pacc.converters.*`: PyTorch checkpoints to tfjs models (issue 6). */
export * as converters from '../converters/index';

// Layers (registered for deserialisation on import) and the PaCC-Net family (issue 5).
export {PaccConv} from './layers/pacc_conv';
export type {PaccConvArgs, PaccResizeMethod} from './layers/pacc_conv';
export {PaccBlock} from './layers/pacc_block';
export type {PaccBlockArgs, PaccMixer} from './layers/pacc_block';
export {HardSwish} from './layers/hard_swish';
export {HardSigmoid} from './layers/hard_sigmoid';
export {GroupedConv2D} from './layers/grouped_conv2d';
// MobileViT baseline layers (issue 5); the MobileVit* spellings are deprecated aliases.
export {MobileViTAttention, MobileVitAttention} from './layers/mobilevit_attention';
export {MobileViTFold, MobileVitFold} from './layers/mobilevit_fold';
export {MobileViTLayerNorm, MobileVitLayerNorm} from './layers/mobilevit_layer_norm';
export {MobileViTUnfold, MobileVitUnfold} from './layers/mobilevit_unfold';
/** `pacc.models.*`: model builders, configs, registry, preprocessing. */
export * as models from './models/index';
/** `pacc.io.*`: IO handlers (e.g. `pacc.io.fileSystem(dir)` for Node without tfjs-node). */
export * as io from './io/index';
/** `pacc.replaceBlocks(model, options?)`: PaCC blocks into loaded ResNet50 / MobileNetV2 / ConvNeXt / EdgeViT models (issue 7). */
export {replaceBlocks, detectFamily} from './surgery/index';
export type {Family, ReplaceBlocksOptions} from './surgery/index';
export {ParcSplitConv} from './layers/parc_split_conv';
export type {ParcSplitConvArgs} from './layers/parc_split_conv';
export {LayerScale} from './layers/layer_scale';
export {EdgeViTGlobalSparseAttn, EdgeVitGlobalSparseAttn} from './layers/edgevit_global_sparse_attn';
export {Normalization} from './layers/normalization';
/** `pacc.zoo.*`: base-model builders with Keras-compatible layer names (issue 7). */
export * as zoo from './models/zoo/index';
/** `pacc.metrics.*`: COCO box AP (pycocotools-equal) and segmentation mean IoU (issues 13, 14; docs/metrics.md). */
export * as metrics from './metrics/index';
/** `pacc.detection.*`: SSD anchors, box coder, matcher, multibox loss, post-processing, `load()` detector (issue 13; docs/detection.md). */
export * as detection from './detection/index';
/** `pacc.segmentation.*`: DeepLabV3 cross-entropy loss, `load()` semantic segmenter, PASCAL VOC labels (issue 14; docs/segmentation.md). */
export * as segmentation from './segmentation/index';

/** `pacc.optimizeForInference(model)`: BN folding, fused bias + activation, folded PaCC blocks (issue 17, docs/inference.md). */
export {optimizeForInference, FusedConv2D, FusedDense, FusedPaccBlock} from './optimize/index';
export type {OptimizeOptions, FusedActivationName} from './optimize/index';

registerAll();

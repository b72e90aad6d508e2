// The `pacc.segmentation` namespace: DeepLabV3 training loss, the SemanticSegmenter task API, PASCAL VOC labels and the head's layers.
export {crossEntropyLoss, nearestIndices, resizeNearestTorch} from './loss';
export type {CrossEntropyLossOptions} from './loss';
export {AtrousConv2D, BilinearUpsample, SpatialBroadcast, atrousConv2d} from './layers';
export type {AtrousConv2DArgs, BilinearUpsampleArgs} from './layers';
export {load, SemanticSegmenter} from './segmenter';
export type {Color, ImageDataLike, SegmentationResult, SegmenterInput, SegmenterOptions} from './segmenter';
export {PASCAL_VOC_LABELS, pascalColormap} from './pascal';

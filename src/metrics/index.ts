// Metrics namespace (`pacc.metrics`): COCO box AP/AR as pycocotools and segmentation mean IoU as the official eval; see docs/metrics.md.
export {cocoEvaluate, IOU_THRESHOLDS, RECALL_THRESHOLDS, MAX_DETS, AREA_RANGES} from './coco_eval';
export type {CocoId, CocoAnnotation, CocoGroundTruth, CocoDetection, CocoStats, CocoEvaluateOptions, CocoPerCategory} from './coco_eval';
export {meanIoU, ConfusionMatrix} from './mean_iou';
export type {LabelMap, EmptyClassPolicy, MeanIoUOptions, MeanIoUResult} from './mean_iou';

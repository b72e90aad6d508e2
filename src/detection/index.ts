// Detection namespace (`pacc.detection`): SSD priors, box coder, matcher, multibox loss, NMS, post-processing and the ObjectDetector task API.
export * from "./anchors";
export * from "./box_coder";
export * from "./matcher";
export * from "./loss";
export * from "./nms";
export * from "./postprocess";
export * from "./coco_labels";
export * from "./detector";

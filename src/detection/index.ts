// Detection namespace: SSD priors, box coder and prior matcher (model, loss, NMS, COCO eval not yet built).
export * from "./anchors";
export * from "./box_coder";
export * from "./matcher";

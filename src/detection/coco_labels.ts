// COCO 2017 detection classes in the order of the SSD's contiguous labels 1..80 (sorted category ids; background excluded).

/** The 80 COCO class names; `COCO_LABELS[k - 1]` names the model's class k (as in @tensorflow-models/coco-ssd). */
export const COCO_LABELS: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];

/** COCO category ids of the contiguous labels 1..80 (`COCO_CATEGORY_IDS[k - 1]`): 1..90 without the 10 unused ids. */
export const COCO_CATEGORY_IDS: readonly number[] = Array.from({length: 90}, (_, i) => i + 1)
  .filter((id) => ![12, 26, 29, 30, 45, 66, 68, 69, 71, 83].includes(id));

// PASCAL VOC 2012 segmentation labels (official cvnets names) and the VOC devkit colour map.

/** The 21 PASCAL VOC classes in training-index order, spelt as the official `VOC_CLASS_LIST` (index 0 = background). */
export const PASCAL_VOC_LABELS: readonly string[] = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'potted_plant', 'sheep', 'sofa', 'train', 'tv_monitor',
];

/**
 * The PASCAL VOC devkit colour map (the official `utils/color_map.py`): class i's bits 0/1/2, 3/4/5, …
 * go to the high bits of r/g/b. Returns `n` [r, g, b] triples (0..255); 0 = black, 1 = [128, 0, 0], …
 */
export function pascalColormap(n = 256): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    let r = 0, g = 0, b = 0, c = i;
    for (let j = 0; j < 8; j++) {
      r |= (c & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    out.push([r, g, b]);
  }
  return out;
}

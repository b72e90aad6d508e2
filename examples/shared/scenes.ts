// Synthetic detection / segmentation scenes: Fashion-MNIST items pasted on textured canvases, with COCO boxes and VOC-style masks (browser-safe).
import {FASHION_CLASSES} from './idx_parse';
import {mulberry32} from './seed';
import {resizeBytes} from './task_input';

/** Source items: `count` grey images of `height`×`width` (uint8, 0 = empty) with labels 0..classes-1. */
export interface ItemSource { images: Uint8Array; labels: ArrayLike<number>; count: number; height: number; width: number; }

export interface SceneOptions {
  /** Number of scenes. */
  count: number;
  /** Canvas side in pixels (square). Default 128. */
  size?: number;
  /** Items per scene, drawn uniformly from [minItems, maxItems]. Default 1..4. */
  minItems?: number;
  maxItems?: number;
  /** Pasted item side in pixels (the 28×28 item is scaled to this square). Default 0.18·size .. 0.5·size. */
  minItemSize?: number;
  maxItemSize?: number;
  /**
   * Item pixels (after scaling) at or above this grey value belong to the item: they are pasted, they
   * define the tight box and they are the mask. Fainter pixels are not pasted, so a box is exactly
   * the extent of what is drawn. Default 40.
   */
  threshold?: number;
  /** Largest IoU allowed between two item boxes of a scene; also no box may cover more than half of another. Default 0.2. */
  maxOverlap?: number;
  /** Seed of the scene's own generator (scenes never touch Math.random). */
  seed: number;
}

/** One object: COCO box [x, y, w, h] in pixels (tight around its pixels), category 1..10, visible pixel count. */
export interface SceneObject { bbox: [number, number, number, number]; category: number; area: number; }

/** A set of scenes: RGB canvases, per-pixel class masks and the objects of each scene. */
export interface SceneSet {
  count: number;
  size: number;
  /** RGB bytes, [count, size, size, 3]. */
  images: Uint8Array;
  /** Class index per pixel, [count, size, size]: 0 background, 1..10 the item's class, 255 void (a 1-px ring around items). */
  masks: Uint8Array;
  objects: SceneObject[][];
  /** Category names, index k-1 for category k (the Fashion-MNIST class names). */
  categories: string[];
}

/** The void label of the masks (PASCAL VOC's "don't care" border). */
export const VOID = 255;

/** A seeded generator independent of Math.random, so scenes repeat whatever else runs. */
export const rng = mulberry32;


/** Box IoU of two [x, y, w, h] boxes, and the fraction of `b` covered by `a`. */
function overlap(a: number[], b: number[]): {iou: number; coverB: number} {
  const iw = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  return {iou: inter / (a[2] * a[3] + b[2] * b[3] - inter), coverB: inter / (b[2] * b[3])};
}

function checkInt(v: number, name: string, lo: number, hi = Infinity) {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`makeScenes: ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
}

/**
 * Renders `opts.count` scenes. Each canvas is a smooth random-coloured background (two low-frequency
 * sine gradients plus light pixel noise); 1–4 items, each a random Fashion-MNIST image scaled to a
 * random square size and tinted with a random bright colour, are alpha-blended at random positions
 * with limited overlap (a later item is drawn over an earlier one). Deterministic in `opts.seed` and `source`.
 */
export function makeScenes(source: ItemSource, opts: SceneOptions): SceneSet {
  const size = opts.size ?? 128;
  const minItems = opts.minItems ?? 1, maxItems = opts.maxItems ?? 4;
  const minItemSize = opts.minItemSize ?? Math.round(0.18 * size), maxItemSize = opts.maxItemSize ?? Math.round(0.5 * size);
  const threshold = opts.threshold ?? 40, maxOverlap = opts.maxOverlap ?? 0.2;
  checkInt(opts.count, 'count', 0);
  checkInt(size, 'size', 8, 4096);
  checkInt(minItems, 'minItems', 0);
  checkInt(maxItems, 'maxItems', minItems);
  checkInt(minItemSize, 'minItemSize', 4, size);
  checkInt(maxItemSize, 'maxItemSize', minItemSize, size);
  checkInt(threshold, 'threshold', 1, 255);
  if (source.count < 1 || source.images.length !== source.count * source.height * source.width) {
    throw new Error(`makeScenes: source holds ${source.images.length} bytes, expected count ${source.count} × ${source.height}×${source.width}`);
  }
  const rand = rng(opts.seed);
  const n = opts.count, px = size * size;
  const images = new Uint8Array(n * px * 3), masks = new Uint8Array(n * px);
  const objects: SceneObject[][] = [];
  const owner = new Int16Array(px);
  for (let s = 0; s < n; s++) {
    const img = images.subarray(s * px * 3, (s + 1) * px * 3), mask = masks.subarray(s * px, (s + 1) * px);
    // Background: a dim base colour, two slow sine waves and per-pixel noise (so "flat = background" is not a shortcut).
    const base = [0, 1, 2].map(() => 20 + 70 * rand());
    const amp = 10 + 25 * rand(), fx = 1 + 3 * rand(), fy = 1 + 3 * rand(), ph = 6.283 * rand(), noise = 4 + 10 * rand();
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const wave = amp * Math.sin(6.283 * fx * j / size + ph) * Math.cos(6.283 * fy * i / size);
        for (let c = 0; c < 3; c++) img[(i * size + j) * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c] + wave * (c === 1 ? 0.7 : 1) + noise * (rand() - 0.5) * 2)));
      }
    }
    owner.fill(-1);
    const k = minItems + Math.floor(rand() * (maxItems - minItems + 1));
    const placed: {box: [number, number, number, number]; category: number}[] = [];
    for (let it = 0; it < k; it++) {
      // One random item and size; a few positions are tried to keep overlaps small, else the item is skipped.
      const idx = Math.floor(rand() * source.count);
      const side = minItemSize + Math.floor(rand() * (maxItemSize - minItemSize + 1));
      const item = resizeBytes(source.images.subarray(idx * source.height * source.width, (idx + 1) * source.height * source.width), source.width, source.height, 1, side, side);
      let x0 = side, y0 = side, x1 = -1, y1 = -1;
      for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) {
        if (item[i * side + j] >= threshold) { x0 = Math.min(x0, j); x1 = Math.max(x1, j); y0 = Math.min(y0, i); y1 = Math.max(y1, i); }
      }
      if (x1 < 0) continue;  // an empty item (never in Fashion-MNIST, but cheap to guard)
      const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
      for (let attempt = 0; attempt < 20; attempt++) {
        // Offset of the item's square so that its tight box lies fully inside the canvas.
        const ox = Math.floor(rand() * (size - bw + 1)) - x0, oy = Math.floor(rand() * (size - bh + 1)) - y0;
        const box: [number, number, number, number] = [ox + x0, oy + y0, bw, bh];
        if (placed.some((p) => { const o = overlap(p.box, box), r = overlap(box, p.box); return o.iou > maxOverlap || o.coverB > 0.5 || r.coverB > 0.5; })) continue;
        const tint = [0, 1, 2].map(() => 120 + 135 * rand());
        const id = placed.length;
        for (let i = y0; i <= y1; i++) for (let j = x0; j <= x1; j++) {
          const v = item[i * side + j];
          if (v < threshold) continue;
          const p = (oy + i) * size + ox + j, a = v / 255;
          for (let c = 0; c < 3; c++) img[p * 3 + c] = Math.round((1 - a) * img[p * 3 + c] + a * tint[c]);
          owner[p] = id;
        }
        placed.push({box, category: source.labels[idx] + 1});
        break;
      }
    }
    // Masks: class per item pixel; a 1-px ring (8-neighbourhood) of background pixels around any item is void.
    const area = new Array(placed.length).fill(0);
    for (let p = 0; p < px; p++) {
      if (owner[p] >= 0) { mask[p] = placed[owner[p]].category; area[owner[p]]++; } else mask[p] = 0;
    }
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
      if (owner[i * size + j] >= 0) continue;
      let near = false;
      for (let di = -1; di <= 1 && !near; di++) for (let dj = -1; dj <= 1; dj++) {
        const y = i + di, x = j + dj;
        if (y >= 0 && y < size && x >= 0 && x < size && owner[y * size + x] >= 0) { near = true; break; }
      }
      if (near) mask[i * size + j] = VOID;
    }
    // An item fully hidden by later ones would have no visible pixel: drop it (the overlap limit makes this rare).
    objects.push(placed.map((p, i) => ({bbox: p.box, category: p.category, area: area[i]})).filter((o) => o.area > 0));
  }
  return {count: n, size, images, masks, objects, categories: FASHION_CLASSES.slice()};
}

/** COCO instances JSON (the fields cocoEvaluate and the official loaders read) of a scene set. */
export type CocoJson = {
  info?: Record<string, unknown>;
  images: {id: number; file_name: string; width: number; height: number}[];
  annotations: {id: number; image_id: number; category_id: number; bbox: number[]; area: number; iscrowd: number}[];
  categories: {id: number; name: string; supercategory?: string}[];
};

/** File name of scene `i` (without extension), shared by the COCO and VOC writers. */
export function sceneName(split: string, i: number): string {
  return `${split}_${String(i).padStart(6, '0')}`;
}

/** COCO instances of `set`: image ids 1..count, annotation ids 1.., categories 1..10 with the Fashion-MNIST names. */
export function toCoco(set: SceneSet, split: string, ext = 'png'): CocoJson {
  const images = Array.from({length: set.count}, (_, i) => ({id: i + 1, file_name: `${sceneName(split, i)}.${ext}`, width: set.size, height: set.size}));
  const annotations: CocoJson['annotations'] = [];
  set.objects.forEach((objs, i) => objs.forEach((o) => annotations.push({
    id: annotations.length + 1, image_id: i + 1, category_id: o.category, bbox: [...o.bbox], area: o.area, iscrowd: 0,
  })));
  return {
    info: {description: `tfjs-pacc synthetic Fashion-MNIST scenes (${split})`},
    images, annotations,
    categories: set.categories.map((name, k) => ({id: k + 1, name, supercategory: 'fashion'})),
  };
}

/** The PASCAL VOC colour map (bit-interleaved, as in the VOC devkit): colour of each index 0..255. */
export function vocColormap(): Uint8Array {
  const cmap = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    let r = 0, g = 0, b = 0, c = i;
    for (let j = 0; j < 8; j++) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    cmap[3 * i] = r; cmap[3 * i + 1] = g; cmap[3 * i + 2] = b;
  }
  return cmap;
}

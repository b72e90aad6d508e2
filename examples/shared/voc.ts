// PASCAL VOC segmentation data on disk: writer of a synthetic scene set (JPEGImages, SegmentationClass palette PNGs, ImageSets) and a reader.
import {appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {decodeImage} from './datasets';
import {readLabelPng, writeJpeg, writePalettePng, writeRgbPng} from './image_io';
import {SceneSet, sceneName, VOID, vocColormap} from './scenes';
import type {SegmentationSample} from './task_input';

/**
 * Writes `set` as split `split` of a VOC layout under `dir`: `JPEGImages/<name>.jpg` (or `.png` with
 * `imageFormat: 'png'`, lossless), `SegmentationClass/<name>.png` (palette PNG with the VOC colour map:
 * index = class, 255 = void) and `ImageSets/Segmentation/<split>.txt` (one name per line, replaced).
 */
export function writeVoc(dir: string, split: string, set: SceneSet, opts: {imageFormat?: 'jpg' | 'png'} = {}): string[] {
  const fmt = opts.imageFormat ?? 'jpg';
  const cmap = vocColormap();
  const names: string[] = [];
  const px = set.size * set.size;
  for (let i = 0; i < set.count; i++) {
    const name = sceneName(split, i);
    const rgb = set.images.subarray(i * px * 3, (i + 1) * px * 3);
    if (fmt === 'jpg') writeJpeg(join(dir, 'JPEGImages', `${name}.jpg`), rgb, set.size, set.size);
    else writeRgbPng(join(dir, 'JPEGImages', `${name}.png`), rgb, set.size, set.size);
    writePalettePng(join(dir, 'SegmentationClass', `${name}.png`), set.masks.subarray(i * px, (i + 1) * px), set.size, set.size, cmap);
    names.push(name);
  }
  mkdirSync(join(dir, 'ImageSets', 'Segmentation'), {recursive: true});
  writeFileSync(join(dir, 'ImageSets', 'Segmentation', `${split}.txt`), '');
  appendFileSync(join(dir, 'ImageSets', 'Segmentation', `${split}.txt`), names.map((n) => `${n}\n`).join(''));
  return names;
}

/**
 * Reads split `split` of a VOC layout: names from `ImageSets/Segmentation/<split>.txt`, images from
 * `JPEGImages/<name>.jpg` (or .png), masks from `SegmentationClass/<name>.png` (palette indices; 255 kept
 * as void). A mask value that is neither a class (< numClasses) nor 255 is an Error naming the file.
 */
export function readVoc(dir: string, split: string, numClasses: number, limit = 0): SegmentationSample[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`VOC folder ${dir} does not exist`);
  const list = join(dir, 'ImageSets', 'Segmentation', `${split}.txt`);
  if (!existsSync(list)) throw new Error(`VOC folder ${dir} has no ImageSets/Segmentation/${split}.txt`);
  let names = readFileSync(list, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`${list} lists no images`);
  if (limit > 0) names = names.slice(0, limit);
  const cmap = vocColormap();
  return names.map((name) => {
    const img = ['jpg', 'jpeg', 'png'].map((e) => join(dir, 'JPEGImages', `${name}.${e}`)).find((p) => existsSync(p));
    if (!img) throw new Error(`${list}: image ${name} not found in ${join(dir, 'JPEGImages')} (.jpg or .png)`);
    const maskPath = join(dir, 'SegmentationClass', `${name}.png`);
    if (!existsSync(maskPath)) throw new Error(`${list}: mask ${name}.png not found in ${join(dir, 'SegmentationClass')}`);
    const {data, width, height} = decodeImage(img);
    const m = readLabelPng(maskPath, cmap);
    if (m.width !== width || m.height !== height) throw new Error(`${maskPath}: mask is ${m.width}×${m.height} but the image is ${width}×${height}`);
    for (let i = 0; i < m.indices.length; i++) {
      const v = m.indices[i];
      if (v >= numClasses && v !== VOID) {
        throw new Error(`${maskPath}: pixel (${i % width}, ${Math.floor(i / width)}) has class ${v}, outside 0..${numClasses - 1} (and not the void label 255)`);
      }
    }
    return {name, width, height, rgb: data, mask: m.indices};
  });
}

/** In-memory segmentation samples of a scene set (what readVoc gives after writeVoc with PNG images, without the files). */
export function sceneSegmentationSamples(set: SceneSet, split = 'scene'): SegmentationSample[] {
  const px = set.size * set.size;
  return Array.from({length: set.count}, (_, i) => ({
    name: sceneName(split, i), width: set.size, height: set.size,
    rgb: set.images.subarray(i * px * 3, (i + 1) * px * 3), mask: set.masks.subarray(i * px, (i + 1) * px),
  }));
}

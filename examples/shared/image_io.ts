// PNG / JPEG files for the task examples: RGB PNG and JPEG writers, palette PNG (VOC masks) writer and an index reader.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {deflateSync} from 'node:zlib';
import jpeg from 'jpeg-js';
import {PNG} from 'pngjs';

function rgba(rgb: Uint8Array, w: number, h: number): Buffer {
  const out = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    out[4 * i] = rgb[3 * i]; out[4 * i + 1] = rgb[3 * i + 1]; out[4 * i + 2] = rgb[3 * i + 2]; out[4 * i + 3] = 255;
  }
  return out;
}

function ensureDir(path: string) { mkdirSync(dirname(path), {recursive: true}); }

/** Writes RGB bytes as an 8-bit RGB PNG. */
export function writeRgbPng(path: string, rgb: Uint8Array, w: number, h: number): void {
  const png = new PNG({width: w, height: h});
  png.data = rgba(rgb, w, h);
  ensureDir(path);
  writeFileSync(path, PNG.sync.write(png, {colorType: 2}));
}

/** Writes RGB bytes as a baseline JPEG (jpeg-js), quality 0..100. */
export function writeJpeg(path: string, rgb: Uint8Array, w: number, h: number, quality = 95): void {
  ensureDir(path);
  writeFileSync(path, jpeg.encode({data: rgba(rgb, w, h), width: w, height: h}, quality).data);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes an 8-bit palette PNG (colour type 3), the format of PASCAL VOC's SegmentationClass
 * masks: each pixel stores its class index, viewers show the palette colour. pngjs cannot write
 * palette images, so the few chunks are assembled here.
 */
export function encodePalettePng(indices: Uint8Array, w: number, h: number, palette: Uint8Array): Buffer {
  if (indices.length !== w * h) throw new Error(`encodePalettePng: ${indices.length} indices is not ${w}×${h}`);
  if (palette.length !== 256 * 3) throw new Error(`encodePalettePng: palette must hold 256 RGB entries, got ${palette.length} bytes`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 3; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc(h * (w + 1));
  for (let i = 0; i < h; i++) {
    raw[i * (w + 1)] = 0;  // filter type None
    raw.set(indices.subarray(i * w, (i + 1) * w), i * (w + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('PLTE', palette), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)),
  ]);
}

export function writePalettePng(path: string, indices: Uint8Array, w: number, h: number, palette: Uint8Array): void {
  ensureDir(path);
  writeFileSync(path, encodePalettePng(indices, w, h, palette));
}

/**
 * Reads a label PNG as class indices: a palette PNG gives its indices (recovered from the decoded
 * colours through the file's own palette, first entry wins), a greyscale PNG its grey values (the
 * "SegmentationClassAug" convention). An RGB PNG is matched against `fallbackPalette` (VOC colours);
 * a colour that is in no palette is an Error naming the file, the pixel and the colour.
 */
export function readLabelPng(path: string, fallbackPalette?: Uint8Array): {indices: Uint8Array; width: number; height: number} {
  let png: PNG & {palette?: number[][]; colorType?: number};
  try {
    png = PNG.sync.read(readFileSync(path)) as unknown as typeof png;
  } catch (e) {
    throw new Error(`${path}: not a readable PNG label mask (${(e as Error).message})`);
  }
  const {width, height, data} = png;
  const indices = new Uint8Array(width * height);
  if (png.colorType === 0 || png.colorType === 4) {
    for (let i = 0; i < width * height; i++) indices[i] = data[4 * i];
    return {indices, width, height};
  }
  const lookup = new Map<number, number>();
  const pal = png.palette ? png.palette.map((c) => [c[0], c[1], c[2]]) : fallbackPalette ? Array.from({length: 256}, (_, k) => [fallbackPalette[3 * k], fallbackPalette[3 * k + 1], fallbackPalette[3 * k + 2]]) : undefined;
  if (!pal) throw new Error(`${path}: an RGB mask needs a palette to map colours to classes`);
  pal.forEach(([r, g, b], k) => { const key = (r << 16) | (g << 8) | b; if (!lookup.has(key)) lookup.set(key, k); });
  for (let i = 0; i < width * height; i++) {
    const key = (data[4 * i] << 16) | (data[4 * i + 1] << 8) | data[4 * i + 2];
    const k = lookup.get(key);
    if (k === undefined) throw new Error(`${path}: pixel (${i % width}, ${Math.floor(i / width)}) has colour rgb(${data[4 * i]}, ${data[4 * i + 1]}, ${data[4 * i + 2]}), which is not in the mask palette`);
    indices[i] = k;
  }
  return {indices, width, height};
}

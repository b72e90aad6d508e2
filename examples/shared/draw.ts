// Drawing on RGB byte images for the task examples: nearest upscaling, boxes, 5×7 bitmap text, mask overlays (browser-safe).

/** An RGB byte image. */
export interface Rgb { data: Uint8Array; width: number; height: number; }

/** Nearest-neighbour upscaling by an integer factor (small scenes are hard to see at 1:1). */
export function upscale(img: Rgb, k: number): Rgb {
  const w = img.width * k, h = img.height * k, data = new Uint8Array(w * h * 3);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const s = (Math.floor(i / k) * img.width + Math.floor(j / k)) * 3, d = (i * w + j) * 3;
      data[d] = img.data[s]; data[d + 1] = img.data[s + 1]; data[d + 2] = img.data[s + 2];
    }
  }
  return {data, width: w, height: h};
}

function put(img: Rgb, x: number, y: number, c: ArrayLike<number>) {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const d = (y * img.width + x) * 3;
  img.data[d] = c[0]; img.data[d + 1] = c[1]; img.data[d + 2] = c[2];
}

/** Rectangle outline with corners (x1, y1) and (x2, y2) in pixels (inclusive), `t` pixels thick, clipped to the image. */
export function drawBox(img: Rgb, x1: number, y1: number, x2: number, y2: number, color: ArrayLike<number>, t = 2): void {
  [x1, y1, x2, y2] = [x1, y1, x2, y2].map(Math.round);
  for (let k = 0; k < t; k++) {
    for (let x = x1; x <= x2; x++) { put(img, x, y1 + k, color); put(img, x, y2 - k, color); }
    for (let y = y1; y <= y2; y++) { put(img, x1 + k, y, color); put(img, x2 - k, y, color); }
  }
}

// 5×7 glyphs, one byte per column, bit 0 = top row (the classic HD44780-style font).
const GLYPHS: Record<string, number[]> = {
  ' ': [0, 0, 0, 0, 0], '.': [0, 0x60, 0x60, 0, 0], '-': [8, 8, 8, 8, 8], '/': [0x20, 0x10, 8, 4, 2], ':': [0, 0x36, 0x36, 0, 0],
  '%': [0x23, 0x13, 8, 0x64, 0x62], '?': [2, 1, 0x51, 9, 6],
  '0': [0x3e, 0x51, 0x49, 0x45, 0x3e], '1': [0, 0x42, 0x7f, 0x40, 0], '2': [0x42, 0x61, 0x51, 0x49, 0x46], '3': [0x21, 0x41, 0x45, 0x4b, 0x31],
  '4': [0x18, 0x14, 0x12, 0x7f, 0x10], '5': [0x27, 0x45, 0x45, 0x45, 0x39], '6': [0x3c, 0x4a, 0x49, 0x49, 0x30], '7': [1, 0x71, 9, 5, 3],
  '8': [0x36, 0x49, 0x49, 0x49, 0x36], '9': [6, 0x49, 0x49, 0x29, 0x1e],
  A: [0x7c, 0x12, 0x11, 0x12, 0x7c], B: [0x7f, 0x49, 0x49, 0x49, 0x36], C: [0x3e, 0x41, 0x41, 0x41, 0x22], D: [0x7f, 0x41, 0x41, 0x22, 0x1c],
  E: [0x7f, 0x49, 0x49, 0x49, 0x41], F: [0x7f, 9, 9, 9, 1], G: [0x3e, 0x41, 0x49, 0x49, 0x7a], H: [0x7f, 8, 8, 8, 0x7f],
  I: [0, 0x41, 0x7f, 0x41, 0], J: [0x20, 0x40, 0x41, 0x3f, 1], K: [0x7f, 8, 0x14, 0x22, 0x41], L: [0x7f, 0x40, 0x40, 0x40, 0x40],
  M: [0x7f, 2, 0xc, 2, 0x7f], N: [0x7f, 4, 8, 0x10, 0x7f], O: [0x3e, 0x41, 0x41, 0x41, 0x3e], P: [0x7f, 9, 9, 9, 6],
  Q: [0x3e, 0x41, 0x51, 0x21, 0x5e], R: [0x7f, 9, 0x19, 0x29, 0x46], S: [0x46, 0x49, 0x49, 0x49, 0x31], T: [1, 1, 0x7f, 1, 1],
  U: [0x3f, 0x40, 0x40, 0x40, 0x3f], V: [0x1f, 0x20, 0x40, 0x20, 0x1f], W: [0x3f, 0x40, 0x38, 0x40, 0x3f], X: [0x63, 0x14, 8, 0x14, 0x63],
  Y: [7, 8, 0x70, 8, 7], Z: [0x61, 0x51, 0x49, 0x45, 0x43],
};

/** Width in pixels of `text` drawn by drawText at `scale`. */
export function textWidth(text: string, scale = 1): number { return text.length * 6 * scale; }

/**
 * Writes `text` (upper-cased; letters, digits and . - / : % ?) with its top-left at (x, y) on a filled
 * background box, so labels stay readable on any image.
 */
export function drawText(img: Rgb, x: number, y: number, text: string, color: ArrayLike<number>, background: ArrayLike<number> = [0, 0, 0], scale = 1): void {
  const s = text.toUpperCase();
  x = Math.round(x); y = Math.round(y);  // fractional pixel indices would be ignored by the typed array
  for (let i = -1; i < 8 * scale; i++) for (let j = -1; j < textWidth(s, scale); j++) put(img, x + j, y + i, background);
  [...s].forEach((ch, n) => {
    const cols = GLYPHS[ch] ?? GLYPHS['?'];
    cols.forEach((bits, cx) => {
      for (let r = 0; r < 7; r++) {
        if (!((bits >> r) & 1)) continue;
        for (let a = 0; a < scale; a++) for (let b = 0; b < scale; b++) put(img, x + (n * 6 + cx) * scale + b, y + r * scale + a, color);
      }
    });
  });
}

/**
 * Blends the palette colour of each mask value over the image (`alpha` for classes > 0; background
 * pixels are left as they are; void pixels (255) are drawn white).
 */
export function overlayMask(img: Rgb, mask: Uint8Array, palette: Uint8Array, alpha = 0.55): Rgb {
  if (mask.length !== img.width * img.height) throw new Error(`overlayMask: mask has ${mask.length} values, image is ${img.width}×${img.height}`);
  const data = img.data.slice();
  for (let p = 0; p < mask.length; p++) {
    const v = mask[p];
    if (v === 0) continue;
    for (let c = 0; c < 3; c++) {
      const col = v === 255 ? 255 : palette[3 * v + c];
      data[3 * p + c] = Math.round((1 - alpha) * data[3 * p + c] + alpha * col);
    }
  }
  return {data, width: img.width, height: img.height};
}

/** Images of the same height side by side, separated by `gap` white pixels. */
export function hconcat(imgs: Rgb[], gap = 4): Rgb {
  const h = imgs[0].height;
  if (imgs.some((im) => im.height !== h)) throw new Error('hconcat: images must have the same height');
  const w = imgs.reduce((a, im) => a + im.width, 0) + gap * (imgs.length - 1);
  const data = new Uint8Array(w * h * 3).fill(255);
  let x0 = 0;
  for (const im of imgs) {
    for (let i = 0; i < h; i++) data.set(im.data.subarray(i * im.width * 3, (i + 1) * im.width * 3), (i * w + x0) * 3);
    x0 += im.width + gap;
  }
  return {data, width: w, height: h};
}

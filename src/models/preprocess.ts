// The official EdgeFormer / MobileViT ImageNet eval preprocessing (docs/op.md §4) for tfjs image tensors.
import * as tf from '@tensorflow/tfjs-core';

export interface PreprocessOptions {
  /** Side of the centre crop; default 256 (the official eval size). */
  cropSize?: number;
  /** Shorter side after resizing; default cropSize + 32 (= 288). */
  resizeTo?: number;
  /**
   * Channel order of the input. tfjs decoders (`tf.browser.fromPixels`, `tf.node.decodeImage`,
   * jpeg-js / pngjs) give 'rgb' (default), which is reversed to the BGR order the official
   * models were trained with (OpenCV loader). Pass 'bgr' if the pixels already are.
   */
  inputOrder?: 'rgb' | 'bgr';
  /**
   * Round the resized pixels to integers like OpenCV does on uint8 images (default true for
   * int32 inputs, false for float inputs).
   */
  roundResized?: boolean;
}

/**
 * Turns an image `[H, W, 3]` (or a batch `[N, H, W, 3]`) of pixel values 0..255 into the model
 * input `[N, cropSize, cropSize, 3]` exactly as the official eval loader: BGR channel order;
 * bilinear resize (OpenCV INTER_LINEAR = half-pixel centres) so the shorter side is `resizeTo` and
 * the longer side `floor(resizeTo · long / short)`; centre crop at offset `floor((dim - cropSize)/2)`;
 * divide by 255. **No mean/std normalisation** — the official models expect [0, 1] inputs.
 *
 * OpenCV interpolates uint8 images with 11-bit fixed-point weights, so single pixels may differ from
 * this float computation by one grey level (1/255); logits are not measurably affected.
 */
export function preprocessImage(image: tf.Tensor3D | tf.Tensor4D, opts: PreprocessOptions = {}): tf.Tensor4D {
  const crop = opts.cropSize ?? 256;
  const short = opts.resizeTo ?? crop + 32;
  if (image.rank !== 3 && image.rank !== 4) {
    throw new Error(`preprocessImage: argument 'image' must be [H, W, 3] or [N, H, W, 3], got shape [${image.shape}]`);
  }
  if (image.shape[image.rank - 1] !== 3) {
    throw new Error(`preprocessImage: argument 'image' must have 3 channels, got shape [${image.shape}]`);
  }
  if (!(Number.isInteger(crop) && crop >= 1 && Number.isInteger(short) && short >= crop)) {
    throw new Error(`preprocessImage: need integers resizeTo ≥ cropSize ≥ 1, got resizeTo ${short}, cropSize ${crop}`);
  }
  const order = opts.inputOrder ?? 'rgb';
  if (order !== 'rgb' && order !== 'bgr') throw new Error(`preprocessImage: inputOrder must be 'rgb' or 'bgr', got '${order}'`);
  const round = opts.roundResized ?? image.dtype === 'int32';
  return tf.tidy(() => {
    let x = tf.cast(image.rank === 3 ? tf.expandDims(image, 0) : image, 'float32') as tf.Tensor4D;
    const [, h, w] = x.shape;
    const [nh, nw] = h <= w ? [short, Math.floor((short * w) / h)] : [Math.floor((short * h) / w), short];
    x = tf.image.resizeBilinear(x, [nh, nw], false, true);
    if (round) x = tf.clipByValue(tf.round(x), 0, 255);
    const top = Math.floor((nh - crop) / 2), left = Math.floor((nw - crop) / 2);
    x = tf.slice(x, [0, top, left, 0], [-1, crop, crop, 3]);
    if (order === 'rgb') x = tf.reverse(x, 3);
    return tf.div(x, 255) as tf.Tensor4D;
  });
}

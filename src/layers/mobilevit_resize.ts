// Bilinear resize with PyTorch's align_corners=False convention, built from matMuls so its gradient is right on every backend.
import {matMul, reshape, Tensor, Tensor2D, tensor2d, tidy, transpose} from '@tensorflow/tfjs-core';

/**
 * The [out, in] interpolation matrix of F.interpolate(mode='bilinear', align_corners=False) along one
 * axis: src = (i + 0.5) · in / out - 0.5, clamped at 0; taps floor(src) and the next one (clamped).
 */
function halfPixelResizeMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = Math.max((i + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const lam = src - i0;
    m[i * inSize + i0] += 1 - lam;
    m[i * inSize + i1] += lam;
  }
  return m;
}

/** Multiplies axis 0 of x (shape [L, ...]) by the [out, L] matrix. */
function resizeLeadingAxis(x: Tensor, mat: Tensor2D): Tensor {
  const [l, ...rest] = x.shape;
  return reshape(matMul(mat, reshape(x, [l, x.size / l])), [mat.shape[0], ...rest]);
}

/**
 * NHWC `[B, H, W, C]` -> `[B, outH, outW, C]`, equal to PyTorch's bilinear interpolate with
 * align_corners=False. tf.image.resizeBilinear(halfPixelCenters) gives the same forward, but
 * tfjs-backend-cpu 4.22's ResizeBilinearGrad ignores halfPixelCenters and swaps H/W in its output
 * shape, so MobileViT uses this two-matMul form, whose gradient comes from matMul.
 */
export function resizeBilinearTorch(x: Tensor, outH: number, outW: number): Tensor {
  if (x.rank !== 4) throw new Error(`resizeBilinearTorch: expected an NHWC tensor, got shape [${x.shape}]`);
  const [, h, w] = x.shape;
  return tidy(() => {
    let y = x;
    if (outH !== h) {
      const rh = tensor2d(halfPixelResizeMatrix(h, outH), [outH, h]);
      y = transpose(resizeLeadingAxis(transpose(y, [1, 0, 2, 3]), rh), [1, 0, 2, 3]);
    }
    if (outW !== w) {
      const rw = tensor2d(halfPixelResizeMatrix(w, outW), [outW, w]);
      y = transpose(resizeLeadingAxis(transpose(y, [2, 0, 1, 3]), rw), [1, 2, 0, 3]);
    }
    return y;
  });
}

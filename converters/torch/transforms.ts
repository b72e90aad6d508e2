// Re-lays PyTorch tensors out as tfjs weights (the transforms named in src/models/torch_keymap.ts).
import type {TorchTransform} from '../../src/models/torch_keymap';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** The tfjs shape a transform produces from a PyTorch shape, or an explanation why it cannot. */
export function transformedShape(transform: TorchTransform, torchShape: number[], target: number[]): number[] | string {
  const s = torchShape;
  switch (transform) {
    case 'conv':
      return s.length === 4 ? [s[2], s[3], s[1], s[0]] : `conv needs an OIHW kernel, got rank ${s.length}`;
    case 'depthwise':
      // (C·m, 1, kh, kw) -> [kh, kw, C, m]; m comes from the target since torch folds it into dim 0.
      if (s.length !== 4 || s[1] !== 1) return `depthwise needs (C, 1, kh, kw), got [${s}]`;
      return target.length === 4 && target[2] * target[3] === s[0] ? [s[2], s[3], target[2], target[3]] : [s[2], s[3], s[0], 1];
    case 'linear':
      // A 1x1 conv weight (out, in, 1, 1) may back a dense layer too.
      if (s.length === 2 || (s.length === 4 && s[2] === 1 && s[3] === 1)) return [s[1], s[0]];
      return `linear needs (out, in), got [${s}]`;
    case 'axisKernel':
      if (s.length === 4 && s[1] === 1 && (s[2] === 1 || s[3] === 1)) return [s[2] * s[3], s[0]];
      return `axisKernel needs (C, 1, M, 1) or (C, 1, 1, M), got [${s}]`;
    case 'axisPe':
      if (s.length === 4 && s[0] === 1 && (s[2] === 1 || s[3] === 1)) return [s[2] * s[3], s[1]];
      return `axisPe needs (1, C, M, 1) or (1, C, 1, M), got [${s}]`;
    case 'identity':
      return prod(s) === prod(target) ? target : `identity keeps ${prod(s)} elements, the weight has ${prod(target)}`;
    default:
      return `unknown transform '${transform as string}'`;
  }
}

/** Moves `src` (PyTorch layout, shape `s`) into a new Float32Array in the tfjs layout of `transform`. */
export function applyTransform(transform: TorchTransform, src: ArrayLike<number>, s: number[]): Float32Array {
  const out = new Float32Array(src.length);
  switch (transform) {
    case 'conv': { // out[h][w][i][o] = src[o][i][h][w]
      const [O, I, H, W] = s;
      for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
        out[((h * W + w) * I + i) * O + o] = src[((o * I + i) * H + h) * W + w];
      }
      return out;
    }
    case 'depthwise': { // out[h][w][o] = src[o][0][h][w]; o = c·m + j matches tfjs's [.., C, m] order
      const [O, , H, W] = s;
      for (let o = 0; o < O; o++) for (let p = 0; p < H * W; p++) out[p * O + o] = src[o * H * W + p];
      return out;
    }
    case 'linear': { // out[i][o] = src[o][i]
      const [O, I] = s;
      for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) out[i * O + o] = src[o * I + i];
      return out;
    }
    case 'axisKernel': case 'axisPe': { // out[k][c] = src[c][k] after dropping the unit axes
      const C = transform === 'axisKernel' ? s[0] : s[1];
      const M = s[2] * s[3];
      for (let c = 0; c < C; c++) for (let k = 0; k < M; k++) out[k * C + c] = src[c * M + k];
      return out;
    }
    case 'identity':
      out.set(src);
      return out;
  }
}

// Custom layers of the DeepLabV3 head: dilated (atrous) conv with gradients, ASPP image-pool broadcast, PyTorch bilinear upsampling.
import * as tf from '@tensorflow/tfjs-core';
import {layers, LayerVariable, Shape} from '@tensorflow/tfjs-layers';
import {resizeBilinearTorch} from '../layers/mobilevit_resize';
import {getSingleTensor, kaimingFanOut} from '../layers/util';

type Serializable = tf.serialization.SerializableConstructor<tf.serialization.Serializable>;

function positiveInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/** Zero-padded shift: out[n, i, j, c] = x[n, i + dy, j + dx, c] (0 outside). */
function shift(x: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (dy === 0 && dx === 0) return x;
  if (Math.abs(dy) >= h || Math.abs(dx) >= w) return tf.zerosLike(x);
  const sliced = tf.slice(x, [0, Math.max(dy, 0), Math.max(dx, 0), 0], [-1, h - Math.abs(dy), w - Math.abs(dx), -1]);
  return tf.pad(sliced, [[0, 0], [Math.max(-dy, 0), Math.max(dy, 0)], [Math.max(-dx, 0), Math.max(dx, 0)], [0, 0]]);
}

/**
 * Stride-1 k×k convolution with dilation d and zero padding d·(k-1)/2 on every side (PyTorch
 * `Conv2d(k, padding=dilation, dilation=dilation)` for k = 3), no bias. The forward is tfjs' native
 * dilated conv2d ('same' padding, which is symmetric at stride 1); the gradient is our own because
 * tfjs-core 4.22 refuses gradients of dilated convs: dx is the dilated conv of dy with the kernel
 * rotated by 180° and its in/out axes swapped, dW[ky, kx] = shift(x)ᵀ · dy per tap (one matMul each).
 */
export function atrousConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, dilation: number): tf.Tensor4D {
  const [kh, kw] = kernel.shape;
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    const x4 = xi as tf.Tensor4D, w4 = wi as tf.Tensor4D;
    save([x4, w4]);
    return {
      value: tf.conv2d(x4, w4, 1, 'same', 'NHWC', dilation),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor4D[];
        const dy4 = dy as tf.Tensor4D;
        const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const dx = tf.conv2d(dy4, flipped, 1, 'same', 'NHWC', dilation);
        const [n, h, w, cin] = xs.shape;
        const cout = dy4.shape[3];
        const dyFlat = tf.reshape(dy4, [n * h * w, cout]);
        const taps: tf.Tensor[] = [];
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const xsShift = shift(xs, (ky - (kh - 1) / 2) * dilation, (kx - (kw - 1) / 2) * dilation);
            taps.push(tf.matMul(tf.reshape(xsShift, [n * h * w, cin]), dyFlat, true, false));
          }
        }
        const dw = tf.reshape(tf.stack(taps), [kh, kw, cin, cout]);
        return [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, kernel) as tf.Tensor4D;
}

export interface AtrousConv2DArgs {
  filters: number;
  /** Odd kernel size; default 3. */
  kernelSize?: number;
  dilationRate: number;
  name?: string;
  trainable?: boolean;
}

/** The ASPP's dilated 3×3 conv (no bias) as a layer with weight `kernel` [k, k, Cin, filters] (init kaiming-normal fan_out). */
export class AtrousConv2D extends layers.Layer {
  static className = 'AtrousConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly dilationRate: number;
  private kernel?: LayerVariable;

  constructor(args: AtrousConv2DArgs) {
    super(args);
    this.filters = positiveInt(args.filters, `AtrousConv2D '${this.name}': filters`);
    this.kernelSize = positiveInt(args.kernelSize ?? 3, `AtrousConv2D '${this.name}': kernelSize`);
    if (this.kernelSize % 2 !== 1) throw new Error(`AtrousConv2D '${this.name}': kernelSize must be odd, got ${this.kernelSize}`);
    this.dilationRate = positiveInt(args.dilationRate, `AtrousConv2D '${this.name}': dilationRate`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = s[s.length - 1];
    if (s.length !== 4 || c == null) throw new Error(`AtrousConv2D '${this.name}': expected input [N, H, W, C] with known C, got ${JSON.stringify(s)}`);
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, c, this.filters], 'float32', kaimingFanOut(this.filters, k, k));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [s[0], s[1], s[2], this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => atrousConv2d(getSingleTensor(inputs, 'AtrousConv2D') as tf.Tensor4D, this.kernel!.read() as tf.Tensor4D, this.dilationRate));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, dilationRate: this.dilationRate};
  }
}

/**
 * Inputs `[pooled [N, 1, 1, C], reference [N, H, W, *]]` -> pooled broadcast to `[N, H, W, C]`: the
 * ASPP image-pooling branch's bilinear resize from 1×1 back to H×W (align_corners=False), which is
 * exactly a broadcast. Works with a free input size.
 */
export class SpatialBroadcast extends layers.Layer {
  static className = 'SpatialBroadcast';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [p, r] = inputShape as Shape[];
    return [p[0], r[1], r[2], p[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`SpatialBroadcast '${this.name}': expected [pooled, reference] inputs`);
    const [p, r] = inputs;
    if (p.rank !== 4 || r.rank !== 4 || p.shape[1] !== 1 || p.shape[2] !== 1 || p.shape[0] !== r.shape[0]) {
      throw new Error(`SpatialBroadcast '${this.name}': expected pooled [N, 1, 1, C] and reference [N, H, W, *], got [${p.shape}] and [${r.shape}]`);
    }
    return tf.tidy(() => tf.broadcastTo(p, [r.shape[0], r.shape[1], r.shape[2], p.shape[3]] as number[]));
  }
}

export interface BilinearUpsampleArgs {
  /** Integer scale factor (the official head: the output stride, 16). */
  scale: number;
  name?: string;
}

/**
 * PyTorch `nn.Upsample(scale_factor=s, mode='bilinear', align_corners=False)` on NHWC: output
 * [N, s·H, s·W, C]. With an integer scale torch 1.13 computes source indices with 1/s, which equals
 * in/out here, i.e. half-pixel centres clamped at 0 (tf.image.resizeBilinear with halfPixelCenters
 * gives the same forward). Built from two matMuls (`resizeBilinearTorch`) because tfjs-backend-cpu
 * 4.22's ResizeBilinearGrad ignores halfPixelCenters.
 */
export class BilinearUpsample extends layers.Layer {
  static className = 'BilinearUpsample';
  readonly scale: number;

  constructor(args: BilinearUpsampleArgs) {
    super(args);
    this.scale = positiveInt(args.scale, `BilinearUpsample '${this.name}': scale`);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const up = (d: number | null) => (d == null ? null : d * this.scale);
    return [s[0], up(s[1]), up(s[2]), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = getSingleTensor(inputs, 'BilinearUpsample');
    if (x.rank !== 4) throw new Error(`BilinearUpsample '${this.name}': expected an NHWC input, got shape [${x.shape}]`);
    return resizeBilinearTorch(x, (x.shape[1] as number) * this.scale, (x.shape[2] as number) * this.scale);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), scale: this.scale};
  }
}

for (const c of [AtrousConv2D, SpatialBroadcast, BilinearUpsample]) tf.serialization.registerClass(c as unknown as Serializable);

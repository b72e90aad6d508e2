// MobileViTUnfold: NHWC feature map -> non-overlapping patches [B, P, N, C] (cvnets MobileViTBlock.unfolding).
import {reshape, serialization, Tensor, tidy, transpose} from '@tensorflow/tfjs-core';
import {layers} from '@tensorflow/tfjs-layers';
import {resizeBilinearTorch} from './mobilevit_resize';
import {singleShape} from './util';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Shape = Array<number | null>;

export interface MobileViTPatchArgs extends LayerArgs {
  /** Patch height and width (the official MobileViT uses 2 x 2). */
  patchH?: number;
  patchW?: number;
}

/** What the unfold and fold layers share: the validated patch size and its config entries. */
export abstract class MobileViTPatchLayer extends layers.Layer {
  readonly patchH: number;
  readonly patchW: number;

  constructor(who: string, args: MobileViTPatchArgs) {
    super(args);
    this.patchH = args.patchH ?? 2;
    this.patchW = args.patchW ?? 2;
    for (const [k, v] of [['patchH', this.patchH], ['patchW', this.patchW]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${who}: ${k} must be a positive integer, got ${v}`);
    }
  }

  override getConfig(): serialization.ConfigDict {
    return {...super.getConfig(), patchH: this.patchH, patchW: this.patchW};
  }
}

/** Size of the patch grid: the feature map is resized up to the next multiple of the patch, as the official code does. */
export function patchGrid(h: number, w: number, patchH: number, patchW: number) {
  const nh = Math.ceil(h / patchH), nw = Math.ceil(w / patchW);
  return {nh, nw, newH: nh * patchH, newW: nw * patchW, resized: nh * patchH !== h || nw * patchW !== w};
}

/**
 * `[B, H, W, C]` -> `[B, P, N, C]` with `P = patchH * patchW` pixel positions inside a patch
 * (p = i * patchW + j) and `N = nh * nw` patches in row-major order, the same element order as
 * the official `[B*P, N, C]`. Attention then runs over N independently for each p.
 * When H or W is not a multiple of the patch, the map is first resized bilinearly
 * (align_corners = false) to the next multiple, like the official `F.interpolate` call.
 */
export class MobileViTUnfold extends MobileViTPatchLayer {
  // The serialized Keras class name keeps the pre-rename casing: saved model.json files name it.
  static className = 'MobileVitUnfold';

  constructor(args: MobileViTPatchArgs = {}) {
    super('MobileViTUnfold', args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    if (s.length !== 4) throw new Error(`MobileViTUnfold: expected a rank-4 NHWC input, got shape ${JSON.stringify(s)}`);
    const [b, h, w, c] = s;
    const grid = h == null || w == null ? null : patchGrid(h, w, this.patchH, this.patchW);
    return [b, this.patchH * this.patchW, grid == null ? null : grid.nh * grid.nw, c];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      let x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (x.rank !== 4) throw new Error(`MobileViTUnfold: expected a rank-4 NHWC input, got shape [${x.shape}]`);
      const [b, h, w, c] = x.shape;
      const {nh, nw, newH, newW, resized} = patchGrid(h, w, this.patchH, this.patchW);
      if (resized) x = resizeBilinearTorch(x, newH, newW);
      const ph = this.patchH, pw = this.patchW;
      // Two rank-4 transposes instead of one rank-6 one: every backend (wasm included) supports rank 4.
      // [B, nh, ph, nw*pw*C] -> [B, ph, nh, nw*pw*C]
      let t = transpose(reshape(x, [b, nh, ph, nw * pw * c]), [0, 2, 1, 3]);
      // [B*ph, nh*nw, pw, C] -> [B*ph, pw, nh*nw, C]
      t = transpose(reshape(t, [b * ph, nh * nw, pw, c]), [0, 2, 1, 3]);
      return reshape(t, [b, ph * pw, nh * nw, c]);
    });
  }

}
serialization.registerClass(MobileViTUnfold);

/** @deprecated Renamed MobileViTUnfold (the paper's casing); the serialized class name is unchanged. */
export const MobileVitUnfold = MobileViTUnfold;
/** @deprecated Renamed MobileViTUnfold. */
export type MobileVitUnfold = MobileViTUnfold;

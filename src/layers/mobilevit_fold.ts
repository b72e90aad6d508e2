// MobileViTFold: patches [B, P, N, C] back to an NHWC feature map (cvnets MobileViTBlock.folding).
import {reshape, serialization, Tensor, tidy, transpose} from '@tensorflow/tfjs-core';
import {resizeBilinearTorch} from './mobilevit_resize';
import {MobileViTPatchArgs, MobileViTPatchLayer, patchGrid} from './mobilevit_unfold';

type Shape = Array<number | null>;

/**
 * Inverse of MobileViTUnfold. Takes `[patches, reference]`: the spatial size comes from the
 * reference feature map (the tensor that was unfolded), because N = nh * nw alone cannot tell
 * a non-square grid apart. If unfolding had to resize, the result is resized back to the
 * reference size (bilinear, align_corners = false), as the official code does.
 */
export class MobileViTFold extends MobileViTPatchLayer {
  // The serialized Keras class name keeps the pre-rename casing: saved model.json files name it.
  static className = 'MobileVitFold';

  constructor(args: MobileViTPatchArgs = {}) {
    super('MobileViTFold', args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new Error('MobileViTFold: expected two inputs [patches, reference]');
    }
    const [p, ref] = inputShape as Shape[];
    return [p[0], ref[1], ref[2], p[3]];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error('MobileViTFold: expected two inputs [patches, reference]');
      }
      const [patches, ref] = inputs;
      if (patches.rank !== 4 || ref.rank !== 4) {
        throw new Error(`MobileViTFold: expected patches [B, P, N, C] and an NHWC reference, got shapes [${patches.shape}] and [${ref.shape}]`);
      }
      const [b, p, n, c] = patches.shape;
      const [, h, w] = ref.shape;
      const ph = this.patchH, pw = this.patchW;
      const {nh, nw, newH, newW, resized} = patchGrid(h, w, ph, pw);
      if (p !== ph * pw || n !== nh * nw || ref.shape[0] !== b) {
        throw new Error(`MobileViTFold: patches [${patches.shape}] do not fit reference [${ref.shape}] with patch ${ph}×${pw} (expected [${ref.shape[0]},${ph * pw},${nh * nw},C])`);
      }
      // [B*ph, pw, N, C] -> [B*ph, N, pw, C] = [B, ph, nh, nw*pw*C] -> [B, nh, ph, nw*pw*C]
      let t = transpose(reshape(patches, [b * ph, pw, n, c]), [0, 2, 1, 3]);
      t = transpose(reshape(t, [b, ph, nh, nw * pw * c]), [0, 2, 1, 3]);
      const fm = reshape(t, [b, newH, newW, c]);
      return resized ? resizeBilinearTorch(fm, h, w) : fm;
    });
  }

}
serialization.registerClass(MobileViTFold);

/** @deprecated Renamed MobileViTFold (the paper's casing); the serialized class name is unchanged. */
export const MobileVitFold = MobileViTFold;
/** @deprecated Renamed MobileViTFold. */
export type MobileVitFold = MobileViTFold;

// Gradient of StridedSlice, which tfjs-core 4.22 does not register (EdgeViT's sparse attention subsamples with it).
import {
  expandDims, GradConfig, NamedAttrMap, pad, reshape, reverse, slice, slice_util, StridedSlice, StridedSliceAttrs, Tensor,
  zeros,
} from '@tensorflow/tfjs-core';

/**
 * x's gradient: zeros with dy placed back at the positions the slice read. Per axis, an
 * element i of the slice came from begin + i·stride; a negative stride is a reversed
 * positive one, a stride s > 1 interleaves s − 1 zeros, and padding restores the axis
 * length. Built from reshape / reverse / pad / slice, so it runs (and is differentiable)
 * on every backend.
 */
export const stridedSliceGradConfig: GradConfig = {
  kernelName: StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    const a = attrs as unknown as StridedSliceAttrs;
    return {
      x: () => {
        const info = slice_util.sliceInfo(
            x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
        // Size of the slice along each axis of x (shrunk axes count 1, new axes are not axes of x).
        const sizes = x.shape.map((_, d) => {
          const s = info.strides[d], len = s > 0 ? info.end[d] - info.begin[d] : info.begin[d] - info.end[d];
          return len <= 0 ? 0 : Math.ceil(len / Math.abs(s));
        });
        if (sizes.some((n) => n === 0)) return zeros(x.shape);
        let g = reshape(dy as Tensor, sizes);
        for (let d = 0; d < x.rank; d++) {
          const n = sizes[d], step = Math.abs(info.strides[d]), len = x.shape[d];
          // Lowest index read along d; a negative stride walks down from begin.
          const first = info.strides[d] > 0 ? info.begin[d] : info.begin[d] - (n - 1) * step;
          if (info.strides[d] < 0) g = reverse(g, d);
          const span = (n - 1) * step + 1;
          if (step > 1) {
            // [.., n, ..] -> [.., n, step, ..] (zeros after each value) -> [.., n·step, ..] -> first `span`.
            const e = expandDims(g, d + 1);
            const spread = pad(e, e.shape.map((_, i) => (i === d + 1 ? [0, step - 1] : [0, 0])) as [number, number][]);
            const merged = g.shape.slice();
            merged[d] = n * step;
            const size = merged.slice();
            size[d] = span;
            g = slice(reshape(spread, merged), merged.map(() => 0), size);
          }
          const paddings = g.shape.map((_, i) => (i === d ? [first, len - first - span] : [0, 0])) as [number, number][];
          g = pad(g, paddings);
        }
        return g;
      },
    };
  },
};

// The contract between a model family's PyTorch key map (beside the model) and the checkpoint converter.

/**
 * How a PyTorch tensor becomes a tfjs weight:
 * - `conv`: OIHW -> HWIO (dense or grouped conv kernel)
 * - `depthwise`: (C,1,kh,kw) -> [kh, kw, C, 1]
 * - `linear`: (out,in) -> [in, out]
 * - `axisKernel`: PaCC meta kernel (C,1,M,1) or (C,1,1,M) -> [M, C]
 * - `axisPe`: PaCC meta pe (1,C,M,1) or (1,C,1,M) -> [M, C]
 * - `identity`: same element order (biases, BN vectors)
 */
export type TorchTransform = 'conv' | 'depthwise' | 'linear' | 'axisKernel' | 'axisPe' | 'identity';

export interface TorchKeyEntry {
  /** state_dict key without any `module.` prefix, e.g. `layer_3.1.spatial_global_rep.0.meta_kernel_1_H`. */
  torchKey: string;
  /** Expected PyTorch shape, used to report wrongly shaped keys. */
  torchShape: number[];
  /** tfjs weight name as in `model.weights[i].name` (without the `_N` suffix tfjs may add for uniqueness is NOT allowed: names must be unique). */
  tfjsName: string;
  transform: TorchTransform;
}

/** State-dict keys a family carries but the tfjs model does not need (e.g. `residual.*` aliases, num_batches_tracked). */
export interface TorchKeyMap {
  entries: TorchKeyEntry[];
  /** Returns true for keys that are expected in a checkpoint and deliberately ignored. */
  ignore: (torchKey: string) => boolean;
}

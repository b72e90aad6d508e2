// Argument checks shared by the public op functions; messages name the argument and its shape.
import {Tensor, tensor, TensorLike} from '@tensorflow/tfjs-core';

/** Converts to a tensor and insists on float32, naming the argument on failure. */
export function toFloatTensor(x: Tensor | TensorLike, arg: string, fn: string): Tensor {
  if (x == null) throw new Error(`${fn}: argument '${arg}' is required, got ${x}`);
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new Error(`${fn}: argument '${arg}' (shape [${x.shape}]) is disposed`);
    if (x.dtype !== 'float32') {
      throw new Error(`${fn}: argument '${arg}' must be a float32 tensor, got ${x.dtype} with shape [${x.shape}]`);
    }
    return x;
  }
  try {
    return tensor(x as TensorLike, undefined, 'float32');
  } catch (e) {
    throw new Error(`${fn}: argument '${arg}' is not a tensor or nested array of numbers: ${(e as Error).message}`);
  }
}

/** The one shape format of our error messages: `[1,8,8,64]`, unknown sizes as `null` (what `[${shape}]` prints for known sizes). */
export const shapeStr = (s: readonly (number | null)[]) => JSON.stringify(s);

// swish(x) = x·sigmoid(x): one fused kernel on wasm, tfjs's composition elsewhere.
import {engine, getKernel, mul, sigmoid, Tensor} from '@tensorflow/tfjs-core';
import {PaccSwish} from './kernel_names';

/**
 * Swish (SiLU), x·sigmoid(x), differentiable. On the wasm backend for float32 it runs one
 * `PaccSwish` kernel (and one `PaccSwishGrad` backward) instead of `Sigmoid` + `Multiply` and their
 * gradients; elsewhere it is `mul(x, sigmoid(x))`. The same function either way, to float32 rounding.
 */
export function swish<T extends Tensor>(x: T): T {
  if (!(x instanceof Tensor)) throw new Error(`swish: 'x' must be a tf.Tensor, got ${typeof x}`);
  if (x.dtype === 'float32' && engine().backendName === 'wasm' && getKernel(PaccSwish, 'wasm') != null) {
    return engine().runKernel(PaccSwish, {x}) as T;
  }
  return mul(x, sigmoid(x));
}

// Fused swish on wasm: tfjs-layers' 'swish' activation runs one PaccSwish kernel there (and one gradient kernel); elsewhere its own.
import {engine, getKernel, serialization, Tensor} from '@tensorflow/tfjs-core';
import {PaccSwish} from './kernel_names';
import {swish} from './op';

type Apply = (this: object, x: Tensor, alpha?: number) => Tensor;
let original: Apply | null = null;
let patched: {prototype: {apply: Apply}} | null = null;

/**
 * tfjs-layers' Swish activation is `mul(sigmoid(mul(x, alpha)), x)`: three kernels forward and,
 * through tfjs-core's gradients, about eight backward, each a full pass over the activation plus
 * a kernel call's JS overhead. On wasm, with alpha 1 and float32, ours is one pass each way
 * (same function; the vector exp agrees with tfjs-wasm's sigmoid to float32 rounding).
 */
const fused: Apply = function(this: object, x, alpha = 1) {
  if (alpha !== 1 || x.dtype !== 'float32' || engine().backendName !== 'wasm' || getKernel(PaccSwish, 'wasm') == null) {
    return original!.call(this, x, alpha);
  }
  return swish(x);
};

/** tfjs-layers registers its activations by class name; 'swish' is found there without importing tfjs-layers. */
function swishClass(): {prototype: {apply: Apply}} | null {
  const entry = serialization.SerializationMap.getMap().classNameMap.swish;
  return (entry?.[0] as unknown as {prototype: {apply: Apply}}) ?? null;
}

/**
 * Installs (`enable` true) or removes the fused path of tfjs-layers' swish activation. Idempotent;
 * returns whether it is installed (false also when tfjs-layers is not loaded).
 */
export function useFusedSwish(enable = true): boolean {
  if (enable && original == null) {
    const cls = swishClass();
    if (cls == null) return false;
    patched = cls;
    original = cls.prototype.apply;
    cls.prototype.apply = fused;
  } else if (!enable && original != null) {
    patched!.prototype.apply = original;
    original = null;
    patched = null;
  }
  return original != null;
}

// Activations of the fused layers: which tfjs fused ops take them directly and the short epilogues of the others.
import * as tf from '@tensorflow/tfjs-core';
import type {layers} from '@tensorflow/tfjs-layers';
import {swish} from '../../ops/swish/op';

/** Activations a fused layer applies after its bias. */
export type FusedActivationName = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'elu' | 'swish' | 'hardswish' | 'hardsigmoid' | 'tanh' | 'softmax';

/** Those tfjs' fused conv / matMul kernels apply in their epilogue (tfjs-core `fused.*`, all backends). */
const NATIVE = new Set<FusedActivationName>(['linear', 'relu', 'relu6', 'sigmoid', 'elu']);

export const isNativeFused = (a: FusedActivationName): a is 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'elu' => NATIVE.has(a);

/** The activation applied after a fused op that ran with activation 'linear' (or the identity for native ones). */
export function epilogue(y: tf.Tensor, a: FusedActivationName): tf.Tensor {
  switch (a) {
    // x·σ(x) in two kernels (tfjs-layers' swish also multiplies x by alpha = 1 first).
    // One fused kernel on wasm (ops/swish/), tfjs's mul(y, sigmoid(y)) elsewhere.
    case 'swish': return swish(y);
    case 'hardswish': return tf.mul(y, tf.mul(tf.relu6(tf.add(y, 3)), 1 / 6));
    case 'hardsigmoid': return tf.clipByValue(tf.add(tf.mul(y, 1 / 6), 0.5), 0, 1);
    case 'tanh': return tf.tanh(y);
    case 'softmax': return tf.softmax(y);
    default: return y;
  }
}

/** Any of the activations as separate kernels (for paths without a fused op). */
export function applyActivation(y: tf.Tensor, a: FusedActivationName): tf.Tensor {
  switch (a) {
    case 'relu': return tf.relu(y);
    case 'relu6': return tf.relu6(y);
    case 'sigmoid': return tf.sigmoid(y);
    case 'elu': return tf.elu(y);
    default: return epilogue(y, a);
  }
}

/** Runs `fused` with the activation natively when tfjs fuses it, else linear plus the epilogue. */
export function withActivation(a: FusedActivationName, fused: (native: 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'elu') => tf.Tensor): tf.Tensor {
  return isNativeFused(a) ? fused(a) : epilogue(fused('linear'), a);
}

/**
 * The activation a layer applies as a whole (Activation, ReLU, HardSwish, HardSigmoid), or null when the
 * layer is something else or an activation we do not fuse (e.g. leaky ReLU with a threshold).
 */
export function activationOfLayer(layer: layers.Layer): FusedActivationName | null {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (cls === 'Activation') return activationFromConfig(cfg.activation);
  if (cls === 'ReLU') {
    if (cfg.maxValue == null) return 'relu';
    return cfg.maxValue === 6 ? 'relu6' : null;
  }
  if (cls === 'HardSwish') return 'hardswish';
  if (cls === 'HardSigmoid') return 'hardsigmoid';
  return null;
}

/** A tfjs-layers activation identifier (as in a layer's config) as a fused activation, or null. */
export function activationFromConfig(a: unknown): FusedActivationName | null {
  const name = typeof a === 'string' ? a.toLowerCase() : a == null ? 'linear' : null;
  const ok: Record<string, FusedActivationName> = {
    linear: 'linear', relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid', elu: 'elu', swish: 'swish', tanh: 'tanh', softmax: 'softmax',
  };
  return name != null && name in ok ? ok[name] : null;
}

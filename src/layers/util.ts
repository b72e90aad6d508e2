// Shared helpers of the custom layers: input unpacking and PyTorch-style initialisers (docs/op.md §4).
import * as tf from '@tensorflow/tfjs-core';
import {initializers} from '@tensorflow/tfjs-layers';

/** The shape of a layer's one input (tfjs-layers passes one shape or a list of them). */
export function singleShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
}

export function getSingleTensor(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new Error(`${layer}: expected one input tensor, got ${inputs.length}`);
    return inputs[0];
  }
  return inputs;
}

/**
 * kaiming_normal_(mode='fan_out', relu gain) as the official init: std = sqrt(2 / (Cout·kh·kw)),
 * where Cout is the conv's total output channels whatever its groups (PyTorch's fan_out).
 * An untruncated normal, so a stock (serialisable) initialiser is enough.
 */
export function kaimingFanOut(outChannels: number, kh: number, kw: number) {
  return initializers.randomNormal({mean: 0, stddev: Math.sqrt(2 / (outChannels * kh * kw))});
}

/** PyTorch's default conv init for a bare Parameter of fan_in M: U(-1/sqrt(M), 1/sqrt(M)). */
export function metaKernelInit(m: number) {
  const b = 1 / Math.sqrt(m);
  return initializers.randomUniform({minval: -b, maxval: b});
}


// The one gradient of PositionAwareCircularConv, built only from our own kernels (no stock reductions).
import {engine, GradConfig, NamedAttrMap, Tensor, zeros, zerosLike} from '@tensorflow/tfjs-core';
import {
  PositionAwareCircularConv, PositionAwareCircularConvAttrs, PositionAwareCircularConvBackpropBiasPe,
  PositionAwareCircularConvBackpropFilter, PositionAwareCircularConvBackpropInput,
} from './kernel_names';

export const positionAwareCircularConvGradConfig: GradConfig = {
  kernelName: PositionAwareCircularConv,
  inputsToSave: ['x', 'filter', 'positionEmbedding'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const g = dy as Tensor;
    const [x, filter, pe] = saved;
    const {direction, hasBias, hasPositionEmbedding} = attrs as PositionAwareCircularConvAttrs;
    // dbias and dpe come out of one kernel (one pass over dy). It runs here, not in
    // the thunks: each thunk runs in its own tidy, so an output made in one would be
    // disposed before the other could return it. Here both live in the backward
    // pass's scope, which disposes whichever one tfjs does not ask for. Absent
    // bias / pe are op-made zeros that no caller can differentiate, so then the
    // kernel is skipped.
    const biasPe = hasBias || hasPositionEmbedding
      ? engine().runKernel(PositionAwareCircularConvBackpropBiasPe, {dy: g, filter}, {direction}) as Tensor[]
      : null;
    return {
      x: () => engine().runKernel(PositionAwareCircularConvBackpropInput, {dy: g, filter}, {direction}) as Tensor,
      filter: () => engine().runKernel(
          PositionAwareCircularConvBackpropFilter, {x, dy: g, positionEmbedding: pe}, {direction, hasPositionEmbedding}) as Tensor,
      bias: () => (biasPe ? biasPe[0] : zeros([filter.shape[1] as number])),
      positionEmbedding: () => (biasPe ? biasPe[1] : zerosLike(filter)),
    };
  },
};

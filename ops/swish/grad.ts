// Gradient of the fused swish: one PaccSwishGrad pass from the saved input.
import {engine, GradConfig, Tensor} from '@tensorflow/tfjs-core';
import {PaccSwish, PaccSwishGrad} from './kernel_names';

export const swishGradConfig: GradConfig = {
  kernelName: PaccSwish,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as Tensor[];
    return {x: () => engine().runKernel(PaccSwishGrad, {x, dy: dy as Tensor}) as Tensor};
  },
};

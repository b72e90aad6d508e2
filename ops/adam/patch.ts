// Fused Adam on wasm: AdamOptimizer.applyGradients runs one PaccAdamUpdate kernel per variable there; elsewhere tfjs-core's own.
import {AdamOptimizer, engine, getKernel, NamedTensorMap, Tensor, tidy, Variable, zerosLike} from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-core';
import {PaccAdamUpdate} from './kernel_names';

/** The fields of tfjs-core 4.22's AdamOptimizer we read and update, exactly as its own applyGradients does. */
interface AdamInternals {
  learningRate: number; beta1: number; beta2: number; epsilon: number;
  accBeta1: Variable; accBeta2: Variable;
  accumulatedFirstMoment: {originalName: string; variable: Variable}[];
  accumulatedSecondMoment: {originalName: string; variable: Variable}[];
  incrementIterations(): void;
}

type Apply = (this: AdamOptimizer, grads: {name: string; tensor: Tensor}[] | NamedTensorMap) => void;
let original: Apply | null = null;

/**
 * tfjs-core's AdamOptimizer.applyGradients issues ~14 kernels per variable (≈3,600 per PaCC-Net-XS
 * step) whose cost on wasm is mostly per-call JS overhead. On wasm ours runs one kernel per
 * variable with the same float32 operations in the same order, creating the moment variables
 * (names, trainable false) and updating accBeta1/2 and the iteration count as tfjs does, so
 * getWeights/setWeights and serialization see the same state.
 */
const fused: Apply = function(this: AdamOptimizer, variableGradients) {
  const self = this as unknown as AdamInternals;
  const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
  const vars = names.map((n) => engine().registeredVariables[n]);
  if (engine().backendName !== 'wasm' || getKernel(PaccAdamUpdate, 'wasm') == null || vars.some((v) => v == null || v.dtype !== 'float32')) {
    return original!.call(this, variableGradients);
  }
  const accBeta1 = self.accBeta1.dataSync()[0], accBeta2 = self.accBeta2.dataSync()[0];
  const attrs = {learningRate: self.learningRate, beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, accBeta1, accBeta2};
  tidy(() => {
    names.forEach((name, i) => {
      const value = vars[i];
      if (self.accumulatedFirstMoment[i] == null) {
        self.accumulatedFirstMoment[i] = {originalName: `${name}/m`, variable: tidy(() => zerosLike(value).variable(false))};
      }
      if (self.accumulatedSecondMoment[i] == null) {
        self.accumulatedSecondMoment[i] = {originalName: `${name}/v`, variable: tidy(() => zerosLike(value).variable(false))};
      }
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const m = self.accumulatedFirstMoment[i].variable, v = self.accumulatedSecondMoment[i].variable;
      const [newValue, newM, newV] = engine().runKernel(PaccAdamUpdate, {value, m, v, grad: gradient}, attrs as never) as Tensor[];
      m.assign(newM);
      v.assign(newV);
      value.assign(newValue);
    });
    self.accBeta1.assign(tfc.mul(self.accBeta1, self.beta1));
    self.accBeta2.assign(tfc.mul(self.accBeta2, self.beta2));
  });
  self.incrementIterations();
};

/** Installs (`enable` true) or removes the fused path of AdamOptimizer.applyGradients. Idempotent; returns whether it is installed. */
export function useFusedAdam(enable = true): boolean {
  const proto = AdamOptimizer.prototype as unknown as {applyGradients: Apply};
  if (enable && original == null) {
    original = proto.applyGradients;
    proto.applyGradients = fused;
  } else if (!enable && original != null) {
    proto.applyGradients = original;
    original = null;
  }
  return original != null;
}

// Rule (the fallback): any other layer is copied as it is — same class, config and weight values — so the result is always correct.
import * as tf from '@tensorflow/tfjs-core';
import {applyWithWeights, layerOf, Layer, Rule, Sym} from './graph';

type Ctor = {fromConfig: (cls: unknown, config: tf.serialization.ConfigDict) => Layer};

/** A new layer of the same class and config (weights not yet set), via the serialisation registry. */
export function cloneLayer(layer: Layer): Layer {
  const cls = layer.getClassName();
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[cls] as unknown as [Ctor, Ctor['fromConfig']] | undefined;
  if (!entry) throw new Error(`optimizeForInference: layer '${layer.name}' of class ${cls} is not registered for serialisation, so it cannot be copied`);
  return entry[1](entry[0], layer.getConfig());
}

export const copyLayer: Rule = (node, ctx) => {
  const layer = layerOf(node);
  const copy = cloneLayer(layer);
  const inputs = node.inputTensors.map((t) => ctx.get(t));
  const kwargs = node.callArgs ?? {};
  // The copy shares the original's weight values (tfjs variables take the value by reference), nothing is copied twice.
  const y = copy.apply(inputs.length === 1 ? inputs[0] : inputs, kwargs) as Sym | Sym[];
  copy.setWeights(layer.getWeights());
  const outs = Array.isArray(y) ? y : [y];
  node.outputTensors.forEach((t, i) => ctx.set(t, outs[i]));
  return true;
};
export {applyWithWeights};

// Rule: Dense (+ a following activation layer) → FusedDense (tfjs fused.matMul with bias and activation).
import * as tf from '@tensorflow/tfjs-core';
import {weightValues} from './affine';
import {activationFromConfig, activationOfLayer} from './activation';
import {FusedDense} from './fused_dense';
import {applyWithWeights, classOf, layerOf, Rule} from './graph';

export const fuseDense: Rule = (node, ctx) => {
  if (classOf(node) !== 'Dense' || node.inputTensors.length !== 1) return false;
  const layer = layerOf(node);
  let activation = activationFromConfig((layer.getConfig() as {activation?: unknown}).activation);
  const w = weightValues(layer), k = w.get('kernel');
  if (activation == null || !k || k.shape.length !== 2) return false;
  let out = node.outputTensors[0];
  const actNode = activation === 'linear' ? ctx.soleConsumer(out) : null;
  const act = actNode && activationOfLayer(layerOf(actNode));
  if (actNode && act) {
    activation = act;
    ctx.done.add(actNode);
    out = actNode.outputTensors[0];
  }
  const bias = w.get('bias');
  const fused = new FusedDense({units: k.shape[1], useBias: bias != null, activation, name: layer.name});
  const weights: tf.Tensor[] = [tf.tensor2d(Float32Array.from(k.data), k.shape as [number, number])];
  if (bias) weights.push(tf.tensor1d(Float32Array.from(bias.data)));
  ctx.set(out, applyWithWeights(fused, ctx.get(node.inputTensors[0]), weights));
  tf.dispose(weights);
  return true;
};

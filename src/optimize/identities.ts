// Rule: layers that are the identity at inference (dropout and noise layers, linear activations) are left out of the graph.
import {activationOfLayer} from './activation';
import {classOf, layerOf, Rule} from './graph';

const INFERENCE_IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise']);

export const dropIdentities: Rule = (node, ctx) => {
  if (node.inputTensors.length !== 1 || node.outputTensors.length !== 1) return false;
  const cls = classOf(node);
  const identity = INFERENCE_IDENTITY.has(cls) || (cls === 'Activation' && activationOfLayer(layerOf(node)) === 'linear');
  if (!identity) return false;
  ctx.set(node.outputTensors[0], ctx.get(node.inputTensors[0]));
  return true;
};

// optimizeForInference: rebuilds a LayersModel with batch norms folded, activations fused and inference-only layers dropped.
import * as tfl from '@tensorflow/tfjs-layers';
import {copyLayer} from './clone_layer';
import {CONV_RULES} from './fuse_conv';
import {fuseDense} from './fuse_dense';
import {fusePaccBlock} from './fuse_pacc_block';
import {modelNodes, RebuildContext, Rule, Sym} from './graph';
import {dropIdentities} from './identities';

/** Rules in priority order; the last one (a plain copy) handles everything else. */
const RULES: Rule[] = [dropIdentities, ...CONV_RULES, fuseDense, fusePaccBlock, copyLayer];

export interface OptimizeOptions {
  /** Name of the new model; default `<name>_inference`. */
  name?: string;
}

/**
 * A new model computing `model`'s eval-mode function (predict) in fewer, fused kernels:
 * batch norms folded into the neighbouring conv / depthwise / grouped conv / dense weights, bias and
 * activation fused with tfjs' `fused.conv2d` / `fused.depthwiseConv2d` / `fused.matMul`, zero paddings
 * merged into convs, dropout left out, PaCC blocks with their norms, position embeddings and
 * channel-attention constants folded (docs/inference.md). Layers without a rule are copied as they are.
 * `model` and its weights are not changed; the result shares no variables with it, saves and loads
 * like any LayersModel (its layers are registered classes) and is meant for inference only (it has
 * no batch-norm statistics to train).
 */
export function optimizeForInference(model: tfl.LayersModel, opts: OptimizeOptions = {}): tfl.LayersModel {
  if (!(model instanceof tfl.LayersModel)) throw new Error(`optimizeForInference: model must be a tf.LayersModel, got ${Object.prototype.toString.call(model)}`);
  const inputs = model.inputs.map((t, i) => tfl.input({batchShape: t.shape, dtype: t.dtype, name: model.inputLayers[i]?.name ?? t.name}));
  const nodes = modelNodes(model);
  const ctx = new RebuildContext(model, inputs, nodes);
  for (const node of nodes) {
    if (ctx.done.has(node)) continue;
    for (const rule of RULES) if (rule(node, ctx)) break;
  }
  const outputs: Sym[] = model.outputs.map((t) => ctx.get(t));
  return tfl.model({inputs, outputs, name: opts.name ?? `${model.name}_inference`});
}

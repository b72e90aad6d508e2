// The graph walk behind optimizeForInference: the model's nodes in topological order, their consumers, and the rebuild context rules use.
import * as tfl from '@tensorflow/tfjs-layers';

export type Layer = tfl.layers.Layer;
export type Sym = tfl.SymbolicTensor;
export type GraphNode = Layer['inboundNodes'][number];

/** The nodes of `model` (each call of a layer inside it) in topological order, without the input layers. */
export function modelNodes(model: tfl.LayersModel): GraphNode[] {
  // tfjs' Container keeps the keys of its own nodes (`<layer>_ib-<index>`): other models' calls of shared layers are not ours.
  const keys = (model as unknown as {containerNodes?: Set<string>}).containerNodes;
  const known = new Set<Sym>(model.inputs);
  const nodes: GraphNode[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    layer.inboundNodes.forEach((node, i) => {
      if (keys && !keys.has(`${layer.name}_ib-${i}`)) return;
      if (!node.inputTensors.every((t) => known.has(t))) return;
      node.outputTensors.forEach((t) => known.add(t));
      nodes.push(node);
    });
  }
  return nodes;
}

/** What rules see: the original graph (consumers of each tensor) and the new graph being built. */
export class RebuildContext {
  private readonly map = new Map<Sym, Sym>();
  private readonly consumers = new Map<Sym, GraphNode[]>();
  private readonly outputs: Set<Sym>;
  readonly done = new Set<GraphNode>();
  /** Deferred producers: a tensor whose new value a later rule computes itself (e.g. a padding folded into a conv). */
  readonly deferred = new Map<Sym, unknown>();

  constructor(readonly model: tfl.LayersModel, newInputs: Sym[], readonly nodes: GraphNode[]) {
    model.inputs.forEach((t, i) => this.map.set(t, newInputs[i]));
    this.outputs = new Set(model.outputs);
    for (const n of nodes) for (const t of n.inputTensors) this.consumers.set(t, [...(this.consumers.get(t) ?? []), n]);
  }

  /** The new tensor standing for an original one. */
  get(t: Sym): Sym {
    const v = this.map.get(t);
    if (!v) throw new Error(`optimizeForInference: tensor '${t.name}' of shape [${t.shape}] has no rebuilt value (a rule skipped its producer)`);
    return v;
  }

  set(orig: Sym, value: Sym): void {
    this.map.set(orig, value);
  }

  /** The one node reading `t`, if exactly one does and `t` is not a model output (so `t` may be folded away). */
  soleConsumer(t: Sym): GraphNode | null {
    const c = this.consumers.get(t) ?? [];
    return c.length === 1 && !this.outputs.has(t) ? c[0] : null;
  }
}

export const layerOf = (n: GraphNode): Layer => n.outboundLayer;
export const classOf = (n: GraphNode): string => n.outboundLayer.getClassName();
export const singleOutput = (n: GraphNode): Sym | null => (n.outputTensors.length === 1 ? n.outputTensors[0] : null);

/** A rewrite: handles `node` (and possibly the nodes it folds in, marking them done) and returns true, or returns false. */
export type Rule = (node: GraphNode, ctx: RebuildContext) => boolean;

/** Applies a freshly made layer to the new tensors and gives it its weights. */
export function applyWithWeights(layer: Layer, inputs: Sym | Sym[], weights: import('@tensorflow/tfjs-core').Tensor[]): Sym {
  const y = layer.apply(inputs) as Sym;
  layer.setWeights(weights);
  return y;
}

// fuseCircularConvs' output: the rewritten node list and manifest, and the weight bytes packed for it.
import {GraphModelJson, NodeDef, nodeOf, WeightSlot} from './graph_json';

/** Everything the matched subgraphs change: new nodes by the name they take over, removed nodes, reshaped weights. */
export interface Rewrite {
  /** Name of a replaced subgraph's last node -> the fused node that takes its name. */
  replacements: Map<string, NodeDef>;
  /** Nodes of replaced subgraphs (including their last nodes). */
  removed: Set<string>;
  /** Weight name -> its new manifest shape ([L, C] for filters and position embeddings). */
  reshaped: Map<string, number[]>;
}

/**
 * Constants read only by removed nodes (slice begin/size, concat axis): they go from the
 * graph, the manifest and the weight bytes. Signature outputs (`pinned`) stay.
 */
export function droppedConstants(nodes: Map<string, NodeDef>, rw: Rewrite, pinned: Set<string>): Set<string> {
  const keptRefs = new Set<string>();
  for (const n of nodes.values()) {
    const now = rw.replacements.get(n.name) ?? (rw.removed.has(n.name) ? null : n);
    for (const r of now?.input ?? []) keptRefs.add(nodeOf(r));
  }
  for (const p of pinned) keptRefs.add(p);
  const dropped = new Set<string>();
  for (const name of rw.removed) {
    if (rw.replacements.has(name)) continue;
    for (const r of nodes.get(name)!.input ?? []) {
      const c = nodeOf(r);
      if (nodes.get(c)!.op === 'Const' && !keptRefs.has(c) && !rw.removed.has(c)) dropped.add(c);
    }
  }
  return dropped;
}

/**
 * A new model.json (the input is not modified): fused nodes in place of the subgraphs' last
 * nodes, removed nodes and dropped constants gone, reshaped constants with their new shape,
 * and one manifest group of the kept weights in their old order, stored in `path`.
 */
export function rewriteGraph(json: GraphModelJson, rw: Rewrite, dropped: Set<string>, path: string): GraphModelJson {
  const out = structuredClone(json);
  out.modelTopology.node = out.modelTopology.node.flatMap((n) => {
    const rep = rw.replacements.get(n.name);
    if (rep) return [structuredClone(rep)];
    if (rw.removed.has(n.name) || dropped.has(n.name)) return [];
    const shape = rw.reshaped.get(n.name);
    if (shape && n.attr?.value?.tensor) {
      (n.attr.value.tensor as {tensorShape?: unknown}).tensorShape = {dim: shape.map((d) => ({size: String(d)}))};
    }
    return [n];
  });
  const weights = out.weightsManifest.flatMap((g) => g.weights).filter((w) => !dropped.has(w.name));
  for (const w of weights) if (rw.reshaped.has(w.name)) w.shape = rw.reshaped.get(w.name)!;
  out.weightsManifest = [{paths: [path], weights}];
  return out;
}

/**
 * The bytes of the weights named in `manifest` order, copied from their slots in `data`. A
 * reshape keeps the bytes ([L,1,C,1] and [1,L,C,1] are [L,C] in memory), so packing is copying.
 */
export function packWeights(manifest: GraphModelJson['weightsManifest'], slots: Map<string, WeightSlot>, data: Uint8Array): ArrayBuffer {
  const kept = manifest.flatMap((g) => g.weights).map((w) => slots.get(w.name)!);
  const out = new Uint8Array(kept.reduce((n, s) => n + s.byteLength, 0));
  let off = 0;
  for (const s of kept) {
    out.set(data.subarray(s.offset, s.offset + s.byteLength), off);
    off += s.byteLength;
  }
  return out.buffer;
}

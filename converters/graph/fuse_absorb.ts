// fuseCircularConvs' absorption steps: the bias add after a matched circular conv and the position-embedding add before it join the fused node.
import {attrString, NodeDef, nodeOf, outputIndexOf} from './graph_json';
import {CircularMatch, dataInputs, GraphIndex} from './fuse_match';

/**
 * The bias of a matched conv: the fused BiasAdd's operand, or the single consumer of the conv
 * when it is a `BiasAdd` (NHWC, conv first) / `Add` / `AddV2` of a float32, unquantised `[C]`
 * constant. Returns the bias reference and the node the fused op replaces last (the add, or
 * the conv itself when there is no bias add).
 */
export function absorbBias(m: CircularMatch, g: GraphIndex): {biasRef?: string; last: NodeDef} {
  if (m.fusedBiasRef != null) return {biasRef: m.fusedBiasRef, last: m.conv};
  const {conv, C} = m;
  const after = g.consumers.get(conv.name) ?? [];
  const next = after.length === 1 && !g.pinned.has(conv.name) ? after[0] : undefined;
  if (!next || (next.op !== 'BiasAdd' && next.op !== 'Add' && next.op !== 'AddV2')) return {last: conv};
  const nin = dataInputs(next);
  const other = nin.length === 2 ? nin.find((r) => nodeOf(r) !== conv.name) : undefined;
  const oslot = other ? g.slots.get(nodeOf(other)) : undefined;
  const okFormat = next.op !== 'BiasAdd' || (attrString(next.attr?.data_format) ?? 'NHWC') === 'NHWC';
  const biasFirstInBiasAdd = next.op === 'BiasAdd' && nodeOf(nin[0]) !== conv.name;
  if (other && g.nodes.get(nodeOf(other))!.op === 'Const' && oslot && oslot.spec.dtype === 'float32' && !oslot.spec.quantization
    && oslot.spec.shape.length === 1 && oslot.spec.shape[0] === C && okFormat && !biasFirstInBiasAdd) {
    return {biasRef: other, last: next};
  }
  return {last: conv};
}

/**
 * The position embedding: when the pattern's input x is `Add(x0, pe)` with pe a constant that
 * varies only along the conv axis ([L,1,C] or [1,L,1,C] for axis 1; [L,C], [1,L,C] or
 * [1,1,L,C] for axis 2: all [L,C] in memory), read only by the pattern's slice and concat,
 * returns x0 and pe (the first stage of a PaCC block: x + PE, then the circular conv).
 * Otherwise undefined, and the add simply stays in the graph. `taken` says whether a node is
 * part of a subgraph fused already.
 */
export function absorbPositionEmbedding(m: CircularMatch, g: GraphIndex, taken: (name: string) => boolean): {x: string; pe: string} | undefined {
  const {axis, L, C} = m;
  const add = g.nodes.get(nodeOf(m.xRef))!;
  const users = [m.slice, m.concat];
  if ((add.op !== 'Add' && add.op !== 'AddV2') || outputIndexOf(m.xRef) !== 0 || g.pinned.has(add.name)) return undefined;
  if (taken(add.name) || (add.input ?? []).some((r) => r.startsWith('^'))) return undefined;
  const used = g.consumers.get(add.name) ?? [];
  if (used.length !== users.length || !users.every((u) => used.includes(u))) return undefined;
  const ins = dataInputs(add);
  if (ins.length !== 2) return undefined;
  const ok = (axis === 1 ? [[L, 1, C], [1, L, 1, C]] : [[L, C], [1, L, C], [1, 1, L, C]]).map((s) => s.join());
  for (const [peRef, xRef] of [[ins[0], ins[1]], [ins[1], ins[0]]]) {
    const n = g.nodes.get(nodeOf(peRef))!, slot = g.slots.get(n.name);
    if (n.op !== 'Const' || !slot || slot.spec.dtype !== 'float32' || slot.spec.quantization || !ok.includes(slot.spec.shape.join())) continue;
    if ((g.consumers.get(n.name) ?? []).length !== 1 || g.pinned.has(n.name)) continue;
    const xs = g.shapes.of(xRef);
    if (xs?.length === 4 && xs[axis] === L && xs[3] === C) return {x: xRef, pe: peRef};
  }
  return undefined;
}

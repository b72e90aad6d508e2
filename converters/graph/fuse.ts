// fuseCircularConvs: rewrites exported circular depthwise convs (slice head + concat + VALID depthwise conv [+ bias]) into PositionAwareCircularConv nodes.
import {PositionAwareCircularConv} from '../../ops/pacc/kernel_names';
import {
  attrInts, attrString, attrStrings, constInts, GraphModelJson, NodeDef, nodeOf, outputIndexOf, validateGraphModel,
  WeightSlot,
} from './graph_json';
import {ShapeInference, stridedSliceSpec} from './shapes';

export type {AttrValue, GraphModelJson, NodeDef, WeightEntry, WeightsGroup} from './graph_json';

/** One replaced subgraph. */
export interface FusedCircularConv {
  /** Name of the new PositionAwareCircularConv node (the name of the subgraph's last node, so consumers are unchanged). */
  node: string;
  direction: 'h' | 'w';
  length: number;
  channels: number;
  bias: boolean;
  /** Whether the position-embedding add before the pattern was absorbed (its constant becomes input 3). */
  positionEmbedding: boolean;
  /** The nodes it replaces (slice, concat, depthwise conv, bias add) and constants dropped with them. */
  removed: string[];
}
/** A depthwise conv that looked like part of the pattern but was left alone, and why. */
export interface NearMiss { node: string; reason: string; }
export interface FuseReport { fused: FusedCircularConv[]; nearMisses: NearMiss[]; }
export interface FuseResult {
  /** A new model.json object; the input is not modified. */
  modelJson: GraphModelJson;
  /** The weights for `modelJson.weightsManifest` (one buffer; one shard file when anything was fused). */
  weightData: ArrayBuffer;
  report: FuseReport;
}

const DEPTHWISE = new Set(['DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
const FUSED_WEIGHTS_PATH = 'group1-shard1of1.bin';

class Skip extends Error {}
const skip = (reason: string): never => { throw new Skip(reason); };

function concatBuffers(weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array): Uint8Array {
  if (weightData instanceof Uint8Array) return weightData;
  if (weightData instanceof ArrayBuffer) return new Uint8Array(weightData);
  if (Array.isArray(weightData) && weightData.every((b) => b instanceof ArrayBuffer)) {
    const out = new Uint8Array(weightData.reduce((n, b) => n + b.byteLength, 0));
    let off = 0;
    for (const b of weightData) { out.set(new Uint8Array(b), off); off += b.byteLength; }
    return out;
  }
  throw new Error(`fuseCircularConvs: argument 'weightData' must be an ArrayBuffer, an array of them (the shards in manifest order) or a Uint8Array, got ${Object.prototype.toString.call(weightData)}`);
}

/**
 * Finds every circular depthwise convolution written the way exported PaCC-Net
 * graphs write it (spec §8, in tfjs-converter form):
 * `Slice|StridedSlice(x, first L-1 entries of axis a)` → `ConcatV2([x, slice], a)` →
 * `DepthwiseConv2dNative|FusedDepthwiseConv2dNative(filter [L,1,C,1] or [1,L,C,1], VALID,
 * stride 1, dilation 1)` → optional `BiasAdd`/`Add` of a `[C]` constant (or the fused
 * BiasAdd), with a = 1 ('h') or 2 ('w') of NHWC and L the static length of that axis,
 * and replaces it by one `PositionAwareCircularConv` node (inputs x, filter [L,C],
 * bias?, positionEmbedding?; attribute direction). A preceding `Add` of a constant that
 * varies only along the axis (the position embedding) joins the node when nothing else
 * uses its result. Weight bytes are unchanged: [L,1,C,1] and [1,L,C,1]
 * are [L,C] in memory, so only the manifest shape changes; the slice/concat
 * constants that nothing else uses are dropped from the graph, manifest and data.
 * Every other node is copied unchanged. Nothing is fused where a check fails; the
 * report says which check.
 *
 * @param graphModelJson the parsed model.json of a graph model.
 * @param weightData its weight shards concatenated in manifest order (or the array of shards).
 */
export function fuseCircularConvs(graphModelJson: GraphModelJson, weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array): FuseResult {
  if (weightData == null) throw new Error(`fuseCircularConvs: argument 'weightData' is required (the slice and concat constants live in the weights)`);
  const data = concatBuffers(weightData);
  const {nodes, slots} = validateGraphModel(graphModelJson, data);
  const shapes = new ShapeInference(nodes, slots, data);

  // Consumers of each node (data and control edges), and the signature's outputs, which must survive.
  const consumers = new Map<string, NodeDef[]>();
  for (const n of nodes.values()) for (const r of n.input ?? []) {
    const list = consumers.get(nodeOf(r)) ?? [];
    list.push(n);
    consumers.set(nodeOf(r), list);
  }
  const pinned = new Set(Object.values(graphModelJson.signature?.outputs ?? {}).map((o) => nodeOf(o.name)));
  const ints = (ref: string) => constInts(nodeOf(ref), nodes, slots, data);
  const dataInputs = (n: NodeDef) => (n.input ?? []).filter((r) => !r.startsWith('^'));
  const onlyConsumer = (name: string, of: NodeDef, what: string) => {
    const c = consumers.get(name) ?? [];
    if (pinned.has(name)) skip(`the ${what} '${name}' is a graph output`);
    if (c.length !== 1 || c[0] !== of) skip(`the ${what} '${name}' is also used by ${c.filter((x) => x !== of).map((x) => `'${x.name}'`).join(', ')}`);
  };

  /**
   * `add` = x + pe with pe a constant that varies only along the conv axis ([L,1,C] or
   * [1,L,1,C] for axis 1; [L,C], [1,L,C] or [1,1,L,C] for axis 2: all [L,C] in memory),
   * used only by the pattern's slice and concat: returns x and pe, else undefined
   * (then the add simply stays in the graph).
   */
  const absorbablePe = (add: NodeDef, outIndex: number, users: NodeDef[], axis: number, L: number, C: number) => {
    if ((add.op !== 'Add' && add.op !== 'AddV2') || outIndex !== 0 || pinned.has(add.name)) return undefined;
    if (replacements.has(add.name) || removed.has(add.name) || (add.input ?? []).some((r) => r.startsWith('^'))) return undefined;
    const used = consumers.get(add.name) ?? [];
    if (used.length !== users.length || !users.every((u) => used.includes(u))) return undefined;
    const ins = dataInputs(add);
    if (ins.length !== 2) return undefined;
    const ok = (axis === 1 ? [[L, 1, C], [1, L, 1, C]] : [[L, C], [1, L, C], [1, 1, L, C]]).map((s) => s.join());
    for (const [peRef, xRef] of [[ins[0], ins[1]], [ins[1], ins[0]]]) {
      const n = nodes.get(nodeOf(peRef))!, slot = slots.get(n.name);
      if (n.op !== 'Const' || !slot || slot.spec.dtype !== 'float32' || slot.spec.quantization || !ok.includes(slot.spec.shape.join())) continue;
      if ((consumers.get(n.name) ?? []).length !== 1 || pinned.has(n.name)) continue;
      const xs = shapes.of(xRef);
      if (xs?.length === 4 && xs[axis] === L && xs[3] === C) return {x: xRef, pe: peRef};
    }
    return undefined;
  };

  const report: FuseReport = {fused: [], nearMisses: []};
  const replacements = new Map<string, NodeDef>(); // last node name -> new node
  const removed = new Set<string>();
  const reshaped = new Map<string, number[]>(); // filter weight -> [L, C]

  for (const conv of nodes.values()) {
    if (!DEPTHWISE.has(conv.op)) continue;
    try {
      const a = conv.attr ?? {};
      const [concatRef, filterRef, fusedBiasRef] = dataInputs(conv);
      const concat = nodes.get(nodeOf(concatRef))!;
      // Only convs fed by a concat are candidates; others are ordinary depthwise convs, not near-misses.
      if (concat.op !== 'ConcatV2' || outputIndexOf(concatRef) !== 0) continue;
      const cin = dataInputs(concat);
      if (cin.length !== 3) skip(`the concat '${concat.name}' joins ${cin.length - 1} tensors, not [x, head of x]`);
      const axisV = ints(cin[2]);
      if (!axisV || axisV.length !== 1) skip(`the concat axis of '${concat.name}' is not a constant int32 scalar`);
      const axis = axisV![0] < 0 ? axisV![0] + 4 : axisV![0];
      if (axis !== 1 && axis !== 2) skip(`the concat '${concat.name}' joins along axis ${axisV![0]}, not height (1) or width (2)`);
      const direction = axis === 1 ? 'h' : 'w';
      const [xRef, sliceRef] = cin;
      const slice = nodes.get(nodeOf(sliceRef))!;
      if (slice.op !== 'Slice' && slice.op !== 'StridedSlice') {
        if (nodes.get(nodeOf(xRef))!.op.endsWith('Slice')) skip(`the concat '${concat.name}' puts the slice first ([slice, x]), the circular pattern is [x, slice]`);
        skip(`the concat's second input '${slice.name}' is a ${slice.op}, not a Slice/StridedSlice of the first input`);
      }
      if (nodeOf(dataInputs(slice)[0]) !== nodeOf(xRef) || outputIndexOf(dataInputs(slice)[0]) !== outputIndexOf(xRef)) {
        skip(`the slice '${slice.name}' reads '${dataInputs(slice)[0]}', not the concat's first input '${xRef}'`);
      }

      // Conv attributes: VALID, stride 1, dilation 1, NHWC.
      const padding = attrString(a.padding);
      if (padding !== 'VALID') skip(`padding is ${padding ?? 'missing'}, not VALID`);
      if ((attrString(a.data_format) ?? 'NHWC') !== 'NHWC') skip(`data_format is ${attrString(a.data_format)}, not NHWC`);
      const strides = attrInts(a.strides) ?? [1, 1, 1, 1], dil = attrInts(a.dilations) ?? [1, 1, 1, 1];
      if (strides.some((s) => s !== 1)) skip(`strides are [${strides}], not 1`);
      if (dil.some((s) => s !== 1)) skip(`dilations are [${dil}], not 1`);
      let biasRef: string | undefined;
      if (conv.op === 'FusedDepthwiseConv2dNative') {
        const ops = attrStrings(a.fused_ops) ?? [];
        if (ops.length > 1 || (ops.length === 1 && ops[0] !== 'BiasAdd')) skip(`the conv has fused ops [${ops}]; only a fused BiasAdd can be absorbed`);
        if (ops.length === 1) biasRef = fusedBiasRef;
      }

      // The kernel: an L-tap [L,1,C,1] / [1,L,C,1] constant over the whole axis.
      const filter = nodes.get(nodeOf(filterRef))!;
      const fslot = slots.get(filter.name);
      if (filter.op !== 'Const' || !fslot) skip(`the filter '${filter.name}' is a ${filter.op}, not a constant weight`);
      const fs = fslot!.spec.shape;
      if (fs.length !== 4 || fs[3] !== 1) skip(`the filter '${filter.name}' has shape [${fs}], not [kh, kw, C, 1]`);
      const K = axis === 1 ? fs[0] : fs[1], other = axis === 1 ? fs[1] : fs[0], C = fs[2];
      if (other !== 1) skip(`the kernel is ${fs[0]}x${fs[1]}; a circular ${direction} conv has a ${axis === 1 ? 'Kx1' : '1xK'} kernel`);
      const xShape = shapes.of(xRef);
      const L = xShape?.length === 4 ? xShape[axis] : -1;
      if (L < 0) skip(`the length of axis ${direction} of '${xRef}' is not known statically (kernel length ${K})`);
      if (xShape![3] >= 0 && xShape![3] !== C) skip(`the filter has ${C} channels, the input '${xRef}' has ${xShape![3]}`);
      if (K !== L) skip(`kernel length ${K} != axis length ${L}`);

      // The slice must be exactly the first L-1 entries of the axis, everything along the others.
      const sin = dataInputs(slice);
      const full = (i: number, b: number, len: number) => b === 0 && (len === (xShape![i] >= 0 ? xShape![i] : -2) || len === -1);
      if (slice.op === 'Slice') {
        const begin = ints(sin[1]), size = ints(sin[2]);
        if (!begin || !size || begin.length !== 4 || size.length !== 4) skip(`the slice '${slice.name}' has no constant 4-d begin/size`);
        for (let i = 0; i < 4; i++) {
          if (i === axis) {
            if (begin![i] !== 0) skip(`the slice '${slice.name}' starts at ${begin![i]} on axis ${direction}, not at the head (0)`);
            const len = size![i] === -1 ? L : size![i];
            if (len !== L - 1) skip(`the slice '${slice.name}' takes ${len} entries of axis ${direction}, not L-1 = ${L - 1}`);
          } else if (!full(i, begin![i], size![i])) skip(`the slice '${slice.name}' does not take all of axis ${i}`);
        }
      } else {
        const spec = stridedSliceSpec(slice, ints(sin[1]), ints(sin[2]), ints(sin[3]), 4);
        if (!spec) skip(`the strided slice '${slice.name}' has non-constant begin/end/strides or uses ellipsis/new-axis/shrink masks`);
        for (let i = 0; i < 4; i++) {
          const s = spec![i];
          if (s.stride !== 1) skip(`the strided slice '${slice.name}' has stride ${s.stride} on axis ${i}`);
          const b = s.beginMasked ? 0 : s.begin;
          if (i === axis) {
            if (b !== 0) skip(`the slice '${slice.name}' starts at ${b} on axis ${direction}, not at the head (0)`);
            const e = s.endMasked ? L : s.end < 0 ? s.end + L : Math.min(s.end, L);
            if (e !== L - 1) skip(`the slice '${slice.name}' takes ${e} entries of axis ${direction}, not L-1 = ${L - 1}`);
          } else {
            const e = s.endMasked ? -1 : s.end === 0 ? 0 : s.end < 0 ? (xShape![i] >= 0 ? s.end + xShape![i] : -3) : s.end;
            if (!(b === 0 && (e === -1 || (xShape![i] >= 0 && e >= xShape![i])))) skip(`the slice '${slice.name}' does not take all of axis ${i}`);
          }
        }
      }

      // A following bias add with a [C] constant joins the fused node.
      let last = conv;
      if (biasRef == null) {
        const after = consumers.get(conv.name) ?? [];
        const next = after.length === 1 && !pinned.has(conv.name) ? after[0] : undefined;
        if (next && (next.op === 'BiasAdd' || next.op === 'Add' || next.op === 'AddV2')) {
          const nin = dataInputs(next);
          const other = nin.length === 2 ? nin.find((r) => nodeOf(r) !== conv.name) : undefined;
          const oslot = other ? slots.get(nodeOf(other)) : undefined;
          const okFormat = next.op !== 'BiasAdd' || (attrString(next.attr?.data_format) ?? 'NHWC') === 'NHWC';
          const biasFirstInBiasAdd = next.op === 'BiasAdd' && nodeOf(nin[0]) !== conv.name;
          if (other && nodes.get(nodeOf(other))!.op === 'Const' && oslot && oslot.spec.dtype === 'float32' && !oslot.spec.quantization
            && oslot.spec.shape.length === 1 && oslot.spec.shape[0] === C && okFormat && !biasFirstInBiasAdd) {
            biasRef = other;
            last = next;
          }
        }
      }

      onlyConsumer(slice.name, concat, 'slice');
      onlyConsumer(concat.name, conv, 'concat');
      if (last !== conv) onlyConsumer(conv.name, last, 'conv');
      const fc = consumers.get(filter.name) ?? [];
      if (fc.length !== 1 || pinned.has(filter.name)) skip(`the filter weight '${filter.name}' is shared with ${fc.filter((x) => x !== conv).map((x) => `'${x.name}'`).join(', ')}`);
      if ([slice, concat, conv, last].some((n) => replacements.has(n.name) || removed.has(n.name))) skip('overlaps a subgraph fused already');
      const controls = [slice, concat, conv, last].flatMap((n) => (n.input ?? []).filter((r) => r.startsWith('^')));
      if (controls.length) skip(`the subgraph has control inputs (${controls.join(', ')})`);

      // A position-embedding add feeding only this pattern joins it (spec §8: stage 2 of a PE block).
      const pe = absorbablePe(nodes.get(nodeOf(xRef))!, outputIndexOf(xRef), [slice, concat], axis, L, C);
      const fused: NodeDef = {
        name: last.name, op: PositionAwareCircularConv,
        input: [pe?.x ?? xRef, filter.name, ...(biasRef ? [biasRef] : []), ...(pe ? [pe.pe] : [])],
        attr: {
          direction: {s: btoa(direction)}, T: {type: 'DT_FLOAT'},
          ...(pe ? {has_bias: {b: biasRef != null}, has_position_embedding: {b: true}} : {}),
        },
        ...(last.device != null ? {device: last.device} : {}),
      };
      const gone = [...(pe ? [nodeOf(xRef)] : []), slice.name, concat.name, conv.name, last.name].filter((v, i, arr) => arr.indexOf(v) === i);
      for (const g of gone) removed.add(g);
      replacements.set(last.name, fused);
      reshaped.set(filter.name, [L, C]);
      if (pe) reshaped.set(nodeOf(pe.pe), [L, C]);
      report.fused.push({
        node: last.name, direction, length: L, channels: C, bias: biasRef != null, positionEmbedding: pe != null,
        removed: gone.filter((g) => g !== last.name),
      });
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      report.nearMisses.push({node: conv.name, reason: e.message});
    }
  }

  if (report.fused.length === 0) {
    return {modelJson: structuredClone(graphModelJson), weightData: data.slice().buffer, report};
  }

  // Constants feeding only removed nodes (slice begin/size, concat axis) go too.
  const keptRefs = new Set<string>();
  for (const n of nodes.values()) {
    const now = replacements.get(n.name) ?? (removed.has(n.name) ? null : n);
    for (const r of now?.input ?? []) keptRefs.add(nodeOf(r));
  }
  for (const p of pinned) keptRefs.add(p);
  const droppedConsts = new Set<string>();
  for (const name of removed) {
    if (replacements.has(name)) continue;
    for (const r of nodes.get(name)!.input ?? []) {
      const c = nodeOf(r);
      if (nodes.get(c)!.op === 'Const' && !keptRefs.has(c) && !removed.has(c)) droppedConsts.add(c);
    }
  }
  for (const f of report.fused) {
    f.removed.push(...[...droppedConsts].filter((c) => f.removed.some((r) => (nodes.get(r)!.input ?? []).some((i) => nodeOf(i) === c))));
  }

  const out = structuredClone(graphModelJson);
  out.modelTopology.node = out.modelTopology.node.flatMap((n) => {
    const rep = replacements.get(n.name);
    if (rep) return [structuredClone(rep)];
    if (removed.has(n.name) || droppedConsts.has(n.name)) return [];
    const shape = reshaped.get(n.name);
    if (shape && n.attr?.value?.tensor) {
      (n.attr.value.tensor as {tensorShape?: unknown}).tensorShape = {dim: shape.map((d) => ({size: String(d)}))};
    }
    return [n];
  });
  const keptSlots: WeightSlot[] = [];
  for (const group of out.weightsManifest) for (const w of group.weights) {
    if (droppedConsts.has(w.name)) continue;
    keptSlots.push(slots.get(w.name)!);
    if (reshaped.has(w.name)) w.shape = reshaped.get(w.name)!;
  }
  const weights = out.weightsManifest.flatMap((g) => g.weights).filter((w) => !droppedConsts.has(w.name));
  out.weightsManifest = [{paths: [FUSED_WEIGHTS_PATH], weights}];
  const newData = new Uint8Array(keptSlots.reduce((n, s) => n + s.byteLength, 0));
  let off = 0;
  for (const s of keptSlots) { newData.set(data.subarray(s.offset, s.offset + s.byteLength), off); off += s.byteLength; }
  return {modelJson: out, weightData: newData.buffer, report};
}

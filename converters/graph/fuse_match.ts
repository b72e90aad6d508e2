// The matcher of fuseCircularConvs: finds the exported circular depthwise conv (slice head + concat + VALID depthwise conv) and says why a candidate is not one.
import {attrInts, attrString, attrStrings, constInts, NodeDef, nodeOf, outputIndexOf, WeightSlot} from './graph_json';
import {ShapeInference, stridedSliceSpec} from './shapes';

/** What the fusion steps read of a graph: nodes, weight slots and bytes, static shapes, consumers, outputs. */
export interface GraphIndex {
  nodes: Map<string, NodeDef>;
  slots: Map<string, WeightSlot>;
  data: Uint8Array;
  shapes: ShapeInference;
  /** The nodes reading each node (data and control edges). */
  consumers: Map<string, NodeDef[]>;
  /** Nodes that are signature outputs: they must survive. */
  pinned: Set<string>;
}

export function indexGraph(nodes: Map<string, NodeDef>, slots: Map<string, WeightSlot>, data: Uint8Array, outputs: string[]): GraphIndex {
  const consumers = new Map<string, NodeDef[]>();
  for (const n of nodes.values()) for (const r of n.input ?? []) {
    const list = consumers.get(nodeOf(r)) ?? [];
    list.push(n);
    consumers.set(nodeOf(r), list);
  }
  return {nodes, slots, data, shapes: new ShapeInference(nodes, slots, data), consumers, pinned: new Set(outputs.map(nodeOf))};
}

/** A candidate that fails a check: the message is the near-miss reason in the report. */
export class Skip extends Error {}
export const skip = (reason: string): never => { throw new Skip(reason); };

export const DEPTHWISE = new Set(['DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
export const dataInputs = (n: NodeDef) => (n.input ?? []).filter((r) => !r.startsWith('^'));

/** One matched circular conv, before bias and position-embedding absorption. */
export interface CircularMatch {
  slice: NodeDef; concat: NodeDef; conv: NodeDef; filter: NodeDef;
  /** The input x of the pattern (the concat's first input). */
  xRef: string;
  /** 1 ('h') or 2 ('w') of NHWC; L = the static length of that axis = the kernel length; C channels. */
  axis: 1 | 2; direction: 'h' | 'w'; L: number; C: number;
  /** The bias of a FusedDepthwiseConv2dNative with fused BiasAdd. */
  fusedBiasRef?: string;
}

/**
 * Checks that `conv` is `DepthwiseConv2dNative|FusedDepthwiseConv2dNative(ConcatV2([x,
 * Slice|StridedSlice(x, first L-1 entries of axis a)], a), filter [L,1,C,1] or [1,L,C,1])`,
 * VALID, stride 1, dilation 1, NHWC, with a = 1 or 2 and L the static length of axis a.
 * Returns undefined when the conv is not fed by a concat (an ordinary depthwise conv), throws
 * Skip naming the first failed check otherwise.
 */
export function matchCircularConv(conv: NodeDef, g: GraphIndex): CircularMatch | undefined {
  const {nodes, slots} = g;
  const ints = (ref: string) => constInts(nodeOf(ref), nodes, slots, g.data);
  const a = conv.attr ?? {};
  const [concatRef, filterRef, fusedBiasRef] = dataInputs(conv);
  const concat = nodes.get(nodeOf(concatRef))!;
  if (concat.op !== 'ConcatV2' || outputIndexOf(concatRef) !== 0) return undefined;
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
  let fusedBias: string | undefined;
  if (conv.op === 'FusedDepthwiseConv2dNative') {
    const ops = attrStrings(a.fused_ops) ?? [];
    if (ops.length > 1 || (ops.length === 1 && ops[0] !== 'BiasAdd')) skip(`the conv has fused ops [${ops}]; only a fused BiasAdd can be absorbed`);
    if (ops.length === 1) fusedBias = fusedBiasRef;
  }

  // The kernel: an L-tap [L,1,C,1] / [1,L,C,1] constant over the whole axis.
  const filter = nodes.get(nodeOf(filterRef))!;
  const fslot = slots.get(filter.name);
  if (filter.op !== 'Const' || !fslot) skip(`the filter '${filter.name}' is a ${filter.op}, not a constant weight`);
  const fs = fslot!.spec.shape;
  if (fs.length !== 4 || fs[3] !== 1) skip(`the filter '${filter.name}' has shape [${fs}], not [kh, kw, C, 1]`);
  const K = axis === 1 ? fs[0] : fs[1], other = axis === 1 ? fs[1] : fs[0], C = fs[2];
  if (other !== 1) skip(`the kernel is ${fs[0]}x${fs[1]}; a circular ${direction} conv has a ${axis === 1 ? 'Kx1' : '1xK'} kernel`);
  const xShape = g.shapes.of(xRef);
  const L = xShape?.length === 4 ? xShape[axis] : -1;
  if (L < 0) skip(`the length of axis ${direction} of '${xRef}' is not known statically (kernel length ${K})`);
  if (xShape![3] >= 0 && xShape![3] !== C) skip(`the filter has ${C} channels, the input '${xRef}' has ${xShape![3]}`);
  if (K !== L) skip(`kernel length ${K} != axis length ${L}`);
  checkHeadSlice(slice, xShape!, axis as 1 | 2, L, ints);
  return {slice, concat, conv, filter, xRef, axis: axis as 1 | 2, direction, L, C, ...(fusedBias != null ? {fusedBiasRef: fusedBias} : {})};
}

/** The slice must be exactly the first L-1 entries of the axis and everything along the others. */
function checkHeadSlice(slice: NodeDef, xShape: number[], axis: 1 | 2, L: number, ints: (ref: string) => number[] | undefined): void {
  const direction = axis === 1 ? 'h' : 'w';
  const sin = dataInputs(slice);
  const full = (i: number, b: number, len: number) => b === 0 && (len === (xShape[i] >= 0 ? xShape[i] : -2) || len === -1);
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
    return;
  }
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
      const e = s.endMasked ? -1 : s.end === 0 ? 0 : s.end < 0 ? (xShape[i] >= 0 ? s.end + xShape[i] : -3) : s.end;
      if (!(b === 0 && (e === -1 || (xShape[i] >= 0 && e >= xShape[i])))) skip(`the slice '${slice.name}' does not take all of axis ${i}`);
    }
  }
}

/**
 * The subgraph slice → concat → conv (→ `last`, the absorbed bias add) may be replaced only if
 * nothing outside reads its inner nodes or the filter, no node is a graph output or part of a
 * subgraph fused already (`taken`), and no node has control inputs. Throws Skip otherwise.
 */
export function checkSelfContained(m: CircularMatch, last: NodeDef, g: GraphIndex, taken: (name: string) => boolean): void {
  const onlyConsumer = (name: string, of: NodeDef, what: string) => {
    const c = g.consumers.get(name) ?? [];
    if (g.pinned.has(name)) skip(`the ${what} '${name}' is a graph output`);
    if (c.length !== 1 || c[0] !== of) skip(`the ${what} '${name}' is also used by ${c.filter((x) => x !== of).map((x) => `'${x.name}'`).join(', ')}`);
  };
  onlyConsumer(m.slice.name, m.concat, 'slice');
  onlyConsumer(m.concat.name, m.conv, 'concat');
  if (last !== m.conv) onlyConsumer(m.conv.name, last, 'conv');
  const fc = g.consumers.get(m.filter.name) ?? [];
  if (fc.length !== 1 || g.pinned.has(m.filter.name)) skip(`the filter weight '${m.filter.name}' is shared with ${fc.filter((x) => x !== m.conv).map((x) => `'${x.name}'`).join(', ')}`);
  const parts = [m.slice, m.concat, m.conv, last];
  if (parts.some((n) => taken(n.name))) skip('overlaps a subgraph fused already');
  const controls = parts.flatMap((n) => (n.input ?? []).filter((r) => r.startsWith('^')));
  if (controls.length) skip(`the subgraph has control inputs (${controls.join(', ')})`);
}

// Static shape inference over a graph model, for the ops of conv nets: enough to know the axis lengths the fusion pass must check.
import {attrInt, attrInts, attrString, constInts, NodeDef, nodeOf, outputIndexOf, WeightSlot} from './graph_json';

/** A shape with -1 for unknown dims, or null when even the rank is unknown. */
export type Shape = number[] | null;

const UNARY = new Set([
  'Identity', 'Snapshot', 'StopGradient', 'Relu', 'Relu6', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'Swish', 'LeakyRelu', 'Neg', 'Abs',
  'Square', 'Sqrt', 'Rsqrt', 'Exp', 'Log', 'Softplus', 'Softsign', 'Erf', 'Floor', 'Ceil', 'Round', 'Sign', 'Cast', 'Reciprocal',
  'Prelu', 'BiasAdd', 'FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3', '_FusedBatchNormEx', 'Softmax', 'PositionAwareCircularConv',
]);
const BINARY = new Set(['Add', 'AddV2', 'Sub', 'Mul', 'RealDiv', 'Div', 'DivNoNan', 'Maximum', 'Minimum', 'SquaredDifference', 'Pow', 'FloorDiv', 'AddN']);
const CONV = new Set(['Conv2D', 'DepthwiseConv2dNative', '_FusedConv2D', 'FusedConv2D', 'FusedDepthwiseConv2dNative']);
const POOL = new Set(['MaxPool', 'AvgPool']);
const REDUCE = new Set(['Mean', 'Max', 'Min', 'Sum', 'Prod']);

function broadcast(a: Shape, b: Shape): Shape {
  if (a == null || b == null) return null;
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : x === -1 ? y : x);
  }
  return out;
}

/** Output length of a windowed op along one axis. */
function windowed(len: number, k: number, s: number, d: number, padding: string, pads: [number, number]) {
  if (len < 0 || k < 0) return -1;
  const eff = (k - 1) * d + 1;
  if (padding === 'SAME') return Math.ceil(len / s);
  if (padding === 'VALID') return Math.floor((len - eff) / s) + 1;
  return Math.floor((len + pads[0] + pads[1] - eff) / s) + 1;
}

/** Memoised shape of output 0 of each node (other outputs are unknown). */
export class ShapeInference {
  private readonly memo = new Map<string, Shape>();
  constructor(private readonly nodes: Map<string, NodeDef>, private readonly slots: Map<string, WeightSlot>, private readonly data: Uint8Array) {}

  of(ref: string): Shape {
    if (outputIndexOf(ref) !== 0) return null;
    const name = nodeOf(ref);
    if (this.memo.has(name)) return this.memo.get(name)!;
    this.memo.set(name, null); // cycle guard (control-flow loops)
    let s: Shape = null;
    try {
      s = this.infer(this.nodes.get(name)!);
    } catch {
      s = null; // unusual attribute encodings: treat as unknown, never fail the pass
    }
    this.memo.set(name, s);
    return s;
  }

  private ints(ref: string | undefined) {
    return ref == null ? undefined : constInts(nodeOf(ref), this.nodes, this.slots, this.data);
  }

  private infer(n: NodeDef): Shape {
    const out = n.attr?._output_shapes?.list?.shape?.[0] as {dim?: {size?: string | number}[]; unknownRank?: boolean} | undefined;
    if (out && !out.unknownRank && out.dim) return out.dim.map((d) => Number(d.size ?? -1));
    const inp = (n.input ?? []).filter((r) => !r.startsWith('^'));
    const a = n.attr ?? {};
    if (n.op === 'Placeholder' || n.op === 'PlaceholderWithDefault') {
      const sh = a.shape?.shape;
      return sh && !sh.unknownRank && sh.dim ? sh.dim.map((d) => Number(d.size ?? -1)) : null;
    }
    if (n.op === 'Const') return this.slots.get(n.name)?.spec.shape.slice() ?? null;
    if (UNARY.has(n.op)) return this.of(inp[0]);
    if (BINARY.has(n.op)) return inp.map((r) => this.of(r)).reduce((x, y) => broadcast(x, y));
    const x = inp.length ? this.of(inp[0]) : null;
    if (x == null) return null;
    const fmt = attrString(a.data_format) ?? 'NHWC';
    if ((CONV.has(n.op) || POOL.has(n.op)) && (fmt !== 'NHWC' || x.length !== 4)) return null;
    if (CONV.has(n.op) || POOL.has(n.op)) {
      const strides = attrInts(a.strides) ?? [1, 1, 1, 1], dil = attrInts(a.dilations) ?? [1, 1, 1, 1];
      const padding = attrString(a.padding) ?? 'VALID';
      const ep = attrInts(a.explicit_paddings) ?? [0, 0, 0, 0, 0, 0, 0, 0];
      let kh: number, kw: number, c: number;
      if (POOL.has(n.op)) {
        const k = attrInts(a.ksize);
        if (!k) return null;
        [kh, kw, c] = [k[1], k[2], x[3]];
      } else {
        const f = this.of(inp[1]);
        if (f == null || f.length !== 4) return null;
        [kh, kw] = [f[0], f[1]];
        c = n.op.includes('Depthwise') ? (x[3] < 0 || f[3] < 0 ? -1 : x[3] * f[3]) : f[3];
      }
      return [x[0], windowed(x[1], kh, strides[1], dil[1], padding, [ep[2], ep[3]]),
        windowed(x[2], kw, strides[2], dil[2], padding, [ep[4], ep[5]]), c];
    }
    if (n.op === 'ConcatV2') {
      const parts = inp.slice(0, -1).map((r) => this.of(r));
      const axisV = this.ints(inp[inp.length - 1]);
      if (parts.some((p) => p == null) || !axisV) return null;
      const axis = axisV[0] < 0 ? axisV[0] + x.length : axisV[0];
      const res = x.slice();
      res[axis] = parts.some((p) => p![axis] < 0) ? -1 : parts.reduce((s, p) => s + p![axis], 0);
      return res;
    }
    if (n.op === 'Slice') {
      const begin = this.ints(inp[1]), size = this.ints(inp[2]);
      if (!begin || !size) return null;
      return x.map((d, i) => (size[i] >= 0 ? size[i] : d < 0 ? -1 : d - begin[i]));
    }
    if (n.op === 'StridedSlice') {
      const spec = stridedSliceSpec(n, this.ints(inp[1]), this.ints(inp[2]), this.ints(inp[3]), x.length);
      if (!spec) return null;
      return x.map((d, i) => {
        const {begin, end, beginMasked, endMasked} = spec[i];
        if (d < 0) return -1;
        const b = beginMasked ? 0 : begin < 0 ? Math.max(0, begin + d) : Math.min(begin, d);
        const e = endMasked ? d : end < 0 ? Math.max(0, end + d) : Math.min(end, d);
        return Math.max(0, e - b);
      });
    }
    if (n.op === 'Pad' || n.op === 'PadV2' || n.op === 'MirrorPad') {
      const p = this.ints(inp[1]);
      return p ? x.map((d, i) => (d < 0 ? -1 : d + p[2 * i] + p[2 * i + 1])) : null;
    }
    if (REDUCE.has(n.op)) {
      const axes = this.ints(inp[1]);
      if (!axes) return null;
      const norm = new Set(axes.map((v) => (v < 0 ? v + x.length : v)));
      const keep = a.keep_dims?.b === true;
      return keep ? x.map((d, i) => (norm.has(i) ? 1 : d)) : x.filter((_, i) => !norm.has(i));
    }
    if (n.op === 'Reshape') {
      const s = this.ints(inp[1]);
      if (!s) return null;
      const known = x.every((d) => d >= 0) ? x.reduce((p, d) => p * d, 1) : -1;
      const rest = s.reduce((p, d) => (d >= 0 ? p * d : p), 1);
      return s.map((d) => (d >= 0 ? d : known >= 0 && rest > 0 ? known / rest : -1));
    }
    if (n.op === 'Transpose') {
      const perm = this.ints(inp[1]);
      return perm ? perm.map((p) => x[p]) : null;
    }
    if (n.op === 'ResizeBilinear' || n.op === 'ResizeNearestNeighbor') {
      const size = this.ints(inp[1]);
      return size && x.length === 4 ? [x[0], size[0], size[1], x[3]] : null;
    }
    return null;
  }
}

/** Per-axis view of a StridedSlice (no ellipsis / new-axis / shrink masks, which the pattern never uses), or null. */
export function stridedSliceSpec(n: NodeDef, begin: number[] | undefined, end: number[] | undefined, strides: number[] | undefined, rank: number) {
  const a = n.attr ?? {};
  if (!begin || !end || !strides) return null;
  if ((attrInt(a.ellipsis_mask) ?? 0) || (attrInt(a.new_axis_mask) ?? 0) || (attrInt(a.shrink_axis_mask) ?? 0)) return null;
  if (begin.length > rank || end.length !== begin.length || strides.length !== begin.length) return null;
  const bm = attrInt(a.begin_mask) ?? 0, em = attrInt(a.end_mask) ?? 0;
  return Array.from({length: rank}, (_, i) => i < begin.length
    ? {begin: begin[i], end: end[i], stride: strides[i], beginMasked: ((bm >> i) & 1) === 1, endMasked: ((em >> i) & 1) === 1}
    : {begin: 0, end: 0, stride: 1, beginMasked: true, endMasked: true});
}

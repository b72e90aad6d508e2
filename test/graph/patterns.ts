// Test graphs: the exported circular-conv pattern in its variants, its near-misses, and a MobileNetV2-like graph without it.
import {rng} from '../util/compare';
import {attr, GraphBuilder} from './graph_builder';

export type BiasKind = 'none' | 'biasadd' | 'add' | 'fused';
export type SliceKind = 'slice' | 'strided' | 'strided-neg';

export interface CircularSpec {
  name: string; H: number; W: number; C: number; direction: 'h' | 'w';
  bias?: BiasKind; slice?: SliceKind; pe?: boolean;
  /** Deliberate deviations that must make the pass leave the subgraph alone. */
  break?: 'same' | 'short-kernel' | 'tail-slice' | 'swapped-concat' | 'stride2' | 'relu-fused' | 'shared-filter' | 'slice-reused';
}

/**
 * Appends one exported circular depthwise conv reading `x` (shape [*, H, W, C]):
 * Slice/StridedSlice head -> ConcatV2 -> DepthwiseConv2dNative (VALID) -> bias.
 * Returns the name of its output node.
 */
export function addCircularConv(g: GraphBuilder, x: string, s: CircularSpec, seed: number): string {
  const r = rng(seed);
  const axis = s.direction === 'h' ? 1 : 2;
  const L = axis === 1 ? s.H : s.W;
  const K = s.break === 'short-kernel' ? L - 1 : L;
  const p = s.name;
  let input = x;
  if (s.pe) input = g.op(`${p}/pe_add`, 'AddV2', [x, g.constant(`${p}/pe`, r.normal(L * s.C), axis === 1 ? [L, 1, s.C] : [L, s.C])]);
  const headLen = s.break === 'short-kernel' ? K - 1 : L - 1;
  let slice: string;
  const kind = s.slice ?? 'slice';
  if (kind === 'slice') {
    const begin = [0, 0, 0, 0], size = [-1, -1, -1, -1];
    if (s.break === 'tail-slice') begin[axis] = 1;
    size[axis] = headLen;
    slice = g.op(`${p}/head`, 'Slice', [input, g.constant(`${p}/head/begin`, begin, [4], 'int32'), g.constant(`${p}/head/size`, size, [4], 'int32')],
        {Index: attr.type('DT_INT32')});
  } else {
    // TF's x[:, :k] (h) or x[:, :, :k] (w): a short spec, the remaining axes implicitly whole.
    const n = axis + 1;
    const begin = new Array(n).fill(0), end = new Array(n).fill(0), strides = new Array(n).fill(1);
    end[axis] = kind === 'strided-neg' ? headLen - L : headLen;
    if (s.break === 'tail-slice') begin[axis] = 1;
    const beginMask = s.break === 'tail-slice' ? ((1 << n) - 1) & ~(1 << axis) : (1 << n) - 1;
    slice = g.op(`${p}/head`, 'StridedSlice', [input, g.constant(`${p}/head/begin`, begin, [n], 'int32'),
      g.constant(`${p}/head/end`, end, [n], 'int32'), g.constant(`${p}/head/strides`, strides, [n], 'int32')], {
      Index: attr.type('DT_INT32'), begin_mask: attr.i(beginMask), end_mask: attr.i(((1 << n) - 1) & ~(1 << axis)),
      ellipsis_mask: attr.i(0), new_axis_mask: attr.i(0), shrink_axis_mask: attr.i(0),
    });
  }
  const pieces = s.break === 'swapped-concat' ? [slice, input] : [input, slice];
  const concat = g.op(`${p}/wrap`, 'ConcatV2', [...pieces, g.constant(`${p}/wrap/axis`, [axis], [], 'int32')],
      {N: attr.i(2), Tidx: attr.type('DT_INT32')});
  const filter = g.constant(`${p}/kernel`, r.normal(K * s.C), axis === 1 ? [K, 1, s.C, 1] : [1, K, s.C, 1]);
  const stride = s.break === 'stride2' ? 2 : 1;
  const convAttrs = {
    strides: attr.ints([1, stride, stride, 1]), padding: attr.s(s.break === 'same' ? 'SAME' : 'VALID'),
    data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]),
  };
  const bias = s.bias ?? 'none';
  let out: string;
  if (bias === 'fused' || s.break === 'relu-fused') {
    const ops = s.break === 'relu-fused' ? ['BiasAdd', 'Relu'] : ['BiasAdd'];
    out = g.op(`${p}/conv`, 'FusedDepthwiseConv2dNative', [concat, filter, g.constant(`${p}/bias`, r.normal(s.C), [s.C])],
        {...convAttrs, fused_ops: attr.strs(ops), num_args: attr.i(1), epsilon: attr.f(0)});
  } else {
    out = g.op(`${p}/conv`, 'DepthwiseConv2dNative', [concat, filter], convAttrs);
    if (bias === 'biasadd') out = g.op(`${p}/bias_add`, 'BiasAdd', [out, g.constant(`${p}/bias`, r.normal(s.C), [s.C])], {data_format: attr.s('NHWC')});
    if (bias === 'add') out = g.op(`${p}/bias_add`, 'AddV2', [g.constant(`${p}/bias`, r.normal(s.C), [s.C]), out]);
  }
  if (s.break === 'shared-filter') g.op(`${p}/filter_user`, 'Identity', [filter]);
  if (s.break === 'slice-reused') g.op(`${p}/uses_slice`, 'Mean', [slice, g.constant(`${p}/axes`, [1, 2], [2], 'int32')], {keep_dims: attr.b(true)});
  return out;
}

/** x -> Relu -> circular conv -> Relu: one pattern with ordinary neighbours. */
export function singlePatternGraph(s: CircularSpec, batch = -1) {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [batch, s.H, s.W, s.C]);
  const pre = g.op('pre', 'Relu', [x]);
  const y = addCircularConv(g, pre, s, s.H * 100 + s.W * 10 + s.C);
  g.op('out', 'Relu6', [y]);
  return g;
}

/**
 * A PaCC-Net-like global block: 1x1 conv, split into two halves, branch 1 h then w,
 * branch 2 w then h (with a PE add before the first conv of each branch), concat,
 * 1x1 conv, residual add. Four circular convs.
 */
export function paccStageGraph(S: number, C: number, batch = 1) {
  const g = new GraphBuilder();
  const r = rng(7);
  const x = g.placeholder('input', [batch, S, S, 2 * C]);
  const pw = (name: string, src: string, cin: number, cout: number) => g.op(name, 'Conv2D', [src, g.constant(`${name}/w`, r.normal(cin * cout).map((v) => v / Math.sqrt(cin)), [1, 1, cin, cout])],
      {strides: attr.ints([1, 1, 1, 1]), padding: attr.s('VALID'), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1])});
  const mixed = pw('mix_in', x, 2 * C, 2 * C);
  const begin = (name: string, off: number) => g.op(name, 'Slice', [mixed, g.constant(`${name}/begin`, [0, 0, 0, off], [4], 'int32'),
    g.constant(`${name}/size`, [-1, -1, -1, C], [4], 'int32')], {Index: attr.type('DT_INT32')});
  const x1 = begin('split1', 0), x2 = begin('split2', C);
  const b1 = addCircularConv(g, addCircularConv(g, x1, {name: 'b1_h', H: S, W: S, C, direction: 'h', pe: true}, 11),
      {name: 'b1_w', H: S, W: S, C, direction: 'w', bias: 'biasadd'}, 12);
  const b2 = addCircularConv(g, addCircularConv(g, x2, {name: 'b2_w', H: S, W: S, C, direction: 'w', pe: true}, 13),
      {name: 'b2_h', H: S, W: S, C, direction: 'h', slice: 'strided'}, 14);
  const cat = g.op('merge', 'ConcatV2', [b1, b2, g.constant('merge/axis', [3], [], 'int32')], {N: attr.i(2), Tidx: attr.type('DT_INT32')});
  g.op('output', 'AddV2', [x, pw('mix_out', cat, 2 * C, 2 * C)]);
  return g;
}

/**
 * A small MobileNetV2-shaped graph as tfjs-converter emits it (fused convs with
 * Relu6, explicit Pad + VALID stride-2 depthwise, SAME depthwise, residual add,
 * global mean, MatMul + BiasAdd, Softmax), with a channel concat: no circular conv.
 */
export function mobileNetLikeGraph() {
  const g = new GraphBuilder();
  const r = rng(3);
  const w = (name: string, shape: number[]) => g.constant(name, r.normal(shape.reduce((a, b) => a * b)).map((v) => v * 0.2), shape);
  const conv = (name: string, op: string, src: string, shape: number[], stride: number, padding: string, act = 'Relu6') =>
    g.op(name, op, [src, w(`${name}/weights`, shape), w(`${name}/bias`, [op === 'FusedDepthwiseConv2dNative' ? shape[2] * shape[3] : shape[3]])], {
      strides: attr.ints([1, stride, stride, 1]), padding: attr.s(padding), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]),
      fused_ops: attr.strs(act ? ['BiasAdd', act] : ['BiasAdd']), num_args: attr.i(1), epsilon: attr.f(0), explicit_paddings: {list: {}},
      ...(op === '_FusedConv2D' ? {use_cudnn_on_gpu: attr.b(true)} : {}),
    });
  const x = g.placeholder('images', [-1, 32, 32, 3]);
  const c1 = conv('Conv1', '_FusedConv2D', x, [3, 3, 3, 16], 2, 'SAME');
  const e1 = conv('block_1_expand', '_FusedConv2D', c1, [1, 1, 16, 48], 1, 'VALID');
  const padded = g.op('block_1_pad', 'Pad', [e1, g.constant('block_1_pad/paddings', [0, 0, 0, 1, 0, 1, 0, 0], [4, 2], 'int32')], {Tpaddings: attr.type('DT_INT32')});
  const d1 = conv('block_1_depthwise', 'FusedDepthwiseConv2dNative', padded, [3, 3, 48, 1], 2, 'VALID');
  const p1 = conv('block_1_project', '_FusedConv2D', d1, [1, 1, 48, 24], 1, 'VALID', '');
  const e2 = conv('block_2_expand', '_FusedConv2D', p1, [1, 1, 24, 72], 1, 'VALID');
  const d2 = conv('block_2_depthwise', 'FusedDepthwiseConv2dNative', e2, [3, 3, 72, 1], 1, 'SAME');
  const p2 = conv('block_2_project', '_FusedConv2D', d2, [1, 1, 72, 24], 1, 'VALID', '');
  const add = g.op('block_2_add', 'AddV2', [p1, p2]);
  const cat = g.op('features', 'ConcatV2', [add, p1, g.constant('features/axis', [-1], [], 'int32')], {N: attr.i(2), Tidx: attr.type('DT_INT32')});
  const pool = g.op('global_pool', 'Mean', [cat, g.constant('global_pool/axes', [1, 2], [2], 'int32')], {keep_dims: attr.b(false), Tidx: attr.type('DT_INT32')});
  const logits = g.op('logits', 'MatMul', [pool, w('logits/kernel', [48, 10])], {transpose_a: attr.b(false), transpose_b: attr.b(false)});
  g.op('probs', 'Softmax', [g.op('logits_bias', 'BiasAdd', [logits, w('logits/bias', [10])], {data_format: attr.s('NHWC')})]);
  return g;
}

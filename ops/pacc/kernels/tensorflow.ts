// tfjs-node ('tensorflow' backend) kernels of the PaCC op, built from TensorFlow ops run through the backend's eager path.
import {scalar, tensor1d, tensor2d} from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, Tensor, TensorInfo} from '@tensorflow/tfjs-core';
import type {
  PaccDirection, PositionAwareCircularConvAttrs, PositionAwareCircularConvBackpropBiasPeAttrs,
  PositionAwareCircularConvBackpropFilterAttrs, PositionAwareCircularConvBackpropInputAttrs,
} from '../kernel_names';
import {
  PositionAwareCircularConv, PositionAwareCircularConvBackpropBiasPe, PositionAwareCircularConvBackpropFilter,
  PositionAwareCircularConvBackpropInput,
} from '../kernel_names';

/**
 * The part of tfjs-node's NodeJSKernelBackend these kernels use. Declared here
 * structurally (same names and meaning as tfjs-node 4.22's `TFEOpAttr`,
 * `TFJSBinding` and `executeSingleOutput`) because tfjs-node is an optional peer
 * that may be absent at compile time; nothing from tfjs-node is imported.
 */
export interface TFEOpAttr { name: string; type: number; value: boolean | number | number[] | string; }
export interface TensorflowBinding {
  TF_FLOAT: number; TF_INT32: number;
  TF_ATTR_STRING: number; TF_ATTR_INT: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number;
}
export interface TensorflowBackendLike {
  binding: TensorflowBinding;
  executeSingleOutput(name: string, opAttrs: TFEOpAttr[], inputs: TensorInfo[]): Tensor;
}

/** One TensorFlow eager op runner per kernel call; owns the int32 helper tensors and intermediates it creates. */
class Emitter {
  private readonly owned: Tensor[] = [];
  constructor(private readonly be: TensorflowBackendLike) {}

  private get b() { return this.be.binding; }
  private typeAttr(name: string, value: number): TFEOpAttr { return {name, type: this.b.TF_ATTR_TYPE, value}; }
  private floatT(): TFEOpAttr { return this.typeAttr('T', this.b.TF_FLOAT); }
  private convAttrs(): TFEOpAttr[] {
    return [
      this.floatT(),
      {name: 'strides', type: this.b.TF_ATTR_INT, value: [1, 1, 1, 1]},
      {name: 'padding', type: this.b.TF_ATTR_STRING, value: 'VALID'},
      {name: 'data_format', type: this.b.TF_ATTR_STRING, value: 'NHWC'},
      {name: 'dilations', type: this.b.TF_ATTR_INT, value: [1, 1, 1, 1]},
    ];
  }
  /** Runs an op; its output is an intermediate unless `keep` (the kernel's result). */
  private run(name: string, attrs: TFEOpAttr[], inputs: TensorInfo[], keep = false): Tensor {
    const out = this.be.executeSingleOutput(name, attrs, inputs);
    if (!keep) this.owned.push(out);
    return out;
  }
  /** An int32 operand (shape, begin, size, paddings, axis) of a TensorFlow op. */
  private int32(values: number | number[] | number[][]): Tensor {
    const t = typeof values === 'number' ? scalar(values, 'int32')
      : Array.isArray(values[0]) ? tensor2d(values as number[][], undefined, 'int32') : tensor1d(values as number[], 'int32');
    this.owned.push(t);
    return t;
  }
  dispose() { for (const t of this.owned) t.dispose(); }

  reshape(x: TensorInfo, shape: number[], keep = false) {
    return this.run('Reshape', [this.floatT(), this.typeAttr('Tshape', this.b.TF_INT32)], [x, this.int32(shape)], keep);
  }
  add(a: TensorInfo, b: TensorInfo, keep = false) { return this.run('AddV2', [this.floatT()], [a, b], keep); }
  slice(x: TensorInfo, begin: number[], size: number[]) {
    return this.run('Slice', [this.floatT(), this.typeAttr('Index', this.b.TF_INT32)], [x, this.int32(begin), this.int32(size)]);
  }
  concat(a: TensorInfo, b: TensorInfo, axis: number) {
    return this.run('ConcatV2', [
      {name: 'N', type: this.b.TF_ATTR_INT, value: 2}, this.floatT(), this.typeAttr('Tidx', this.b.TF_INT32),
    ], [a, b, this.int32(axis)]);
  }
  pad(x: TensorInfo, paddings: number[][]) {
    return this.run('Pad', [this.floatT(), this.typeAttr('Tpaddings', this.b.TF_INT32)], [x, this.int32(paddings)]);
  }
  depthwise(x: TensorInfo, filter: TensorInfo, keep: boolean) {
    return this.run('DepthwiseConv2dNative', this.convAttrs(), [x, filter], keep);
  }
  depthwiseBackpropInput(inputShape: number[], filter: TensorInfo, dy: TensorInfo, keep: boolean) {
    return this.run('DepthwiseConv2dNativeBackpropInput', this.convAttrs(), [this.int32(inputShape), filter, dy], keep);
  }
  depthwiseBackpropFilter(x: TensorInfo, filterShape: number[], dy: TensorInfo) {
    return this.run('DepthwiseConv2dNativeBackpropFilter', this.convAttrs(), [x, this.int32(filterShape), dy]);
  }
  /** TensorFlow's Sum over `axes` (dropped from the shape). */
  sum(x: TensorInfo, axes: number[], keep = false) {
    return this.run('Sum', [
      this.floatT(), this.typeAttr('Tidx', this.b.TF_INT32), {name: 'keep_dims', type: this.b.TF_ATTR_BOOL, value: false},
    ], [x, this.int32(axes)], keep);
  }
  biasAdd(x: TensorInfo, bias: TensorInfo) {
    return this.run('BiasAdd', [this.floatT(), {name: 'data_format', type: this.b.TF_ATTR_STRING, value: 'NHWC'}], [x, bias], true);
  }
}

const axisOf = (direction: PaccDirection) => (direction === 'h' ? 1 : 2);

/** Shapes along the conv axis: x's [N,H,W,C] with that axis set to `len`. */
function withAxis(shape: number[], axis: number, len: number) {
  const s = shape.slice();
  s[axis] = len;
  return s;
}

/** The depthwise filter of a [L,C] PaCC filter: [L,1,C,1] for 'h', [1,L,C,1] for 'w'. */
const depthwiseFilterShape = (L: number, C: number, axis: number) => (axis === 1 ? [L, 1, C, 1] : [1, L, C, 1]);

/** x + pe (pe broadcast along the other spatial axis), then x̃ = concat(x', first L-1 entries of x') along the axis (docs/op.md §1). */
function circularPad(e: Emitter, x: TensorInfo, pe: TensorInfo | null, axis: number): TensorInfo {
  const [, H, W, C] = x.shape;
  const L = axis === 1 ? H : W;
  const xp = pe ? e.add(x, e.reshape(pe, axis === 1 ? [1, L, 1, C] : [1, 1, L, C])) : x;
  if (L === 1) return xp;
  const size = [-1, -1, -1, -1];
  size[axis] = L - 1;
  return e.concat(xp, e.slice(xp, [0, 0, 0, 0], size), axis);
}

/** Runs `body` with an emitter and disposes every intermediate, also when an op throws. */
function withEmitter(backend: unknown, body: (e: Emitter) => TensorInfo): TensorInfo {
  const e = new Emitter(backend as TensorflowBackendLike);
  try {
    return body(e);
  } finally {
    e.dispose();
  }
}

/** y = DepthwiseConv2dNative_VALID(circularPad(x + pe), filter) + bias. */
const forward: KernelFunc = ({inputs, backend, attrs}) => withEmitter(backend, (e) => {
  const {x, filter, bias, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasBias, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvAttrs;
  const axis = axisOf(direction);
  const [L, C] = filter.shape;
  const ext = circularPad(e, x, hasPositionEmbedding ? positionEmbedding : null, axis);
  const y = e.depthwise(ext, e.reshape(filter, depthwiseFilterShape(L, C, axis)), !hasBias);
  return hasBias ? e.biasAdd(y, bias) : y;
});

/**
 * dx[m] = Σ_k w[k]·dy[(m-k) mod L] (docs/op.md §2). The depthwise input gradient of the
 * padded tensor x̃ (length 2L-1) gives dx̃; entry L+r of x̃ is a copy of x[r], so
 * dx = dx̃[0:L] + (dx̃[L:2L-1] padded with one zero row at the end).
 */
function circularBackpropInput(e: Emitter, dy: TensorInfo, filter: TensorInfo, axis: number, keep: boolean): Tensor {
  const [L, C] = filter.shape;
  const f = e.reshape(filter, depthwiseFilterShape(L, C, axis));
  if (L === 1) return e.depthwiseBackpropInput(dy.shape, f, dy, keep);
  const dExt = e.depthwiseBackpropInput(withAxis(dy.shape, axis, 2 * L - 1), f, dy, false);
  const size = [-1, -1, -1, -1];
  size[axis] = L;
  const head = e.slice(dExt, [0, 0, 0, 0], size);
  const begin = [0, 0, 0, 0];
  begin[axis] = L;
  size[axis] = L - 1;
  const paddings = [[0, 0], [0, 0], [0, 0], [0, 0]];
  paddings[axis][1] = 1;
  const wrapped = e.pad(e.slice(dExt, begin, size), paddings);
  return e.add(head, wrapped, keep);
}

const backpropInput: KernelFunc = ({inputs, backend, attrs}) => withEmitter(backend, (e) => {
  const {dy, filter} = inputs as Record<string, TensorInfo>;
  const {direction} = attrs as unknown as PositionAwareCircularConvBackpropInputAttrs;
  return circularBackpropInput(e, dy, filter, axisOf(direction), true);
});

/**
 * dbias = Sum(dy) over N, H, W; dpe = the input gradient of rowSum = Sum(dy) over
 * the broadcast axes, run as a [1, L, 1, C] ('h') / [1, 1, L, C] ('w') tensor.
 */
const backpropBiasPe: KernelFunc = ({inputs, backend, attrs}) => {
  const e = new Emitter(backend as TensorflowBackendLike);
  const outs: Tensor[] = [];
  try {
    const {dy, filter} = inputs as Record<string, TensorInfo>;
    const {direction} = attrs as unknown as PositionAwareCircularConvBackpropBiasPeAttrs;
    const axis = axisOf(direction);
    const [L, C] = filter.shape;
    const rowSum = e.sum(dy, axis === 1 ? [0, 2] : [0, 1]);
    outs.push(e.sum(rowSum, [0], true));
    const dpe4 = circularBackpropInput(e, e.reshape(rowSum, axis === 1 ? [1, L, 1, C] : [1, 1, L, C]), filter, axis, false);
    outs.push(e.reshape(dpe4, [L, C], true));
    return outs;
  } catch (err) {
    for (const t of outs) t.dispose();
    throw err;
  } finally {
    e.dispose();
  }
};

/** dw[k] = Σ dy[i]·x'[(i+k) mod L]: the depthwise filter gradient of the circularly padded x' = x + pe. */
const backpropFilter: KernelFunc = ({inputs, backend, attrs}) => withEmitter(backend, (e) => {
  const {x, dy, positionEmbedding} = inputs as Record<string, TensorInfo>;
  const {direction, hasPositionEmbedding} = attrs as unknown as PositionAwareCircularConvBackpropFilterAttrs;
  const axis = axisOf(direction);
  const L = x.shape[axis], C = x.shape[3];
  const ext = circularPad(e, x, hasPositionEmbedding ? positionEmbedding : null, axis);
  const dw = e.depthwiseBackpropFilter(ext, depthwiseFilterShape(L, C, axis), dy);
  return e.reshape(dw, [L, C], true);
});

export const tensorflowKernels: KernelConfig[] = [
  {kernelName: PositionAwareCircularConv, backendName: 'tensorflow', kernelFunc: forward},
  {kernelName: PositionAwareCircularConvBackpropInput, backendName: 'tensorflow', kernelFunc: backpropInput},
  {kernelName: PositionAwareCircularConvBackpropFilter, backendName: 'tensorflow', kernelFunc: backpropFilter},
  {kernelName: PositionAwareCircularConvBackpropBiasPe, backendName: 'tensorflow', kernelFunc: backpropBiasPe},
];

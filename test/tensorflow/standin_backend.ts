// A recording stand-in for tfjs-node's backend: checks each TensorFlow op call against its op definition, then computes it with tfjs-core on cpu.
import * as tf from '@tensorflow/tfjs-core';
import {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import type {TensorflowBinding, TFEOpAttr} from '../../ops/pacc/kernels/tensorflow';

/** The enum values of TensorFlow's C API (TF_DataType, TF_AttrType), as tfjs-node's binding exposes them. */
export const BINDING: TensorflowBinding & {TF_ATTR_FLOAT: number} = {
  TF_FLOAT: 1, TF_INT32: 3,
  TF_ATTR_STRING: 0, TF_ATTR_INT: 1, TF_ATTR_FLOAT: 2, TF_ATTR_BOOL: 3, TF_ATTR_TYPE: 4,
};

type AttrKind = 'type' | 'int' | 'int[]' | 'string' | 'bool';
/** Per input: 'T' = float32 data typed by attr T, or the name of the int32 index type attr. */
interface OpDef { inputs: string[] | ((attrs: Record<string, unknown>) => string[]); attrs: Record<string, {kind: AttrKind; required: boolean; oneOf?: readonly unknown[]}>; }

const conv = {
  T: {kind: 'type', required: true},
  strides: {kind: 'int[]', required: true},
  padding: {kind: 'string', required: true, oneOf: ['SAME', 'VALID', 'EXPLICIT']},
  data_format: {kind: 'string', required: false, oneOf: ['NHWC', 'NCHW']},
  dilations: {kind: 'int[]', required: false},
  explicit_paddings: {kind: 'int[]', required: false},
} as const;

/** The slice of TensorFlow's op registry (tensorflow/core/ops/*.cc) that the PaCC kernels use. */
const OP_DEFS: Record<string, OpDef> = {
  Reshape: {inputs: ['T', 'Tshape'], attrs: {T: {kind: 'type', required: true}, Tshape: {kind: 'type', required: true}}},
  AddV2: {inputs: ['T', 'T'], attrs: {T: {kind: 'type', required: true}}},
  Slice: {inputs: ['T', 'Index', 'Index'], attrs: {T: {kind: 'type', required: true}, Index: {kind: 'type', required: true}}},
  ConcatV2: {
    inputs: (a) => [...Array(a.N as number).fill('T'), 'Tidx'],
    attrs: {N: {kind: 'int', required: true}, T: {kind: 'type', required: true}, Tidx: {kind: 'type', required: true}},
  },
  Pad: {inputs: ['T', 'Tpaddings'], attrs: {T: {kind: 'type', required: true}, Tpaddings: {kind: 'type', required: true}}},
  Sum: {
    inputs: ['T', 'Tidx'],
    attrs: {T: {kind: 'type', required: true}, Tidx: {kind: 'type', required: true}, keep_dims: {kind: 'bool', required: false}},
  },
  BiasAdd: {inputs: ['T', 'T'], attrs: {T: {kind: 'type', required: true}, data_format: {kind: 'string', required: false, oneOf: ['NHWC', 'NCHW']}}},
  DepthwiseConv2dNative: {inputs: ['T', 'T'], attrs: conv},
  DepthwiseConv2dNativeBackpropInput: {inputs: ['int32', 'T', 'T'], attrs: conv},
  DepthwiseConv2dNativeBackpropFilter: {inputs: ['T', 'int32', 'T'], attrs: conv},
};

const ATTR_TYPE: Record<AttrKind, number> = {
  type: BINDING.TF_ATTR_TYPE, int: BINDING.TF_ATTR_INT, 'int[]': BINDING.TF_ATTR_INT, string: BINDING.TF_ATTR_STRING,
  bool: BINDING.TF_ATTR_BOOL,
};
const DTYPE: Record<number, tf.DataType> = {[BINDING.TF_FLOAT]: 'float32', [BINDING.TF_INT32]: 'int32'};

export interface RecordedCall { op: string; attrs: Record<string, unknown>; inputShapes: number[][]; }

/** Checks one call like TFE_Execute would (attr names, kinds, values; input count and dtypes). */
function checkCall(name: string, opAttrs: TFEOpAttr[], inputs: tf.TensorInfo[]): Record<string, unknown> {
  const def = OP_DEFS[name];
  if (!def) throw new Error(`stand-in: op ${name} is not in the stand-in's op registry`);
  const attrs: Record<string, unknown> = {};
  for (const a of opAttrs) {
    const spec = def.attrs[a.name];
    if (!spec) throw new Error(`stand-in: ${name} has no attr '${a.name}'`);
    if (a.name in attrs) throw new Error(`stand-in: ${name} attr '${a.name}' set twice`);
    if (a.type !== ATTR_TYPE[spec.kind]) throw new Error(`stand-in: ${name} attr '${a.name}' has attr type ${a.type}, want ${ATTR_TYPE[spec.kind]}`);
    const okValue = spec.kind === 'int[]' ? Array.isArray(a.value) && a.value.every(Number.isInteger)
      : spec.kind === 'int' ? Number.isInteger(a.value) : spec.kind === 'string' ? typeof a.value === 'string'
      : spec.kind === 'bool' ? typeof a.value === 'boolean'
      : typeof a.value === 'number' && a.value in DTYPE;
    if (!okValue) throw new Error(`stand-in: ${name} attr '${a.name}' has a bad value ${JSON.stringify(a.value)}`);
    if (spec.oneOf && !spec.oneOf.includes(a.value)) throw new Error(`stand-in: ${name} attr '${a.name}' = ${a.value} not in ${spec.oneOf}`);
    attrs[a.name] = spec.kind === 'type' ? DTYPE[a.value as number] : a.value;
  }
  for (const [attr, spec] of Object.entries(def.attrs)) {
    if (spec.required && !(attr in attrs)) throw new Error(`stand-in: ${name} is missing required attr '${attr}'`);
  }
  const want = typeof def.inputs === 'function' ? def.inputs(attrs) : def.inputs;
  if (inputs.length !== want.length) throw new Error(`stand-in: ${name} takes ${want.length} inputs, got ${inputs.length}`);
  want.forEach((w, i) => {
    const dtype = w === 'int32' ? 'int32' : (attrs[w] as string);
    if (inputs[i].dtype !== dtype) throw new Error(`stand-in: ${name} input ${i} is ${inputs[i].dtype}, attr ${w} says ${dtype}`);
  });
  for (const k of ['strides', 'dilations'] as const) {
    const v = attrs[k] as number[] | undefined;
    if (v && (v.length !== 4 || v[0] !== 1 || v[3] !== 1)) throw new Error(`stand-in: ${name} ${k} must be [1, h, w, 1], got [${v}]`);
  }
  return attrs;
}

/** The cpu backend plus tfjs-node's `binding` and `executeSingleOutput`; records every op it runs. */
export class StandInTensorflowBackend extends MathBackendCPU {
  readonly binding = BINDING;
  readonly calls: RecordedCall[] = [];

  executeSingleOutput(name: string, opAttrs: TFEOpAttr[], inputs: tf.TensorInfo[]): tf.Tensor {
    const attrs = checkCall(name, opAttrs, inputs);
    this.calls.push({op: name, attrs, inputShapes: inputs.map((t) => t.shape.slice())});
    const wrapped = inputs.map((t) => (t instanceof tf.Tensor ? null : tf.engine().makeTensorFromTensorInfo(t)));
    const ins = inputs.map((t, i) => wrapped[i] ?? (t as tf.Tensor));
    try {
      return run(name, attrs, ins);
    } finally {
      for (const w of wrapped) w?.dispose();
    }
  }
}

const ints = (t: tf.Tensor) => Array.from(t.dataSync());

/** TensorFlow semantics of each op, expressed with tfjs-core ops (which run on this backend's cpu kernels). */
function run(name: string, attrs: Record<string, unknown>, x: tf.Tensor[]): tf.Tensor {
  const hw = (v: unknown) => (v == null ? [1, 1] : [(v as number[])[1], (v as number[])[2]]) as [number, number];
  const pad = String(attrs.padding).toLowerCase() as 'valid' | 'same';
  if ((attrs.data_format ?? 'NHWC') !== 'NHWC') throw new Error('stand-in: only NHWC is implemented');
  switch (name) {
    case 'Reshape': return tf.reshape(x[0], ints(x[1]));
    case 'AddV2': return tf.add(x[0], x[1]);
    case 'BiasAdd':
      if (x[1].rank !== 1 || x[1].shape[0] !== x[0].shape[x[0].rank - 1]) throw new Error(`stand-in: BiasAdd bias [${x[1].shape}] vs value [${x[0].shape}]`);
      return tf.add(x[0], x[1]);
    case 'Sum': {
      const axes = ints(x[1]);
      if (axes.some((a) => !Number.isInteger(a) || a < -x[0].rank || a >= x[0].rank)) throw new Error(`stand-in: Sum axes [${axes}] out of range for rank ${x[0].rank}`);
      return tf.sum(x[0], axes, attrs.keep_dims === true);
    }
    case 'Slice': return tf.slice(x[0], ints(x[1]), ints(x[2]));
    case 'ConcatV2': return tf.concat(x.slice(0, -1), ints(x[x.length - 1])[0]);
    case 'Pad': {
      const p = ints(x[1]);
      return tf.pad(x[0], Array.from({length: x[0].rank}, (_, i) => [p[2 * i], p[2 * i + 1]] as [number, number]));
    }
    case 'DepthwiseConv2dNative':
      return tf.depthwiseConv2d(x[0] as tf.Tensor4D, x[1] as tf.Tensor4D, hw(attrs.strides), pad, 'NHWC', hw(attrs.dilations));
    case 'DepthwiseConv2dNativeBackpropInput':
      return tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', {dy: x[2], filter: x[1]}, {
        strides: hw(attrs.strides), dilations: hw(attrs.dilations), pad, inputShape: ints(x[0]),
      }) as tf.Tensor;
    case 'DepthwiseConv2dNativeBackpropFilter':
      return tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', {x: x[0], dy: x[2]}, {
        strides: hw(attrs.strides), dilations: hw(attrs.dilations), pad, filterShape: ints(x[1]),
      }) as tf.Tensor;
    default: throw new Error(`stand-in: no implementation for ${name}`);
  }
}

/**
 * Registers the stand-in as backend `name` with every cpu kernel except ours,
 * plus the given kernel list (our 'tensorflow' kernels, re-targeted to `name`).
 */
export function registerStandIn(name: string, ours: tf.KernelConfig[]): void {
  if (tf.findBackendFactory(name) != null) return;
  tf.registerBackend(name, () => new StandInTensorflowBackend());
  const oursNames = new Set(ours.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!oursNames.has(k.kernelName)) tf.registerKernel({...k, backendName: name});
  }
  for (const k of ours) tf.registerKernel({...k, backendName: name});
}

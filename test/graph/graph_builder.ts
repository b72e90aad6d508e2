// Test helper: assembles graph models in tfjs-converter's model.json format (NodeDef JSON + weights manifest + one weight buffer).
import * as tf from '@tensorflow/tfjs-core';
import type {GraphModelJson, NodeDef} from '../../converters/graph/fuse';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** AttrValue encoders in the converter's JSON (int64 as strings, strings base64). */
export const attr = {
  s: (v: string) => ({s: b64(v)}),
  i: (v: number) => ({i: String(v)}),
  f: (v: number) => ({f: v}),
  b: (v: boolean) => ({b: v}),
  type: (v: 'DT_FLOAT' | 'DT_INT32') => ({type: v}),
  ints: (v: number[]) => ({list: {i: v.map(String)}}),
  strs: (v: string[]) => ({list: {s: v.map(b64)}}),
  shape: (dims: number[]) => ({shape: {dim: dims.map((d) => ({size: String(d)}))}}),
};

export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  private readonly weights: {name: string; shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array}[] = [];

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({name, op: 'Placeholder', attr: {dtype: attr.type('DT_FLOAT'), shape: attr.shape(shape)}});
    return name;
  }
  constant(name: string, values: ArrayLike<number>, shape: number[], dtype: 'float32' | 'int32' = 'float32'): string {
    const tfType = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.nodes.push({name, op: 'Const', attr: {
      value: {tensor: {dtype: tfType, tensorShape: shape.length ? {dim: shape.map((d) => ({size: String(d)}))} : {}}},
      dtype: attr.type(tfType),
    }});
    this.weights.push({name, shape, dtype, data: dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values)});
    return name;
  }
  op(name: string, op: string, input: string[], attrs: NodeDef['attr'] = {}): string {
    this.nodes.push({name, op, input, attr: {T: attr.type('DT_FLOAT'), ...attrs}});
    return name;
  }

  build(): {json: GraphModelJson; weightData: ArrayBuffer} {
    const bytes = this.weights.reduce((n, w) => n + w.data.byteLength, 0);
    const out = new Uint8Array(bytes);
    let off = 0;
    for (const w of this.weights) {
      out.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), off);
      off += w.data.byteLength;
    }
    return {
      json: {
        format: 'graph-model', generatedBy: '2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0',
        modelTopology: {node: this.nodes, library: {}, versions: {producer: 1645}},
        weightsManifest: [{paths: ['group1-shard1of1.bin'], weights: this.weights.map(({name, shape, dtype}) => ({name, shape, dtype}))}],
      },
      weightData: out.buffer,
    };
  }
}

/** Loads a model.json object + weights into a GraphModel through tf.io.fromMemory. */
export async function loadGraph(json: GraphModelJson, weightData: ArrayBuffer) {
  const {loadGraphModel} = await import('@tensorflow/tfjs-converter');
  return loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData,
  }));
}

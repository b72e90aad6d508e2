// GraphModel benchmark: an exported-style PaCC-Net stage (slice + concat + depthwise circular convs) before and after fuseCircularConvs.
import * as tf from '@tensorflow/tfjs-core';
import {loadGraphModel} from '@tensorflow/tfjs-converter';
import * as pacc from '../../src/index';
import {progress, Suite, SuiteResult, Timing} from '../util';

type GraphModelJson = pacc.converters.GraphModelJson;
type NodeDef = GraphModelJson['modelTopology']['node'][number];

const b64 = (s: string) => Buffer.from(s).toString('base64');
const A = {
  s: (v: string) => ({s: b64(v)}), i: (v: number) => ({i: String(v)}), b: (v: boolean) => ({b: v}),
  ints: (v: number[]) => ({list: {i: v.map(String)}}), T: {type: 'DT_FLOAT'}, I32: {type: 'DT_INT32'},
};

/** A minimal model.json writer: nodes, float32/int32 constants in one weight buffer. */
class Graph {
  nodes: NodeDef[] = [];
  specs: {name: string; shape: number[]; dtype: string}[] = [];
  chunks: Uint8Array[] = [];
  private seed = 1;
  private rand() { this.seed = (this.seed * 16807) % 2147483647; return this.seed / 2147483647 - 0.5; }
  constant(name: string, shape: number[], values?: number[], dtype = 'float32') {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = values ?? Array.from({length: n}, () => this.rand() * 0.5);
    const arr = dtype === 'int32' ? Int32Array.from(vals) : Float32Array.from(vals);
    this.nodes.push({name, op: 'Const', attr: {value: {tensor: {}}, dtype: dtype === 'int32' ? A.I32 : A.T}});
    this.specs.push({name, shape, dtype});
    this.chunks.push(new Uint8Array(arr.buffer));
    return name;
  }
  op(name: string, op: string, input: string[], attr: NodeDef['attr'] = {}) {
    this.nodes.push({name, op, input, attr: {T: A.T, ...attr}});
    return name;
  }
  /** The exported circular conv (docs/op.md §7): head slice, concat, VALID depthwise conv with an L-tap kernel. */
  circular(p: string, x: string, axis: 1 | 2, L: number, C: number) {
    const size = [-1, -1, -1, -1];
    size[axis] = L - 1;
    const head = this.op(`${p}/head`, 'Slice', [x, this.constant(`${p}/b`, [4], [0, 0, 0, 0], 'int32'), this.constant(`${p}/s`, [4], size, 'int32')], {Index: A.I32});
    const cat = this.op(`${p}/wrap`, 'ConcatV2', [x, head, this.constant(`${p}/axis`, [], [axis], 'int32')], {N: A.i(2), Tidx: A.I32});
    return this.op(`${p}/conv`, 'DepthwiseConv2dNative', [cat, this.constant(`${p}/k`, axis === 1 ? [L, 1, C, 1] : [1, L, C, 1])],
        {strides: A.ints([1, 1, 1, 1]), padding: A.s('VALID'), data_format: A.s('NHWC'), dilations: A.ints([1, 1, 1, 1])});
  }
  pointwise(p: string, x: string, cin: number, cout: number) {
    const y = this.op(p, 'Conv2D', [x, this.constant(`${p}/w`, [1, 1, cin, cout])],
        {strides: A.ints([1, 1, 1, 1]), padding: A.s('VALID'), data_format: A.s('NHWC'), dilations: A.ints([1, 1, 1, 1])});
    return this.op(`${p}/bias`, 'BiasAdd', [y, this.constant(`${p}/b`, [cout])], {data_format: A.s('NHWC')});
  }
  build(): {json: GraphModelJson; data: ArrayBuffer} {
    const data = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of this.chunks) { data.set(c, off); off += c.length; }
    return {json: {format: 'graph-model', modelTopology: {node: this.nodes, versions: {producer: 1645}}, weightsManifest: [{paths: ['w.bin'], weights: this.specs}]}, data: data.buffer};
  }
}

/**
 * One EdgeFormer/PaCC-Net global stage as an exported graph: `blocks` gcc blocks on
 * [1, S, S, 2d], each: split, per branch PE add + BN (Mul/Add) + circular conv h|w,
 * PE add + circular conv w|h, residual; concat; FFN (1x1 conv, Relu6, 1x1 conv); add.
 * With `ffn` 0 the FFN is left out, so the circular convs dominate the time.
 */
function stageGraph(S: number, d: number, ffn: number, blocks: number) {
  const g = new Graph();
  let x = 'input';
  g.nodes.push({name: x, op: 'Placeholder', attr: {dtype: A.T, shape: {shape: {dim: [1, S, S, 2 * d].map((v) => ({size: String(v)}))}}}});
  for (let b = 0; b < blocks; b++) {
    const branch = (k: number, first: 1 | 2) => {
      const p = `b${b}/br${k}`;
      const half = g.op(`${p}/split`, 'Slice', [x, g.constant(`${p}/split/b`, [4], [0, 0, 0, k * d], 'int32'), g.constant(`${p}/split/s`, [4], [-1, -1, -1, d], 'int32')], {Index: A.I32});
      const pe1 = g.op(`${p}/pe1`, 'AddV2', [half, g.constant(`${p}/pe1/v`, first === 1 ? [S, 1, d] : [S, d])]);
      const bn = g.op(`${p}/bn/add`, 'AddV2', [g.op(`${p}/bn/mul`, 'Mul', [pe1, g.constant(`${p}/bn/g`, [d])]), g.constant(`${p}/bn/b`, [d])]);
      const c1 = g.circular(`${p}/c1`, bn, first, S, d);
      const second = first === 1 ? 2 : 1;
      const pe2 = g.op(`${p}/pe2`, 'AddV2', [c1, g.constant(`${p}/pe2/v`, second === 1 ? [S, 1, d] : [S, d])]);
      return g.op(`${p}/res`, 'AddV2', [half, g.circular(`${p}/c2`, pe2, second, S, d)]);
    };
    const z = g.op(`b${b}/z`, 'ConcatV2', [branch(0, 1), branch(1, 2), g.constant(`b${b}/z/axis`, [], [3], 'int32')], {N: A.i(2), Tidx: A.I32});
    if (ffn === 0) { x = z; continue; }
    const f = g.pointwise(`b${b}/ffn2`, g.op(`b${b}/ffn/act`, 'Relu6', [g.pointwise(`b${b}/ffn1`, z, 2 * d, ffn)]), ffn, 2 * d);
    x = g.op(`b${b}/out`, 'AddV2', [z, f]);
  }
  return {...g.build(), output: x};
}

/**
 * Times the closures alternately, one call each per round after warm-up, so that load
 * from other processes on a shared machine hits both alike; medians per closure.
 */
function interleaved(fns: Record<string, () => void>, warmup: number, rounds: number): Record<string, Timing> {
  for (let i = 0; i < warmup; i++) for (const f of Object.values(fns)) f();
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(fns)) {
      const t0 = performance.now();
      f();
      times[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => {
    v.sort((a, b) => a - b);
    return [k, {median: v[Math.floor(v.length / 2)], min: v[0], max: v[v.length - 1], runs: v.length}];
  }));
}

async function load(json: GraphModelJson, data: ArrayBuffer) {
  return loadGraphModel(tf.io.fromMemory({modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((w) => w.weights) as tf.io.WeightsManifestEntry[], weightData: data}));
}

export const graphSuite: Suite = async ({quick}) => {
  await pacc.converters.graphOpReady;
  const results: SuiteResult[] = [];
  // EdgeFormer-XS layer_4 (S 16, d 64, FFN 256, 3 blocks) and layer_3-sized (S 32, d 48, FFN 192, 2 blocks),
  // each also without the FFN (FFN 0).
  const stages = quick ? [[16, 64, 256, 3], [16, 64, 0, 3]] : [[16, 64, 256, 3], [16, 64, 0, 3], [32, 48, 192, 2], [32, 48, 0, 2]];
  for (const backend of ['wasm', 'cpu']) {
    if (!(await tf.setBackend(backend).catch(() => false))) {
      results.push({title: `graph on ${backend}`, headers: ['note'], rows: [[`backend ${backend} unavailable here`]]});
      continue;
    }
    const native = tf.getKernel(pacc.PositionAwareCircularConv, backend) != null;
    const rows: (string | number)[][] = [];
    for (const [S, d, ffn, blocks] of stages) {
      progress(`graph ${backend} S=${S} d=${d} blocks=${blocks}`);
      const {json, data, output} = stageGraph(S, d, ffn, blocks);
      const fused = pacc.converters.fuseCircularConvs(json, data);
      const models = {exported: await load(json, data), fused: await load(fused.modelJson, fused.weightData)};
      const x = tf.randomNormal([1, S, S, 2 * d]);
      const t = interleaved({
        exported: () => tf.tidy(() => { (models.exported.execute(x, output) as tf.Tensor).dataSync(); }),
        fused: () => tf.tidy(() => { (models.fused.execute(x, output) as tf.Tensor).dataSync(); }),
      }, quick ? 1 : 3, quick ? 5 : 21);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(models.exported.execute(x, output) as tf.Tensor, models.fused.execute(x, output) as tf.Tensor))).dataSync()[0]);
      rows.push([`[1,${S},${S},${2 * d}] x${blocks} blocks${ffn ? '' : ', no FFN'}`, fused.report.fused.length, fused.report.nearMisses.length,
        t.exported.median.toFixed(2), t.fused.median.toFixed(2), `${(t.exported.median / t.fused.median).toFixed(2)}×`, diff.toExponential(1)]);
      x.dispose();
      models.exported.dispose();
      models.fused.dispose();
    }
    results.push({
      title: `PaCC-Net stage as a GraphModel on ${backend}: exported (slice+concat+depthwise) vs fuseCircularConvs (${native ? 'native kernel' : 'composite fallback'}), median ms`,
      headers: ['stage', 'fused', 'near-misses', 'exported ms', 'fused ms', 'exported/fused', 'max |diff|'],
      rows,
      notes: ['model.execute + dataSync per run, the two graphs timed alternately; exported/fused > 1 means the fused graph is faster. Same weights and input for both.'],
    });
  }
  return results;
};

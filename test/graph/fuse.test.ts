// fuseCircularConvs: fused graphs compute what the exported ones do (cpu, wasm); other graphs pass through unchanged; near-misses and malformed input are reported clearly.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect, it} from 'vitest';
import '../../src/index';
import {fuseCircularConvs} from '../../converters/graph/fuse';
import type {GraphModelJson} from '../../converters/graph/fuse';
import {graphOpReady} from '../../converters/graph/register_op';
import {expectClose, rng} from '../util/compare';
import {loadGraph} from './graph_builder';
import {CircularSpec, mobileNetLikeGraph, paccStageGraph, singlePatternGraph} from './patterns';

/** Runs a graph model on one input; returns the named output's values. */
async function runGraph(json: GraphModelJson, weightData: ArrayBuffer, input: {name: string; shape: number[]; data: Float32Array}, output: string) {
  const model = await loadGraph(json, weightData);
  const x = tf.tensor(input.data, input.shape);
  const y = model.execute({[input.name]: x}, output) as tf.Tensor;
  const values = await y.data();
  tf.dispose([x, y]);
  model.dispose();
  return values as Float32Array;
}

const VARIANTS: CircularSpec[] = [];
for (const direction of ['h', 'w'] as const) {
  for (const [H, W, C] of [[7, 7, 8], [5, 9, 3], [14, 14, 16], [2, 3, 1], [1, 4, 2], [4, 1, 2]]) {
    if ((direction === 'h' ? H : W) === 1 && C !== 2) continue;
    for (const bias of ['none', 'biasadd', 'add', 'fused'] as const) {
      const slice = (['slice', 'strided', 'strided-neg'] as const)[(H + W + C + bias.length) % 3];
      VARIANTS.push({name: 'pacc', H, W, C, direction, bias, slice, pe: (H * W) % 2 === 0});
    }
  }
}
const describeSpec = (s: CircularSpec) => `${s.direction} [${s.H},${s.W},${s.C}] bias=${s.bias} slice=${s.slice}${s.pe ? ' +pe add' : ''}`;

beforeAll(async () => {
  expect(await graphOpReady, 'the GraphModel op registers itself with tfjs-converter').toBe(true);
});

for (const backend of ['cpu', 'wasm']) {
  describe(`fused vs exported graphs on ${backend}`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
    });

    for (const spec of VARIANTS) {
      it(describeSpec(spec), async () => {
        const {json, weightData} = singlePatternGraph(spec).build();
        const fused = fuseCircularConvs(json, weightData);
        expect(fused.report.nearMisses).toEqual([]);
        expect(fused.report.fused).toHaveLength(1);
        expect(fused.report.fused[0]).toMatchObject({direction: spec.direction, length: spec.direction === 'h' ? spec.H : spec.W, channels: spec.C, bias: spec.bias !== 'none', positionEmbedding: !!spec.pe});
        const ops = fused.modelJson.modelTopology.node.map((n) => n.op);
        expect(ops).toContain('PositionAwareCircularConv');
        for (const gone of ['ConcatV2', 'Slice', 'StridedSlice', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative', 'BiasAdd']) expect(ops).not.toContain(gone);
        const shape = [2, spec.H, spec.W, spec.C];
        const input = {name: 'x', shape, data: rng(spec.H * 31 + spec.C).normal(shape.reduce((a, b) => a * b))};
        const before = await runGraph(json, weightData, input, 'out');
        const after = await runGraph(fused.modelJson, fused.weightData, input, 'out');
        expectClose(after, before, 1e-5, 'fused vs exported');
      });
    }

    it('a PaCC-Net-like block with four circular convs (h->w and w->h branches, PE adds)', async () => {
      const S = 8, C = 6;
      const {json, weightData} = paccStageGraph(S, C).build();
      const fused = fuseCircularConvs(json, weightData);
      expect(fused.report.fused.map((f) => `${f.node}:${f.direction}`).sort()).toEqual(
          ['b1_h/conv:h', 'b1_w/bias_add:w', 'b2_h/conv:h', 'b2_w/conv:w']);
      expect(fused.report.nearMisses).toEqual([]);
      const shape = [1, S, S, 2 * C];
      const input = {name: 'input', shape, data: rng(5).normal(S * S * 2 * C)};
      expectClose(await runGraph(fused.modelJson, fused.weightData, input, 'output'),
          await runGraph(json, weightData, input, 'output'), 1e-5, 'block output');
    });
  });
}

describe('what the pass writes', () => {
  it('one node per pattern, named like the last replaced node; filter re-laid out [L,C]; slice/concat constants dropped from graph, manifest and data', () => {
    const {json, weightData} = singlePatternGraph({name: 'p', H: 5, W: 6, C: 3, direction: 'w', bias: 'biasadd', slice: 'slice'}).build();
    const original = JSON.stringify(json);
    const {modelJson, weightData: data, report} = fuseCircularConvs(json, weightData);
    expect(JSON.stringify(json), 'input left untouched').toBe(original);
    const node = modelJson.modelTopology.node.find((n) => n.op === 'PositionAwareCircularConv')!;
    expect(node).toEqual({name: 'p/bias_add', op: 'PositionAwareCircularConv', input: ['pre', 'p/kernel', 'p/bias'],
      attr: {direction: {s: btoa('w')}, T: {type: 'DT_FLOAT'}}});
    expect(report.fused[0].removed.sort()).toEqual(['p/conv', 'p/head', 'p/head/begin', 'p/head/size', 'p/wrap', 'p/wrap/axis']);
    const names = modelJson.modelTopology.node.map((n) => n.name);
    expect(names).toEqual(['x', 'pre', 'p/kernel', 'p/bias', 'p/bias_add', 'out']);
    const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
    expect(specs.map((w) => [w.name, w.shape])).toEqual([['p/kernel', [6, 3]], ['p/bias', [3]]]);
    const kernel = modelJson.modelTopology.node.find((n) => n.name === 'p/kernel')!;
    expect(kernel.attr!.value.tensor).toEqual({dtype: 'DT_FLOAT', tensorShape: {dim: [{size: '6'}, {size: '3'}]}});
    // Same bytes as the original kernel and bias, in the same order.
    const src = new Uint8Array(weightData);
    expect(data.byteLength).toBe((18 + 3) * 4);
    const kernelStart = 16 + 16 + 4; // begin, size, axis come first in this graph
    expect(new Uint8Array(data)).toEqual(src.slice(kernelStart, kernelStart + 21 * 4));
    // Unrelated nodes are the very same JSON.
    for (const name of ['x', 'pre', 'out']) {
      expect(JSON.stringify(modelJson.modelTopology.node.find((n) => n.name === name)))
          .toBe(JSON.stringify(json.modelTopology.node.find((n) => n.name === name)));
    }
  });

  it('the position-embedding add joins the node (input 3, flagged), unless its result is used elsewhere', () => {
    const spec = {name: 'p', H: 4, W: 6, C: 2, direction: 'h' as const, pe: true};
    const {json, weightData} = singlePatternGraph(spec).build();
    const {modelJson, report} = fuseCircularConvs(json, weightData);
    expect(report.fused[0]).toMatchObject({positionEmbedding: true, bias: false});
    expect(report.fused[0].removed).toContain('p/pe_add');
    const node = modelJson.modelTopology.node.find((n) => n.op === 'PositionAwareCircularConv')!;
    expect(node.input).toEqual(['pre', 'p/kernel', 'p/pe']);
    expect(node.attr).toMatchObject({has_bias: {b: false}, has_position_embedding: {b: true}});
    expect(modelJson.weightsManifest[0].weights.find((w) => w.name === 'p/pe')!.shape).toEqual([4, 2]);

    const g = singlePatternGraph(spec);
    g.op('pe_user', 'Relu', ['p/pe_add']);
    const built = g.build();
    const res = fuseCircularConvs(built.json, built.weightData);
    expect(res.report.fused[0]).toMatchObject({positionEmbedding: false});
    expect(res.modelJson.modelTopology.node.find((n) => n.op === 'PositionAwareCircularConv')!.input).toEqual(['p/pe_add', 'p/kernel']);
    expect(res.modelJson.modelTopology.node.map((n) => n.name)).toContain('p/pe_add');
  });

  it('a graph without the pattern (MobileNetV2-like) comes back byte-identical, with nothing reported', async () => {
    const {json, weightData} = mobileNetLikeGraph().build();
    const res = fuseCircularConvs(json, weightData);
    expect(res.report).toEqual({fused: [], nearMisses: []});
    expect(JSON.stringify(res.modelJson)).toBe(JSON.stringify(json));
    expect(new Uint8Array(res.weightData)).toEqual(new Uint8Array(weightData));
    expect(res.weightData).not.toBe(weightData);
    await tf.setBackend('cpu');
    const input = {name: 'images', shape: [1, 32, 32, 3], data: rng(9).normal(32 * 32 * 3)};
    const probs = await runGraph(res.modelJson, res.weightData, input, 'probs');
    expect(probs.length).toBe(10);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});

describe('near-misses are left alone and explained', () => {
  const base = {name: 'p', H: 6, W: 6, C: 4, direction: 'h' as const, bias: 'biasadd' as const};
  const cases: [CircularSpec['break'], RegExp, CircularSpec['slice']?][] = [
    ['same', /padding is SAME, not VALID/],
    ['short-kernel', /kernel length 5 != axis length 6/],
    ['tail-slice', /starts at 1 on axis h, not at the head/],
    ['tail-slice', /starts at 1 on axis h, not at the head/, 'strided'],
    ['swapped-concat', /puts the slice first/],
    ['stride2', /strides are \[1,2,2,1\], not 1/],
    ['relu-fused', /fused ops \[BiasAdd,Relu\]/],
    ['shared-filter', /filter weight 'p\/kernel' is shared with 'p\/filter_user'/],
    ['slice-reused', /slice 'p\/head' is also used by 'p\/uses_slice'/],
  ];
  for (const [brk, reason, slice] of cases) {
    it(`${brk}${slice ? ` (${slice})` : ''}`, () => {
      const {json, weightData} = singlePatternGraph({...base, break: brk, slice}).build();
      const res = fuseCircularConvs(json, weightData);
      expect(res.report.fused).toEqual([]);
      expect(res.report.nearMisses).toHaveLength(1);
      expect(res.report.nearMisses[0].node).toBe('p/conv');
      expect(res.report.nearMisses[0].reason).toMatch(reason);
      expect(JSON.stringify(res.modelJson)).toBe(JSON.stringify(json));
    });
  }

  it('an axis whose length is not known statically', () => {
    const g = singlePatternGraph({...base});
    g.nodes[0].attr!.shape = {shape: {dim: [{size: '-1'}, {size: '-1'}, {size: '6'}, {size: '4'}]}};
    const {json, weightData} = g.build();
    const res = fuseCircularConvs(json, weightData);
    expect(res.report.nearMisses[0].reason).toMatch(/length of axis h of 'pre' is not known statically/);
  });
});

describe('malformed input gives clear errors', () => {
  const good = () => singlePatternGraph({name: 'p', H: 3, W: 3, C: 2, direction: 'h'}).build();
  const cases: [string, () => unknown, RegExp][] = [
    ['not an object', () => fuseCircularConvs('model.json' as never, new ArrayBuffer(0)), /'graphModelJson' must be the parsed model.json object, got string/],
    ['a layers model', () => fuseCircularConvs({...good().json, format: 'layers-model'}, good().weightData), /format 'layers-model'; only 'graph-model'/],
    ['no node array', () => fuseCircularConvs({...good().json, modelTopology: {} as never}, good().weightData), /no modelTopology.node array/],
    ['no manifest', () => fuseCircularConvs({...good().json, weightsManifest: undefined as never}, good().weightData), /no weightsManifest array/],
    ['missing weightData', () => fuseCircularConvs(good().json, undefined as never), /'weightData' is required/],
    ['weightData too short', () => fuseCircularConvs(good().json, good().weightData.slice(4)), /'weightData' has \d+ bytes, but weightsManifest describes \d+ bytes/],
    ['a node without op', () => {
      const {json, weightData} = good();
      json.modelTopology.node.push({name: 'broken'} as never);
      return fuseCircularConvs(json, weightData);
    }, /node\[\d+\] needs a non-empty string 'name' and 'op'/],
    ['duplicate node names', () => {
      const {json, weightData} = good();
      json.modelTopology.node.push({...json.modelTopology.node[1]});
      return fuseCircularConvs(json, weightData);
    }, /two nodes are named 'pre'/],
    ['an input naming no node', () => {
      const {json, weightData} = good();
      json.modelTopology.node.find((n) => n.name === 'out')!.input = ['nowhere:0'];
      return fuseCircularConvs(json, weightData);
    }, /node 'out' \(Relu6\) has input 'nowhere:0', but no node is named 'nowhere'/],
    ['a manifest entry without shape', () => {
      const {json, weightData} = good();
      delete (json.weightsManifest[0].weights[0] as {shape?: unknown}).shape;
      return fuseCircularConvs(json, weightData);
    }, /weightsManifest\[0\].weights\[0\] needs 'name', 'shape' and 'dtype'/],
    ['weightData of the wrong type', () => fuseCircularConvs(good().json, 'bytes' as never), /'weightData' must be an ArrayBuffer/],
  ];
  for (const [name, fn, msg] of cases) it(name, () => expect(fn).toThrow(msg));
});

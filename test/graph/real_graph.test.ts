// fuseCircularConvs on a real converted graph (BlazeFace from tfjs' e2e data): untouched when it has no circular conv; fused where one is spliced in.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import type {GraphModelJson, NodeDef} from '../../converters/graph/fuse';
import {expectClose, rng} from '../util/compare';
import {GraphBuilder, loadGraph} from './graph_builder';
import {addCircularConv} from './patterns';

const real = (): GraphModelJson => JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/blazeface.model.json', import.meta.url)), 'utf8'));

/** A weight buffer of the manifest's size: random floats, zero ints (the real shard is not in the repo). */
function syntheticWeights(json: GraphModelJson): ArrayBuffer {
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const parts = specs.map((w, i) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    return w.dtype === 'float32' ? rng(i + 1).normal(n).map((v) => v * 0.1) : new Int32Array(n);
  });
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let off = 0;
  for (const p of parts) { out.set(new Uint8Array(p.buffer), off); off += p.byteLength; }
  return out.buffer;
}

describe('a real converted graph model (BlazeFace)', () => {
  it('has no circular conv: model.json and weights come back byte-identical, nothing reported', async () => {
    const json = real();
    const data = syntheticWeights(json);
    const text = JSON.stringify(json);
    const res = pacc.converters.fuseCircularConvs(json, data);
    expect(res.report).toEqual({fused: [], nearMisses: []});
    expect(JSON.stringify(res.modelJson)).toBe(text);
    expect(new Uint8Array(res.weightData)).toEqual(new Uint8Array(data));
    // And the returned model still loads as a GraphModel (running it needs the real int32 constants).
    await tf.setBackend('cpu');
    const model = await loadGraph(res.modelJson, res.weightData);
    expect(model.inputs.map((i) => i.name)).toEqual(['input']);
    model.dispose();
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`circular convs spliced after its first fused conv are found through real node attributes and fused (${backend})`, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      // The real graph's input and first _FusedConv2D (5x5, stride 2, SAME, BiasAdd+Relu) verbatim,
      // then h and w circular convs over its 64x64x24 output.
      const src = real();
      const keep = new Set(['input', 'StatefulPartitionedCall/model/activation/Relu']);
      const g = new GraphBuilder();
      const conv = src.modelTopology.node.find((n) => n.name === 'StatefulPartitionedCall/model/activation/Relu')!;
      for (const w of src.weightsManifest.flatMap((m) => m.weights).filter((w) => conv.input!.includes(w.name))) {
        g.constant(w.name, rng(w.shape.length).normal(w.shape.reduce((a, b) => a * b)).map((v) => v * 0.2), w.shape);
      }
      for (const n of src.modelTopology.node) if (keep.has(n.name)) g.nodes.push(structuredClone(n) as NodeDef);
      const h = addCircularConv(g, conv.name, {name: 'circ_h', H: 64, W: 64, C: 24, direction: 'h', bias: 'biasadd'}, 1);
      addCircularConv(g, h, {name: 'circ_w', H: 64, W: 64, C: 24, direction: 'w', slice: 'strided'}, 2);
      const {json, weightData} = g.build();
      const res = pacc.converters.fuseCircularConvs(json, weightData);
      expect(res.report.nearMisses).toEqual([]);
      expect(res.report.fused.map((f) => [f.node, f.direction, f.length, f.channels])).toEqual([
        ['circ_h/bias_add', 'h', 64, 24], ['circ_w/conv', 'w', 64, 24]]);
      const x = tf.tensor4d(rng(3).normal(128 * 128 * 3), [1, 128, 128, 3]);
      const run = async (j: GraphModelJson, d: ArrayBuffer) => {
        const m = await loadGraph(j, d);
        const y = m.execute(x, 'circ_w/conv') as tf.Tensor;
        const v = await y.data();
        y.dispose();
        m.dispose();
        return v;
      };
      expectClose(await run(res.modelJson, res.weightData), await run(json, weightData), 1e-5, 'fused vs exported');
      x.dispose();
    });
  }
});

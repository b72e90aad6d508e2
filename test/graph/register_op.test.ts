// GraphModel custom op: model.json graphs with PositionAwareCircularConv nodes load and run (cpu, wasm); node format and its errors.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {beforeAll, describe, expect, it} from 'vitest';
import {positionAwareCircularConv} from '../../src/index';
import {executePaccGraphNode, graphOpReady, registerGraphOp} from '../../converters/graph/register_op';
import {paccForwardRef} from '../../ops/pacc/reference';
import {expectClose, rng} from '../util/compare';
import {attr, GraphBuilder, loadGraph} from './graph_builder';

const [N, H, W, C] = [2, 5, 7, 3];
const r = rng(2024);
const w = {
  f1: r.normal(H * C), b1: r.normal(C), pe1: r.normal(H * C),
  f2: r.normal(W * C), pe2: r.normal(W * C), f3: r.normal(W * C),
};

/** x -> pacc h (bias, pe) -> pacc w (pe only, flagged) -> pacc W (upper case, no extras). */
function paccGraph() {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, H, W, C]);
  const y1 = g.op('pacc1', 'PositionAwareCircularConv', [x, g.constant('f1', w.f1, [H, C]), g.constant('b1', w.b1, [C]), g.constant('pe1', w.pe1, [H, C])],
      {direction: attr.s('h')});
  const y2 = g.op('pacc2', 'PositionAwareCircularConv', [y1, g.constant('f2', w.f2, [W, C]), g.constant('pe2', w.pe2, [W, C])],
      {direction: attr.s('w'), has_bias: attr.b(false), has_position_embedding: attr.b(true)});
  g.op('pacc3', 'PositionAwareCircularConv', [y2, g.constant('f3', w.f3, [W, C])], {direction: attr.s('W')});
  return g.build();
}

beforeAll(async () => {
  expect(await graphOpReady, 'registered automatically on import').toBe(true);
});

for (const backend of ['cpu', 'wasm']) {
  describe(`GraphModel with PositionAwareCircularConv nodes on ${backend}`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
    });

    it('loads with tf.loadGraphModel(tf.io.fromMemory(...)) and matches the op and reference.ts', async () => {
      const {json, weightData} = paccGraph();
      const model = await loadGraph(json, weightData);
      const xs = rng(1).normal(N * H * W * C);
      const x = tf.tensor4d(xs, [N, H, W, C]);
      const before = tf.memory().numTensors;
      const y = model.execute(x, 'pacc3') as tf.Tensor;
      const got = await y.data();
      y.dispose();
      expect(tf.memory().numTensors, 'no leaked intermediates').toBe(before);
      const direct = tf.tidy(() => {
        const y1 = positionAwareCircularConv(x, tf.tensor2d(w.f1, [H, C]), {direction: 'h', bias: tf.tensor1d(w.b1), positionEmbedding: tf.tensor2d(w.pe1, [H, C])});
        const y2 = positionAwareCircularConv(y1, tf.tensor2d(w.f2, [W, C]), {direction: 'w', positionEmbedding: tf.tensor2d(w.pe2, [W, C])});
        return positionAwareCircularConv(y2, tf.tensor2d(w.f3, [W, C]), {direction: 'w'}).dataSync();
      });
      expectClose(got, direct, 1e-6, 'graph vs op');
      const s = {n: N, h: H, w: W, c: C};
      const ref = paccForwardRef(paccForwardRef(paccForwardRef(xs, s, w.f1, 'h', w.b1, w.pe1), s, w.f2, 'w', undefined, w.pe2), s, w.f3, 'w');
      expectClose(got, ref, 1e-5, 'graph vs reference');
      x.dispose();
      model.dispose();
    });

    it('a bad node surfaces our error when the graph runs', async () => {
      const g = new GraphBuilder();
      const x = g.placeholder('x', [-1, 3, 3, 1]);
      g.op('bad', 'PositionAwareCircularConv', [x, g.constant('f', [1, 2, 3], [3, 1])]);
      const {json, weightData} = g.build();
      const model = await loadGraph(json, weightData);
      const input = tf.zeros([1, 3, 3, 1]);
      expect(() => model.execute(input, 'bad')).toThrow(/attribute 'direction' \(string 'h' or 'w'\) is missing/);
      input.dispose();
      model.dispose();
    });
  });
}

describe('node format', () => {
  const x = () => tf.ones([1, 2, 3, 2]);
  const f = () => tf.ones([2, 2]);
  const cases: [string, () => unknown, RegExp][] = [
    ['missing direction', () => executePaccGraphNode({inputs: [x(), f()], attrs: {}}), /'direction' .* is missing/],
    ['direction not a string', () => executePaccGraphNode({inputs: [x(), f()], attrs: {direction: 1}}), /not a string: 1/],
    ['unknown direction', () => executePaccGraphNode({inputs: [x(), f()], attrs: {direction: 'z'}}), /'direction' must be 'h' or 'w', got "z"/],
    ['one input', () => executePaccGraphNode({inputs: [x()], attrs: {direction: 'h'}}), /expects inputs \(x, filter, bias\?, positionEmbedding\?\), got 1/],
    ['five inputs', () => executePaccGraphNode({inputs: [x(), f(), f(), f(), f()], attrs: {direction: 'h'}}), /got 5 input/],
    ['flags vs inputs', () => executePaccGraphNode({inputs: [x(), f()], attrs: {direction: 'h', has_bias: true}}), /has_bias=true and has_position_embedding=false need 3 inputs, got 2/],
    ['flag not a bool', () => executePaccGraphNode({inputs: [x(), f()], attrs: {direction: 'h', has_bias: 1}}), /'has_bias' must be a bool/],
    ['wrong filter shape (op validation)', () => executePaccGraphNode({inputs: [x(), tf.ones([3, 2])], attrs: {direction: 'h'}}), /'filter' must have shape \[L, C\] = \[2,2\]/],
  ];
  for (const [name, fn, msg] of cases) it(name, () => expect(() => tf.tidy(() => { fn(); })).toThrow(msg));

  it('a third input is the bias unless flagged otherwise', () => {
    const [withBias, withPe] = tf.tidy(() => {
      const b = tf.tensor1d([1, 2]);
      const pe = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      return [executePaccGraphNode({inputs: [x(), f(), b], attrs: {direction: 'h'}}).dataSync(),
        executePaccGraphNode({inputs: [x(), f(), pe], attrs: {direction: 'h', has_position_embedding: true}}).dataSync()];
    });
    expect(Array.from(withBias.slice(0, 2))).toEqual([3, 4]); // 1+1 taps, + bias
    expect(Array.from(withPe.slice(0, 2))).toEqual([1 + 1 + 1 + 3, 1 + 2 + 1 + 4]); // taps on x+pe rows 0 and 1
  });

  it('registerGraphOp takes a registerOp function and is idempotent per function', () => {
    const calls: string[] = [];
    const fake = (name: string) => { calls.push(name); };
    registerGraphOp(fake);
    registerGraphOp(fake);
    expect(calls).toEqual(['PositionAwareCircularConv']);
    expect(() => registerGraphOp('registerOp' as never)).toThrow(/'registerOp' must be a function, got string/);
  });
});

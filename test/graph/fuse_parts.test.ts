// The steps of fuseCircularConvs one by one: matcher, bias and position-embedding absorption, graph rewrite, weight packing.
import {describe, expect, it} from 'vitest';
import {absorbBias, absorbPositionEmbedding} from '../../converters/graph/fuse_absorb';
import {checkSelfContained, GraphIndex, indexGraph, matchCircularConv, Skip} from '../../converters/graph/fuse_match';
import {droppedConstants, packWeights, Rewrite, rewriteGraph} from '../../converters/graph/fuse_rewrite';
import {validateGraphModel} from '../../converters/graph/graph_json';
import type {GraphBuilder} from './graph_builder';
import {CircularSpec, singlePatternGraph} from './patterns';

function index(g: GraphBuilder): GraphIndex & {json: ReturnType<GraphBuilder['build']>['json']} {
  const {json, weightData} = g.build();
  const data = new Uint8Array(weightData);
  const {nodes, slots} = validateGraphModel(json, data);
  return {...indexGraph(nodes, slots, data, ['out']), json};
}
const spec = (s: Partial<CircularSpec>): CircularSpec => ({name: 'c', H: 5, W: 4, C: 3, direction: 'h', ...s});
const conv = (g: GraphIndex) => g.nodes.get('c/conv')!;
const never = () => false;

describe('matchCircularConv', () => {
  it('matches the pattern along h and w, with Slice and StridedSlice heads', () => {
    for (const [direction, slice] of [['h', 'slice'], ['w', 'strided'], ['h', 'strided-neg']] as const) {
      const g = index(singlePatternGraph(spec({direction, slice})));
      const m = matchCircularConv(conv(g), g)!;
      expect([m.direction, m.axis, m.L, m.C, m.xRef, m.slice.name, m.concat.name, m.filter.name]).toEqual(
          [direction, direction === 'h' ? 1 : 2, direction === 'h' ? 5 : 4, 3, 'pre', 'c/head', 'c/wrap', 'c/kernel']);
    }
  });

  it('is not interested in a depthwise conv not fed by a concat', () => {
    const g = index(singlePatternGraph(spec({})));
    const other = {...conv(g), input: ['pre', 'c/kernel']};
    expect(matchCircularConv(other, g)).toBeUndefined();
  });

  it('throws Skip with the failed check for near-misses', () => {
    const cases: [CircularSpec['break'], RegExp][] = [
      ['same', /padding is SAME, not VALID/], ['short-kernel', /kernel length 4 != axis length 5/],
      ['tail-slice', /starts at 1 on axis h, not at the head/], ['swapped-concat', /puts the slice first/],
      ['stride2', /strides are \[1,2,2,1\], not 1/], ['relu-fused', /fused ops \[BiasAdd,Relu\]/],
    ];
    for (const [b, why] of cases) {
      const g = index(singlePatternGraph(spec({break: b})));
      expect(() => matchCircularConv(conv(g), g), b).toThrow(Skip);
      expect(() => matchCircularConv(conv(g), g), b).toThrow(why);
    }
  });

  it('reports the fused BiasAdd operand of a FusedDepthwiseConv2dNative', () => {
    const g = index(singlePatternGraph(spec({bias: 'fused'})));
    expect(matchCircularConv(conv(g), g)!.fusedBiasRef).toBe('c/bias');
  });
});

describe('checkSelfContained', () => {
  it('passes a private subgraph and names what else reads a shared slice or filter', () => {
    const ok = index(singlePatternGraph(spec({})));
    const m = matchCircularConv(conv(ok), ok)!;
    expect(() => checkSelfContained(m, m.conv, ok, never)).not.toThrow();
    expect(() => checkSelfContained(m, m.conv, ok, (n) => n === 'c/wrap')).toThrow(/overlaps a subgraph fused already/);
    for (const [b, why] of [['shared-filter', /filter weight 'c\/kernel' is shared with 'c\/filter_user'/], ['slice-reused', /slice 'c\/head' is also used by 'c\/uses_slice'/]] as const) {
      const g = index(singlePatternGraph(spec({break: b})));
      const mm = matchCircularConv(conv(g), g)!;
      expect(() => checkSelfContained(mm, mm.conv, g, never), b).toThrow(why);
    }
  });
});

describe('absorbBias', () => {
  it('takes a following BiasAdd / AddV2 of a [C] constant, the fused bias, or nothing', () => {
    for (const [bias, ref, last] of [['biasadd', 'c/bias', 'c/bias_add'], ['add', 'c/bias', 'c/bias_add'], ['fused', 'c/bias', 'c/conv'], ['none', undefined, 'c/conv']] as const) {
      const g = index(singlePatternGraph(spec({bias})));
      const r = absorbBias(matchCircularConv(conv(g), g)!, g);
      expect([r.biasRef, r.last.name], bias).toEqual([ref, last]);
    }
  });
});

describe('absorbPositionEmbedding', () => {
  it('takes an x + pe add read only by the pattern, along h ([L,1,C]) and w ([L,C])', () => {
    for (const direction of ['h', 'w'] as const) {
      const g = index(singlePatternGraph(spec({direction, pe: true})));
      const m = matchCircularConv(conv(g), g)!;
      expect(m.xRef).toBe('c/pe_add');
      expect(absorbPositionEmbedding(m, g, never), direction).toEqual({x: 'pre', pe: 'c/pe'});
      expect(absorbPositionEmbedding(m, g, (n) => n === 'c/pe_add'), 'taken').toBeUndefined();
    }
  });

  it('leaves an input that is no constant add alone', () => {
    const g = index(singlePatternGraph(spec({})));
    expect(absorbPositionEmbedding(matchCircularConv(conv(g), g)!, g, never)).toBeUndefined();
  });
});

describe('rewriteGraph, droppedConstants and packWeights', () => {
  it('replace the subgraph by the fused node, drop its private constants, reshape the filter and pack the kept bytes in order', () => {
    const g = index(singlePatternGraph(spec({bias: 'biasadd'})));
    const rw: Rewrite = {
      replacements: new Map([['c/bias_add', {name: 'c/bias_add', op: 'Fused', input: ['pre', 'c/kernel', 'c/bias']}]]),
      removed: new Set(['c/head', 'c/wrap', 'c/conv', 'c/bias_add']),
      reshaped: new Map([['c/kernel', [5, 3]]]),
    };
    const dropped = droppedConstants(g.nodes, rw, g.pinned);
    expect([...dropped].sort()).toEqual(['c/head/begin', 'c/head/size', 'c/wrap/axis']);
    const out = rewriteGraph(g.json, rw, dropped, 'w.bin');
    expect(out.modelTopology.node.map((n) => `${n.name}:${n.op}`)).toEqual(['x:Placeholder', 'pre:Relu', 'c/kernel:Const', 'c/bias:Const', 'c/bias_add:Fused', 'out:Relu6']);
    expect(out.weightsManifest).toEqual([{paths: ['w.bin'], weights: [{name: 'c/kernel', shape: [5, 3], dtype: 'float32'}, {name: 'c/bias', shape: [3], dtype: 'float32'}]}]);
    expect(g.json.weightsManifest[0].weights.length, 'input untouched').toBe(5);
    const packed = new Float32Array(packWeights(out.weightsManifest, g.slots, g.data));
    const slot = (n: string) => new Float32Array(g.data.slice(g.slots.get(n)!.offset, g.slots.get(n)!.offset + g.slots.get(n)!.byteLength).buffer);
    expect(Array.from(packed)).toEqual([...slot('c/kernel'), ...slot('c/bias')]);
  });

  it('keeps a constant that a kept node still reads or that is a graph output', () => {
    const g = index(singlePatternGraph(spec({})));
    const rw: Rewrite = {replacements: new Map([['c/conv', {name: 'c/conv', op: 'Fused', input: ['pre', 'c/kernel']}]]), removed: new Set(['c/head', 'c/wrap', 'c/conv']), reshaped: new Map()};
    expect([...droppedConstants(g.nodes, rw, new Set(['c/wrap/axis']))].sort()).toEqual(['c/head/begin', 'c/head/size']);
  });
});

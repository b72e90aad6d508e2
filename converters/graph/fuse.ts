// fuseCircularConvs: rewrites exported circular depthwise convs (slice head + concat + VALID depthwise conv [+ bias]) into PositionAwareCircularConv nodes.
import * as tf from '@tensorflow/tfjs-core';
import {PositionAwareCircularConv} from '../../ops/pacc/kernel_names';
import {absorbBias, absorbPositionEmbedding} from './fuse_absorb';
import {checkSelfContained, DEPTHWISE, indexGraph, matchCircularConv, Skip} from './fuse_match';
import {droppedConstants, packWeights, Rewrite, rewriteGraph} from './fuse_rewrite';
import {GraphModelJson, NodeDef, nodeOf, validateGraphModel} from './graph_json';

export type {AttrValue, GraphModelJson, NodeDef, WeightEntry, WeightsGroup} from './graph_json';

/** One replaced subgraph. */
export interface FusedCircularConv {
  /** Name of the new PositionAwareCircularConv node (the name of the subgraph's last node, so consumers are unchanged). */
  node: string;
  direction: 'h' | 'w';
  length: number;
  channels: number;
  bias: boolean;
  /** Whether the position-embedding add before the pattern was absorbed (its constant becomes input 3). */
  positionEmbedding: boolean;
  /** The nodes it replaces (slice, concat, depthwise conv, bias add) and constants dropped with them. */
  removed: string[];
}
/** A depthwise conv that looked like part of the pattern but was left alone, and why. */
export interface NearMiss { node: string; reason: string; }
export interface FuseReport { fused: FusedCircularConv[]; nearMisses: NearMiss[]; }
export interface FuseResult {
  /** A new model.json object; the input is not modified. */
  modelJson: GraphModelJson;
  /** The weights for `modelJson.weightsManifest` (one buffer; one shard file when anything was fused). */
  weightData: ArrayBuffer;
  report: FuseReport;
}

const FUSED_WEIGHTS_PATH = 'group1-shard1of1.bin';

/** The weight shards as one byte view (tf.io.CompositeArrayBuffer joins a list of shards). */
function joinShards(weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array): Uint8Array {
  if (weightData instanceof Uint8Array) return weightData;
  if (weightData instanceof ArrayBuffer) return new Uint8Array(weightData);
  if (Array.isArray(weightData) && weightData.every((b) => b instanceof ArrayBuffer)) return new Uint8Array(tf.io.CompositeArrayBuffer.join(weightData));
  throw new Error(`fuseCircularConvs: argument 'weightData' must be an ArrayBuffer, an array of them (the shards in manifest order) or a Uint8Array, got ${Object.prototype.toString.call(weightData)}`);
}

/**
 * Finds every circular depthwise convolution written the way exported PaCC-Net
 * graphs write it (docs/op.md, "Exported graphs"; in tfjs-converter form):
 * `Slice|StridedSlice(x, first L-1 entries of axis a)` → `ConcatV2([x, slice], a)` →
 * `DepthwiseConv2dNative|FusedDepthwiseConv2dNative(filter [L,1,C,1] or [1,L,C,1], VALID,
 * stride 1, dilation 1)` → optional `BiasAdd`/`Add` of a `[C]` constant (or the fused
 * BiasAdd), with a = 1 ('h') or 2 ('w') of NHWC and L the static length of that axis,
 * and replaces it by one `PositionAwareCircularConv` node (inputs x, filter [L,C],
 * bias?, positionEmbedding?; attribute direction). A preceding `Add` of a constant that
 * varies only along the axis (the position embedding) joins the node when nothing else
 * uses its result. Weight bytes are unchanged: [L,1,C,1] and [1,L,C,1]
 * are [L,C] in memory, so only the manifest shape changes; the slice/concat
 * constants that nothing else uses are dropped from the graph, manifest and data.
 * Every other node is copied unchanged. Nothing is fused where a check fails; the
 * report says which check.
 *
 * @param graphModelJson the parsed model.json of a graph model.
 * @param weightData its weight shards concatenated in manifest order (or the array of shards).
 */
export function fuseCircularConvs(graphModelJson: GraphModelJson, weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array): FuseResult {
  if (weightData == null) throw new Error(`fuseCircularConvs: argument 'weightData' is required (the slice and concat constants live in the weights)`);
  const data = joinShards(weightData);
  const {nodes, slots} = validateGraphModel(graphModelJson, data);
  const g = indexGraph(nodes, slots, data, Object.values(graphModelJson.signature?.outputs ?? {}).map((o) => o.name));

  const report: FuseReport = {fused: [], nearMisses: []};
  const rw: Rewrite = {replacements: new Map(), removed: new Set(), reshaped: new Map()};
  const taken = (name: string) => rw.replacements.has(name) || rw.removed.has(name);
  for (const conv of nodes.values()) {
    if (!DEPTHWISE.has(conv.op)) continue;
    try {
      // Only convs fed by a concat are candidates; others are ordinary depthwise convs, not near-misses.
      const m = matchCircularConv(conv, g);
      if (!m) continue;
      const {biasRef, last} = absorbBias(m, g);
      checkSelfContained(m, last, g, taken);
      const pe = absorbPositionEmbedding(m, g, taken);
      const fused: NodeDef = {
        name: last.name, op: PositionAwareCircularConv,
        input: [pe?.x ?? m.xRef, m.filter.name, ...(biasRef ? [biasRef] : []), ...(pe ? [pe.pe] : [])],
        attr: {
          direction: {s: btoa(m.direction)}, T: {type: 'DT_FLOAT'},
          ...(pe ? {has_bias: {b: biasRef != null}, has_position_embedding: {b: true}} : {}),
        },
        ...(last.device != null ? {device: last.device} : {}),
      };
      const gone = [...(pe ? [nodeOf(m.xRef)] : []), m.slice.name, m.concat.name, conv.name, last.name].filter((v, i, arr) => arr.indexOf(v) === i);
      for (const n of gone) rw.removed.add(n);
      rw.replacements.set(last.name, fused);
      rw.reshaped.set(m.filter.name, [m.L, m.C]);
      if (pe) rw.reshaped.set(nodeOf(pe.pe), [m.L, m.C]);
      report.fused.push({
        node: last.name, direction: m.direction, length: m.L, channels: m.C, bias: biasRef != null, positionEmbedding: pe != null,
        removed: gone.filter((n) => n !== last.name),
      });
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      report.nearMisses.push({node: conv.name, reason: e.message});
    }
  }

  if (report.fused.length === 0) {
    return {modelJson: structuredClone(graphModelJson), weightData: data.slice().buffer, report};
  }
  const dropped = droppedConstants(nodes, rw, g.pinned);
  for (const f of report.fused) {
    f.removed.push(...[...dropped].filter((c) => f.removed.some((r) => (nodes.get(r)!.input ?? []).some((i) => nodeOf(i) === c))));
  }
  const modelJson = rewriteGraph(graphModelJson, rw, dropped, FUSED_WEIGHTS_PATH);
  return {modelJson, weightData: packWeights(modelJson.weightsManifest, slots, data), report};
}

// Rules: conv / depthwise / grouped conv + batch norm (after, or before without padding) + activation → one FusedConv2D; a ZeroPadding2D goes into the conv's padding.
import * as tf from '@tensorflow/tfjs-core';
import {Affine, stockBatchNormAffine, weightValues} from './affine';
import {activationFromConfig, activationOfLayer, FusedActivationName} from './activation';
import {foldInputAffine, foldOutputAffine, KernelData, outChannels} from './fold_kernel';
import {FusedConv2D, FusedConvPadding} from './fused_conv2d';
import {applyWithWeights, classOf, GraphNode, layerOf, RebuildContext, Rule, singleOutput, Sym} from './graph';

interface ConvSpec {
  data: KernelData;
  kernelSize: [number, number];
  strides: [number, number];
  dilationRate: [number, number];
  padding: FusedConvPadding;
  activation: FusedActivationName;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v as number, v as number]);

/** The conv as data, or null for convs this rule does not handle (channels-first, causal padding, odd activations). */
export function convSpec(node: GraphNode): ConvSpec | null {
  const cls = classOf(node), layer = layerOf(node);
  if (!['Conv2D', 'DepthwiseConv2D', 'GroupedConv2D', 'AtrousConv2D'].includes(cls) || node.inputTensors.length !== 1) return null;
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (cls === 'AtrousConv2D') return atrousSpec(layer, cfg);
  if (cfg.dataFormat != null && cfg.dataFormat !== 'channelsLast') return null;
  const activation = activationFromConfig(cfg.activation);
  if (activation == null) return null;
  const w = weightValues(layer);
  const kw = w.get(cls === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel');
  if (!kw || kw.shape.length !== 4) return null;
  const shape = kw.shape as [number, number, number, number];
  let padding: FusedConvPadding;
  if (cls === 'GroupedConv2D') {
    const p = cfg.pad as number;
    padding = p === 0 ? 'valid' : [[p, p], [p, p]];
  } else {
    if (cfg.padding !== 'same' && cfg.padding !== 'valid') return null;
    padding = cfg.padding;
  }
  const kind = cls === 'Conv2D' ? 'conv' : cls === 'DepthwiseConv2D' ? 'depthwise' : 'grouped';
  return {
    data: {kind, shape, kernel: kw.data, bias: w.get('bias')?.data ?? null, groups: kind === 'grouped' ? cfg.groups as number : 1},
    kernelSize: [shape[0], shape[1]], strides: pair(cfg.strides ?? 1), dilationRate: pair(cfg.dilationRate ?? 1),
    padding, activation,
  };
}

/**
 * DeepLabV3's AtrousConv2D (the ASPP branches): a stride-1 dilated conv without bias whose zero padding
 * d·(k-1)/2 on every side is tfjs' 'same' at stride 1 (it runs `conv2d(x, w, 1, 'same', 'NHWC', d)`), so it is
 * a plain conv with `dilationRate` [d, d] and takes its BN and ReLU like any other.
 */
function atrousSpec(layer: ReturnType<typeof layerOf>, cfg: Record<string, unknown>): ConvSpec | null {
  const kw = weightValues(layer).get('kernel');
  const d = cfg.dilationRate;
  if (!kw || kw.shape.length !== 4 || typeof d !== 'number' || !(d >= 1)) return null;
  const shape = kw.shape as [number, number, number, number];
  return {
    data: {kind: 'conv', shape, kernel: kw.data, bias: null, groups: 1},
    kernelSize: [shape[0], shape[1]], strides: [1, 1], dilationRate: [d, d], padding: 'same', activation: 'linear',
  };
}

/** True when every tap of the conv reads a real input pixel (no zero padding), so an input affine folds exactly. */
const noPadding = (s: ConvSpec) => s.padding === 'valid' || (s.padding === 'same' && s.kernelSize[0] === 1 && s.kernelSize[1] === 1)
  || (Array.isArray(s.padding) && s.padding.flat().every((p) => p === 0));

interface DeferredPad { kind: 'pad'; pads: [[number, number], [number, number]]; input: Sym; }
interface DeferredAffine { kind: 'affine'; affine: Affine; input: Sym; }

/** ZeroPadding2D read only by a 'valid' conv: its padding becomes the conv's explicit padding. */
export const foldZeroPadding: Rule = (node, ctx) => {
  if (classOf(node) !== 'ZeroPadding2D') return false;
  const cfg = layerOf(node).getConfig() as {padding?: unknown; dataFormat?: string};
  const out = singleOutput(node), next = out && ctx.soleConsumer(out);
  const spec = next && convSpec(next);
  if (!spec || spec.padding !== 'valid' || (cfg.dataFormat != null && cfg.dataFormat !== 'channelsLast')) return false;
  const p = cfg.padding;
  const pads = (typeof p === 'number' ? [[p, p], [p, p]] : Array.isArray(p) ? p.map((q) => pair(q)) : null) as [[number, number], [number, number]] | null;
  if (!pads || ctx.deferred.has(node.inputTensors[0])) return false;
  ctx.deferred.set(out!, {kind: 'pad', pads, input: node.inputTensors[0]} satisfies DeferredPad);
  ctx.done.add(node);
  return true;
};

/** A batch norm read only by a conv without padding folds into that conv's kernel (input channels) and bias. */
export const foldBatchNormIntoNextConv: Rule = (node, ctx) => {
  if (classOf(node) !== 'BatchNormalization') return false;
  const out = singleOutput(node), next = out && ctx.soleConsumer(out);
  const spec = next && convSpec(next);
  if (!spec || !noPadding(spec) || ctx.deferred.has(node.inputTensors[0])) return false;
  const affine = stockBatchNormAffine(layerOf(node));
  if (!affine) return false;
  ctx.deferred.set(out!, {kind: 'affine', affine, input: node.inputTensors[0]} satisfies DeferredAffine);
  ctx.done.add(node);
  return true;
};

/** conv [+ BN] [+ activation] → FusedConv2D. */
export const fuseConv: Rule = (node, ctx) => {
  const spec = convSpec(node);
  if (!spec) return false;
  let input = node.inputTensors[0];
  let {data, padding, activation} = spec;
  const d = ctx.deferred.get(input) as DeferredPad | DeferredAffine | undefined;
  if (d?.kind === 'pad') padding = d.pads;
  if (d?.kind === 'affine') data = foldInputAffine(data, d.affine);
  if (d) input = d.input;
  let out = node.outputTensors[0];
  const bnNode = activation === 'linear' ? ctx.soleConsumer(out) : null;
  const affine = bnNode && classOf(bnNode) === 'BatchNormalization' ? stockBatchNormAffine(layerOf(bnNode)) : null;
  if (bnNode && affine && affine.scale.length === outChannels(data)) {
    data = foldOutputAffine(data, affine);
    ctx.done.add(bnNode);
    out = bnNode.outputTensors[0];
  }
  const actNode = activation === 'linear' ? ctx.soleConsumer(out) : null;
  const act = actNode && activationOfLayer(layerOf(actNode));
  if (actNode && act) {
    activation = act;
    ctx.done.add(actNode);
    out = actNode.outputTensors[0];
  }
  const layer = new FusedConv2D({
    kind: data.kind, filters: outChannels(data), kernelSize: spec.kernelSize, strides: spec.strides, dilationRate: spec.dilationRate,
    padding, groups: data.groups, useBias: data.bias != null, activation, name: layerOf(node).name,
  });
  const weights: tf.Tensor[] = [tf.tensor(Float32Array.from(data.kernel), data.shape)];
  if (data.bias) weights.push(tf.tensor1d(Float32Array.from(data.bias)));
  ctx.set(out, applyWithWeights(layer, ctx.get(input), weights));
  tf.dispose(weights);
  return true;
};

export const CONV_RULES: Rule[] = [foldZeroPadding, foldBatchNormIntoNextConv, fuseConv];
export type {RebuildContext};

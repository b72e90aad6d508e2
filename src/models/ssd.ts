// SSD detector (official SingleShotDetector): task backbone + extra layers + SSD heads, outputs [confidences, locations].
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {channelsOf, convLayer} from './blocks';
import {resolveBackboneName, taskBackbone, TaskBackboneName} from './backbones';

type Sym = tfl.SymbolicTensor;

/** Output strides of the six feature maps (-1: global average pool), official config. */
export const SSD_OUTPUT_STRIDES = [16, 32, 64, 128, 256, -1] as const;
/** Projection (extra layer / head) channels per feature map, official config. */
export const SSD_PROJ_CHANNELS = [512, 256, 256, 128, 128, 64] as const;
/** Anchors per location per feature map: 2 + 2·|aspect ratios| with ratios [2,3] ×5 and [2]. */
export const SSD_ANCHORS_PER_LOCATION = [6, 6, 6, 6, 6, 4] as const;
/** Box coordinates per anchor. */
const COORDS = 4;

/**
 * Official trainable-parameter counts at 81 classes (the task backbone without conv_1x1_exp and
 * classifier + 105,312 extra-layer + 799,562 head parameters). `paccnet-s` and `mobilevit-s`
 * are counted from the official models; the others from the official code built with that backbone
 * (scripts/oracle/ssd_oracle.py prints them).
 */
export const SSD_PARAM_COUNTS: Record<TaskBackboneName, number> = {
  'paccnet-s': 5197282,
  'mobilevit-s': 5738826,
  'paccnet-xs': 2345578,
  'paccnet-h': 20155350,
  'mobilevit-xs': 2742042,
};

export interface SsdOptions {
  /** One of `TASK_BACKBONES` (default `'paccnet-s'`, i.e. SSD-EdgeFormer-S). */
  backbone?: TaskBackboneName | string;
  /** Classes including background (class 0). Default 81 (COCO). */
  numClasses?: number;
  /** `[H, W, 3]`, default `[320, 320, 3]`; `null` sizes give a model that runs at any size. */
  inputShape?: [number | null, number | null, number];
  name?: string;
}

/**
 * Joins the six head predictions [B, H, W, A·(4+C)] into `confidences` [B, P, C] and
 * `locations` [B, P, 4]. A plain reshape of NHWC equals the official NCHW permute + view, so the
 * prior order is (feature map, y, x, anchor), as the anchor generator emits it.
 */
export class SsdOutputs extends tfl.layers.Layer {
  static className = 'SsdOutputs';
  readonly numClasses: number;

  constructor(args: {numClasses: number; name?: string; trainable?: boolean}) {
    super(args);
    if (!Number.isInteger(args.numClasses) || args.numClasses < 2) throw new Error(`SsdOutputs: numClasses must be an integer >= 2, got ${args.numClasses}`);
    this.numClasses = args.numClasses;
  }

  private anchorsOf(shape: (number | null)[]): number {
    const c = shape[shape.length - 1];
    const k = COORDS + this.numClasses;
    if (c == null || c % k !== 0) throw new Error(`SsdOutputs: head channels ${c} are not a multiple of 4 + numClasses = ${k}`);
    return c / k;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tfl.Shape[];
    let p: number | null = 0;
    for (const s of shapes) {
      const a = this.anchorsOf(s);
      p = p == null || s[1] == null || s[2] == null ? null : p + s[1] * s[2] * a;
    }
    const b = shapes[0][0];
    return [[b, p, this.numClasses], [b, p, COORDS]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const xs = Array.isArray(inputs) ? inputs : [inputs];
      const k = COORDS + this.numClasses;
      const flat = xs.map((x) => tf.reshape(x, [x.shape[0], -1, k]));
      const all = flat.length === 1 ? flat[0] : tf.concat(flat, 1);
      const [loc, conf] = tf.split(all, [COORDS, this.numClasses], 2);
      return [conf, loc];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), numClasses: this.numClasses};
  }
}
tf.serialization.registerClass(SsdOutputs as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** cvnets SeparableConv: depthwise k×k + BN (no activation), then a pointwise ConvLayer. */
function separableConv(x: Sym, opts: {filters: number; strides?: number; useNorm: boolean; relu: boolean; useBias: boolean; name: string}): Sym {
  const c = channelsOf(x, `separableConv '${opts.name}'`);
  const y = convLayer(x, {filters: c, kernelSize: 3, strides: opts.strides ?? 1, groups: c, activation: 'none', name: `${opts.name}.dw_conv`});
  return convLayer(y, {
    filters: opts.filters, kernelSize: 1, useNorm: opts.useNorm, useBias: opts.useBias,
    activation: opts.relu ? 'relu' : 'none', name: `${opts.name}.pw_conv`,
  });
}

/**
 * `pacc.models.ssd({backbone, numClasses, inputShape})`: the official SSD (SSD-EdgeFormer-S with
 * `paccnet-s`, SSD-MobileViT-S with `mobilevit-s`) as a LayersModel taking NHWC float32 in the
 * official convention (BGR, [0, 1]) and returning `[confidences [N, A, numClasses] (logits, class 0
 * = background), locations [N, A, 4] (encoded offsets)]` in the official anchor order
 * (`pacc.detection.anchors([H, W])`). Layer names mirror the PyTorch state_dict keys
 * (`encoder.*` dropped: the backbone keeps its classification names).
 */
export function ssd(opts: SsdOptions = {}): tfl.LayersModel {
  const backbone = resolveBackboneName(opts.backbone ?? 'paccnet-s', 'ssd');
  const numClasses = opts.numClasses ?? 81;
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`ssd: numClasses must be an integer >= 2 (background + classes), got ${numClasses}`);
  const shape = opts.inputShape ?? [320, 320, 3];
  if (!Array.isArray(shape) || shape.length !== 3 || shape[2] !== 3) throw new Error(`ssd: inputShape must be [H, W, 3], got ${JSON.stringify(shape)}`);
  for (const d of shape.slice(0, 2)) {
    if (d != null && !(Number.isInteger(d) && d >= 1)) throw new Error(`ssd: inputShape sizes must be positive integers or null, got ${JSON.stringify(shape)}`);
  }
  const input = tfl.input({shape, name: 'input'});
  const {outL4, outL5} = taskBackbone(backbone, input);

  // Extra layers: chained from out_l5; stride-2 SeparableConvs (BN + ReLU on the pointwise part),
  // then global pool + 1×1 ConvLayer (no BN, no bias, ReLU) for output stride -1.
  const maps: Sym[] = [outL4, outL5];
  let x = outL5;
  for (let i = 2; i < SSD_OUTPUT_STRIDES.length; i++) {
    const os = SSD_OUTPUT_STRIDES[i];
    const name = `extra_layers.os_${os}`;
    if (os === -1) {
      const c = channelsOf(x, name);
      x = tfl.layers.globalAveragePooling2d({name: `${name}.0`}).apply(x) as Sym;
      x = tfl.layers.reshape({targetShape: [1, 1, c], name: `${name}.0.reshape`}).apply(x) as Sym;
      x = convLayer(x, {filters: SSD_PROJ_CHANNELS[i], kernelSize: 1, useNorm: false, activation: 'relu', name: `${name}.1`});
    } else {
      x = separableConv(x, {filters: SSD_PROJ_CHANNELS[i], strides: 2, useNorm: true, relu: true, useBias: false, name});
    }
    maps.push(x);
  }

  // Heads: a 1×1 projection (BN, ReLU) only where the channels differ; predictor = SeparableConv
  // (k3) with bias, no norm, no activation, or a plain 1×1 conv with bias for the pooled map.
  const preds = maps.map((m, i) => {
    const name = `ssd_heads.${i}`;
    const os = SSD_OUTPUT_STRIDES[i];
    const out = SSD_ANCHORS_PER_LOCATION[i] * (COORDS + numClasses);
    let y = m;
    if (os !== -1 && channelsOf(m, name) !== SSD_PROJ_CHANNELS[i]) {
      y = convLayer(y, {filters: SSD_PROJ_CHANNELS[i], kernelSize: 1, activation: 'relu', name: `${name}.proj_layer`});
    }
    return os === -1
      ? convLayer(y, {filters: out, kernelSize: 1, useNorm: false, useBias: true, activation: 'none', name: `${name}.loc_cls_layer`})
      : separableConv(y, {filters: out, useNorm: false, relu: false, useBias: true, name: `${name}.loc_cls_layer`});
  });
  const outputs = new SsdOutputs({numClasses, name: 'ssd_outputs'}).apply(preds) as Sym[];
  const model = tfl.model({inputs: input, outputs, name: opts.name ?? `ssd_${backbone.replace('-', '_')}`});
  xavierInitDetectorParts(model);
  return model;
}

/**
 * The official init of the extra layers and heads: PyTorch `xavier_uniform_` on every conv kernel
 * (bound sqrt(6 / (fan_in + fan_out)) with PyTorch's fans: fan_in = in/groups·k·k, fan_out =
 * out·k·k) and zero biases (tfjs' default). The backbone keeps its Kaiming-normal init.
 */
function xavierInitDetectorParts(model: tfl.LayersModel): void {
  for (const v of model.weights) {
    const name = v.originalName;
    if (!(name.startsWith('extra_layers.') || name.startsWith('ssd_heads.'))) continue;
    const [kh, kw, cin, cout] = v.shape as number[];
    let fanIn: number, fanOut: number;
    if (name.endsWith('/depthwise_kernel')) { fanIn = kh * kw; fanOut = cin * kh * kw; } // torch (C, 1, kh, kw)
    else if (name.endsWith('/kernel')) { fanIn = cin * kh * kw; fanOut = cout * kh * kw; }
    else continue;
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    tf.tidy(() => { v.write(tf.randomUniform(v.shape as number[], -bound, bound)); });
  }
}

// DeepLabV3 semantic segmentation (the official DeepLabV3-EdgeFormer / -MobileViT): task backbone at output stride 16, ASPP head, bilinear upsampling.
import * as tfl from '@tensorflow/tfjs-layers';
import {AtrousConv2D, BilinearUpsample, SpatialBroadcast} from '../segmentation/layers';
import {resolveBackboneName, taskBackbone, TaskBackboneName} from './backbones';
import {batchNorm, channelsOf, convLayer} from './blocks';

type Sym = tfl.SymbolicTensor;

export interface DeepLabV3Options {
  /** Backbone registry name: 'paccnet-xs' | 'paccnet-s' | 'paccnet-h' | 'mobilevit-xs' | 'mobilevit-s'. Default 'paccnet-s'. */
  backbone?: TaskBackboneName | string;
  /** Default 21 (PASCAL VOC with background). */
  numClasses?: number;
  /**
   * NHWC input without batch, default [512, 512, 3] (the official training crop). H and W must be
   * multiples of `outputStride` (or null: any multiple at predict time; training needs a fixed size per batch).
   * PaCC-Net backbones need square inputs (as the official EdgeFormer); MobileViT ones take any.
   */
  inputShape?: [number | null, number | null, number];
  /** 16 (official: layer_5 runs at stride 1) or 32. The logits are upsampled by this factor. Default 16. */
  outputStride?: 16 | 32;
  /** ASPP width; official 256. */
  asppChannels?: number;
  /** Dilation rates of the three 3×3 ASPP branches; official [6, 12, 18]. */
  asppRates?: [number, number, number];
  /** Element-wise dropout after the ASPP projection; official 0.1 (the config's `aspp_dropout` is ignored by the official code, which always uses 0.1). */
  asppDropout?: number;
  /** Channel-wise dropout (PyTorch Dropout2d) before the classifier conv; official 0.1. */
  classifierDropout?: number;
  /** Model name; default `deeplabv3_<backbone>`. */
  name?: string;
}

export interface DeepLabV3HeadOptions {
  numClasses: number;
  outputStride: number;
  asppChannels?: number;
  asppRates?: [number, number, number];
  asppDropout?: number;
  classifierDropout?: number;
}

export interface DeepLabV3HeadOutputs {
  /** ASPP output after projection (and dropout): [N, h, w, asppChannels]. */
  aspp: Sym;
  /** Classifier logits at the feature resolution: [N, h, w, numClasses]. */
  logitsLow: Sym;
  /** Logits upsampled by `outputStride`: [N, h·os, w·os, numClasses]. */
  logits: Sym;
}

/**
 * Official trainable-parameter counts at 21 classes, counted on the PyTorch models built from the
 * official configs (the XS ones by scripts/oracle/deeplab_oracle.py: EdgeFormer scale_xs with fusion add,
 * deeplabv3_mobilevit_x_small.yaml).
 */
export const DEEPLABV3_PARAM_COUNTS = {
  'paccnet-xs': 2_964_693, 'paccnet-s': 5_816_397, 'mobilevit-xs': 2_944_069, 'mobilevit-s': 6_357_941,
} as const satisfies Partial<Record<TaskBackboneName, number>>;

/** A dropout layer, or the input itself when the rate is 0. */
function maybeDropout(x: Sym, rate: number, name: string, noiseShape?: (number | null)[]): Sym {
  if (!(rate >= 0 && rate < 1)) throw new Error(`deeplabV3: dropout rate must be in [0, 1), got ${rate} for ${name}`);
  return rate > 0 ? tfl.layers.dropout({rate, noiseShape: noiseShape as number[] | undefined, name}).apply(x) as Sym : x;
}

/**
 * The DeepLabV3 head on a feature map `x` (the backbone's out_l5), named like the official
 * `seg_head.*` state_dict: ASPP = 1×1 conv branch, three 3×3 dilated branches, an image-pooling
 * branch (global mean → 1×1 conv → broadcast), concat, 1×1 projection (each conv + BN + ReLU),
 * dropout; then Dropout2d, 1×1 classifier conv with bias and bilinear upsampling by `outputStride`.
 */
export function deepLabV3Head(x: Sym, opts: DeepLabV3HeadOptions): DeepLabV3HeadOutputs {
  const a = opts.asppChannels ?? 256;
  const rates = opts.asppRates ?? [6, 12, 18];
  if (!Number.isInteger(a) || a < 1) throw new Error(`deeplabV3: asppChannels must be a positive integer, got ${a}`);
  if (!Array.isArray(rates) || rates.length !== 3 || !rates.every((r) => Number.isInteger(r) && r >= 1)) {
    throw new Error(`deeplabV3: asppRates must be three positive integers, got ${JSON.stringify(rates)}`);
  }
  channelsOf(x, 'deeplabV3 head');
  const p = 'seg_head.aspp.aspp_layer';
  const branches: Sym[] = [convLayer(x, {filters: a, kernelSize: 1, activation: 'relu', name: `${p}.convs.0`})];
  rates.forEach((rate, i) => {
    const name = `${p}.convs.${i + 1}.block`;
    let y = new AtrousConv2D({filters: a, kernelSize: 3, dilationRate: rate, name: `${name}.conv`}).apply(x) as Sym;
    y = batchNorm(`${name}.norm`).apply(y) as Sym;
    branches.push(tfl.layers.activation({activation: 'relu', name: `${name}.act`}).apply(y) as Sym);
  });
  const c = x.shape[3] as number;
  let pooled = tfl.layers.globalAveragePooling2d({name: `${p}.convs.4.aspp_pool.global_pool`}).apply(x) as Sym;
  pooled = tfl.layers.reshape({targetShape: [1, 1, c], name: `${p}.convs.4.aspp_pool.keepdims`}).apply(pooled) as Sym;
  pooled = convLayer(pooled, {filters: a, kernelSize: 1, activation: 'relu', name: `${p}.convs.4.aspp_pool.conv_1x1`});
  branches.push(new SpatialBroadcast({name: `${p}.convs.4.resize`}).apply([pooled, x]) as Sym);
  let y = tfl.layers.concatenate({axis: -1, name: `${p}.concat`}).apply(branches) as Sym;
  y = convLayer(y, {filters: a, kernelSize: 1, activation: 'relu', name: `${p}.project`});
  const aspp = maybeDropout(y, opts.asppDropout ?? 0.1, `${p}.dropout`);
  const drop = maybeDropout(aspp, opts.classifierDropout ?? 0.1, 'seg_head.classifier.classifier_dropout', [null, 1, 1, a]);
  const logitsLow = tfl.layers.conv2d({
    filters: opts.numClasses, kernelSize: 1, useBias: true, name: 'seg_head.classifier.classifier.block.conv',
  }).apply(drop) as Sym;
  const logits = new BilinearUpsample({scale: opts.outputStride, name: `seg_head.classifier.up_${opts.outputStride}`}).apply(logitsLow) as Sym;
  return {aspp, logitsLow, logits};
}

/**
 * DeepLabV3 for semantic segmentation as the official cvnets `encoder_decoder` + `deeplabv3` head:
 * the backbone (classification layer names, no conv_1x1_exp, layer_5 at stride 1 for output
 * stride 16) and `deepLabV3Head` on its out_l5. Input NHWC float32 in the official convention
 * (BGR, [0, 1]); output the logits [N, H, W, numClasses] at the input resolution (no softmax).
 * PaCC-Net-S at 21 classes: 5,816,397 trainable parameters, as the official model.
 */
export function deeplabV3(opts: DeepLabV3Options = {}): tfl.LayersModel {
  const backbone = resolveBackboneName(opts.backbone ?? 'paccnet-s', 'deeplabV3');
  const numClasses = opts.numClasses ?? 21;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`deeplabV3: numClasses must be a positive integer, got ${numClasses}`);
  const os = opts.outputStride ?? 16;
  if (os !== 16 && os !== 32) throw new Error(`deeplabV3: outputStride must be 16 or 32, got ${os}`);
  const shape = opts.inputShape ?? [512, 512, 3];
  const okSide = (s: number | null) => s == null || (Number.isInteger(s) && s >= os && s % os === 0);
  if (!Array.isArray(shape) || shape.length !== 3 || !okSide(shape[0]) || !okSide(shape[1]) || shape[2] !== 3) {
    throw new Error(`deeplabV3: inputShape must be [H, W, 3] with H, W multiples of the output stride ${os} (or null), got ${JSON.stringify(shape)}`);
  }
  if (backbone.startsWith('paccnet') && shape[0] != null && shape[1] != null && shape[0] !== shape[1]) {
    // The official PaCC blocks size all four instance kernels from the height.
    throw new Error(`deeplabV3: the ${backbone} backbone needs a square input (as the official EdgeFormer), got inputShape ${JSON.stringify(shape)}`);
  }
  const input = tfl.input({shape, name: 'input'});
  const {outL5} = taskBackbone(backbone, input, {outputStride: os});
  const {logits} = deepLabV3Head(outL5, {...opts, numClasses, outputStride: os});
  return tfl.model({inputs: input, outputs: logits, name: opts.name ?? `deeplabv3_${backbone.replace('-', '_')}`});
}

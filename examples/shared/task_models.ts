// The task examples' networks: the official SSD / DeepLabV3 builders with a registry backbone, or PaCC-Net designs scaled down to 128×128 scenes.
import * as tfl from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';

type Sym = tfl.SymbolicTensor;

/**
 * The XS design scaled down to 128×128 scenes (as DEMO_CONFIG scales it to 32×32 digits): the stem
 * and first two MobileNetV2 stages downsample to 1/8 early (most training time is spent at high
 * resolution), layer_3 stays at 1/8, and layers 4 and 5 are MobileNetV2 + outer frames of PaCC blocks at
 * 1/16 (8×8) and 1/32 (4×4); their meta kernels are 8 and 4 long, the feature sizes at 128. The stage
 * strides keep the official end points: out_l4 at stride 16 and out_l5 at stride 32 (16 with output stride 16).
 */
export const SCENE_BACKBONE: pacc.models.PaccNetConfig = {
  stemChannels: 16, stemKernel: 3, stemStride: 2, fusion: 'add', method: 'bilinear',
  stages: [
    {kind: 'mv2', outChannels: 16, numBlocks: 1, stride: 2, expandRatio: 2},
    {kind: 'mv2', outChannels: 24, numBlocks: 1, stride: 2, expandRatio: 3},
    {kind: 'mv2', outChannels: 32, numBlocks: 1, stride: 1, expandRatio: 3},
    {kind: 'frame', outChannels: 48, stride: 2, expandRatio: 4, cfS: 48, ffnDim: 96, numBlocks: 1, metaSize: 8},
    {kind: 'frame', outChannels: 64, stride: 2, expandRatio: 4, cfS: 64, ffnDim: 128, numBlocks: 1, metaSize: 4},
  ],
};

/** Backbone choices of the task examples: 'scene' (SCENE_BACKBONE) or a registry backbone for the official builders. */
export const TASK_BACKBONE_CHOICES = ['scene', ...pacc.models.TASK_BACKBONES] as const;

/** SSD extra-layer / head widths of the scaled model (official 512, 256, 256, 128, 128, 64, scaled by 1/4). */
export const SCENE_SSD_PROJ = [128, 64, 64, 32, 32, 16];

function bn(x: Sym, name: string): Sym {
  // PyTorch BatchNorm2d defaults (momentum 0.1 = tfjs 0.9, eps 1e-5), as the official ConvLayer.
  return tfl.layers.batchNormalization({momentum: 0.9, epsilon: 1e-5, name}).apply(x) as Sym;
}

/** cvnets SeparableConv: depthwise k3 + BN (no activation), then 1×1 conv (with BN + ReLU, or bias only for predictors). */
function separable(x: Sym, filters: number, strides: number, predictor: boolean, name: string): Sym {
  let y = tfl.layers.depthwiseConv2d({kernelSize: 3, strides, padding: 'same', useBias: false, name: `${name}.dw_conv`}).apply(x) as Sym;
  y = bn(y, `${name}.dw_conv.norm`);
  y = tfl.layers.conv2d({filters, kernelSize: 1, useBias: predictor, name: `${name}.pw_conv`}).apply(y) as Sym;
  if (predictor) return y;
  return tfl.layers.activation({activation: 'relu', name: `${name}.pw_conv.act`}).apply(bn(y, `${name}.pw_conv.norm`)) as Sym;
}

/**
 * SSD on a PaCC-Net config, laid out as the official SingleShotDetector (and `pacc.models.ssd`): out_l4
 * and out_l5 of the backbone, extra layers to strides 64, 128, 256 (stride-2 SeparableConv + BN + ReLU)
 * and a global-pool 1×1 conv, one SeparableConv predictor per map (1×1 conv for the pooled map) after a
 * 1×1 projection where the channels differ, joined by `pacc.models.SsdOutputs`. Same outputs and prior
 * order as `pacc.models.ssd`, so `pacc.detection.anchors([H, W])` applies; only the widths differ.
 */
export function configSsd(config: pacc.models.PaccNetConfig, numClasses: number, size: number, proj = SCENE_SSD_PROJ): tfl.LayersModel {
  const input = tfl.input({shape: [size, size, 3], name: 'input'});
  const {stages} = pacc.models.paccNetBackbone(input, config, {withExp: false});
  if (stages.length !== 5) throw new Error(`configSsd: the backbone config needs 5 stages (out_l4, out_l5 are layers 4 and 5), got ${stages.length}`);
  const maps: Sym[] = [stages[3], stages[4]];
  let x = stages[4];
  for (let i = 2; i < 5; i++) { x = separable(x, proj[i], 2, false, `extra_layers.os_${16 << i}`); maps.push(x); }
  const c = x.shape[3] as number;
  let g = tfl.layers.globalAveragePooling2d({name: 'extra_layers.os_-1.0'}).apply(x) as Sym;
  g = tfl.layers.reshape({targetShape: [1, 1, c], name: 'extra_layers.os_-1.0.reshape'}).apply(g) as Sym;
  g = tfl.layers.conv2d({filters: proj[5], kernelSize: 1, useBias: false, activation: 'relu', name: 'extra_layers.os_-1.1'}).apply(g) as Sym;
  maps.push(g);
  const anchorsPer = pacc.models.SSD_ANCHORS_PER_LOCATION;
  const preds = maps.map((m, i) => {
    const out = anchorsPer[i] * (4 + numClasses), name = `ssd_heads.${i}`;
    if (i === 5) return tfl.layers.conv2d({filters: out, kernelSize: 1, useBias: true, name: `${name}.loc_cls_layer`}).apply(m) as Sym;
    let y = m;
    if ((m.shape[3] as number) !== proj[i]) {
      y = tfl.layers.conv2d({filters: proj[i], kernelSize: 1, useBias: false, name: `${name}.proj_layer`}).apply(y) as Sym;
      y = tfl.layers.activation({activation: 'relu', name: `${name}.proj_layer.act`}).apply(bn(y, `${name}.proj_layer.norm`)) as Sym;
    }
    return separable(y, out, 1, true, `${name}.loc_cls_layer`);
  });
  const outputs = new pacc.models.SsdOutputs({numClasses, name: 'ssd_outputs'}).apply(preds) as Sym[];
  return tfl.model({inputs: input, outputs, name: 'ssd_scene'});
}

/** The detector of the examples: `pacc.models.ssd` for a registry backbone, configSsd(SCENE_BACKBONE) for 'scene'. */
export function buildDetector(backbone: string, numClasses: number, size: number): tfl.LayersModel {
  if (backbone === 'scene') return configSsd(SCENE_BACKBONE, numClasses, size);
  return pacc.models.ssd({backbone, numClasses, inputShape: [size, size, 3]});
}

/** ASPP dilation rates for a feature map of side `side`: the official 6/12/18 at 32×32, scaled to the map (at least 1). */
export function scaledAsppRates(side: number): [number, number, number] {
  return [6, 12, 18].map((r) => Math.max(1, Math.ceil(r * side / 32))) as [number, number, number];
}

/**
 * The segmenter of the examples: `pacc.models.deeplabV3` for a registry backbone; for 'scene' the
 * SCENE_BACKBONE at output stride 16 (layer_5 at stride 1) with `pacc.models.deepLabV3Head` (ASPP
 * width `asppChannels`, rates scaled to the 8×8 map of a 128 input). Head layers are named `seg_head.*`.
 */
export function buildSegmenter(backbone: string, numClasses: number, size: number, asppChannels = 64): tfl.LayersModel {
  if (size % 16 !== 0) throw new Error(`buildSegmenter: --size must be a multiple of the output stride 16, got ${size}`);
  if (backbone !== 'scene') return pacc.models.deeplabV3({backbone, numClasses, inputShape: [size, size, 3], outputStride: 16});
  const input = tfl.input({shape: [size, size, 3], name: 'input'});
  const {stages} = pacc.models.paccNetBackbone(input, SCENE_BACKBONE, {withExp: false, outputStride: 16});
  const {logits} = pacc.models.deepLabV3Head(stages[4], {numClasses, outputStride: 16, asppChannels, asppRates: scaledAsppRates(size / 16)});
  return tfl.model({inputs: input, outputs: logits, name: 'deeplabv3_scene'});
}

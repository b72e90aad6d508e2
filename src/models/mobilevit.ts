// MobileViT v1 (XS, S) as a tfjs-layers functional model, layer names mirroring the official state_dict paths.
import * as tfl from '@tensorflow/tfjs-layers';
import {MobileViTAttention} from '../layers/mobilevit_attention';
import {MobileViTFold} from '../layers/mobilevit_fold';
import {MobileViTLayerNorm} from '../layers/mobilevit_layer_norm';
import {MobileViTUnfold} from '../layers/mobilevit_unfold';
import {channelsOf, convLayer, invertedResidual} from './blocks';
import {MOBILEVIT_CONFIGS, MobileViTConfig, MobileViTTransformerStage, MobileViTVariant} from './mobilevit_configs';

type Sym = tfl.SymbolicTensor;

export interface MobileViTOptions {
  variant: MobileViTVariant;
  /** Default 1000. */
  numClasses?: number;
  /**
   * NHWC input shape without batch, default [256, 256, 3]. Use `[null, null, 3]` to run
   * `predict` at any size (square multiples of 32 reproduce the official model exactly;
   * other sizes go through the official bilinear patch resize).
   */
  inputShape?: [number | null, number | null, number];
}

/** Linear layers of cvnets: trunc_normal(std 0.02) with bounds ±2, i.e. in effect a plain normal; bias 0. */
const linearInit = () => tfl.initializers.randomNormal({mean: 0, stddev: 0.02});

function dense(x: Sym, units: number, name: string): Sym {
  return tfl.layers.dense({units, name, kernelInitializer: linearInit(), biasInitializer: 'zeros'}).apply(x) as Sym;
}

function dropout(x: Sym, rate: number, name: string): Sym {
  // A rate-0 dropout is the identity; leaving it out keeps the graph lean.
  return rate > 0 ? tfl.layers.dropout({rate, name}).apply(x) as Sym : x;
}

/** cvnets TransformerEncoder (pre-norm): x + Drop(MHA(LN(x))); x + Drop(Lin(Drop(swish(Lin(LN(x)))))). */
function transformerEncoder(x: Sym, dim: number, ffnDim: number, cfg: MobileViTConfig, name: string): Sym {
  let y = new MobileViTLayerNorm({name: `${name}.pre_norm_mha.0`}).apply(x) as Sym;
  y = new MobileViTAttention({numHeads: cfg.numHeads, attnDropout: cfg.attnDropout, name: `${name}.pre_norm_mha.1`}).apply(y) as Sym;
  y = dropout(y, cfg.dropout, `${name}.pre_norm_mha.2`);
  const x1 = tfl.layers.add({name: `${name}.add_mha`}).apply([x, y]) as Sym;
  let z = new MobileViTLayerNorm({name: `${name}.pre_norm_ffn.0`}).apply(x1) as Sym;
  z = dense(z, ffnDim, `${name}.pre_norm_ffn.1`);
  z = tfl.layers.activation({activation: 'swish', name: `${name}.pre_norm_ffn.2`}).apply(z) as Sym;
  z = dropout(z, cfg.ffnDropout, `${name}.pre_norm_ffn.3`);
  z = dense(z, dim, `${name}.pre_norm_ffn.4`);
  z = dropout(z, cfg.dropout, `${name}.pre_norm_ffn.5`);
  return tfl.layers.add({name: `${name}.add_ffn`}).apply([x1, z]) as Sym;
}

/**
 * cvnets MobileViTBlock: local rep (3×3 + 1×1) → unfold → transformers → LN → fold → 1×1 proj → fusion 3×3 on concat(input, proj).
 * Exported for block-level tests; `name` is the PyTorch module path (e.g. `layer_3.1`).
 */
export function mobileViTBlock(x: Sym, stage: MobileViTTransformerStage, cfg: MobileViTConfig, name: string): Sym {
  const cin = channelsOf(x, `mobileViTBlock '${name}'`);
  const d = stage.transformerDim;
  if (d % cfg.numHeads !== 0) throw new Error(`mobileViTBlock '${name}': transformerDim ${d} is not divisible by numHeads ${cfg.numHeads}`);
  let fm = convLayer(x, {filters: cin, kernelSize: 3, name: `${name}.local_rep.conv_3x3`});
  fm = convLayer(fm, {filters: d, kernelSize: 1, useNorm: false, activation: 'none', name: `${name}.local_rep.conv_1x1`});
  let p = new MobileViTUnfold({patchH: cfg.patch, patchW: cfg.patch, name: `${name}.unfold`}).apply(fm) as Sym;
  for (let i = 0; i < stage.transformerBlocks; i++) {
    p = transformerEncoder(p, d, stage.ffnDim, cfg, `${name}.global_rep.${i}`);
  }
  p = new MobileViTLayerNorm({name: `${name}.global_rep.${stage.transformerBlocks}`}).apply(p) as Sym;
  let y = new MobileViTFold({patchH: cfg.patch, patchW: cfg.patch, name: `${name}.fold`}).apply([p, fm]) as Sym;
  y = convLayer(y, {filters: cin, kernelSize: 1, name: `${name}.conv_proj`});
  // The official fusion concatenates (input, global) in that order.
  y = tfl.layers.concatenate({axis: -1, name: `${name}.concat`}).apply([x, y]) as Sym;
  return convLayer(y, {filters: cin, kernelSize: 3, name: `${name}.fusion`});
}

function validate(opts: MobileViTOptions): {cfg: MobileViTConfig; numClasses: number; inputShape: [number | null, number | null, number]} {
  const cfg = MOBILEVIT_CONFIGS[opts?.variant];
  if (cfg == null) {
    throw new Error(`mobileViT: variant must be one of ${Object.keys(MOBILEVIT_CONFIGS).map((v) => `'${v}'`).join(', ')}, got '${opts?.variant}'`);
  }
  const numClasses = opts.numClasses ?? 1000;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`mobileViT: numClasses must be a positive integer, got ${numClasses}`);
  const inputShape = opts.inputShape ?? [256, 256, 3];
  const [h, w, c] = inputShape;
  const okSide = (s: number | null) => s == null || (Number.isInteger(s) && s >= 32 && s % 32 === 0);
  if (inputShape.length !== 3 || !Number.isInteger(c) || c < 1 || !okSide(h) || !okSide(w)) {
    throw new Error(`mobileViT: inputShape must be [H, W, C] with H, W multiples of 32 (or null), got ${JSON.stringify(inputShape)}`);
  }
  return {cfg, numClasses, inputShape};
}

/**
 * The MobileViT (v1) image classifier of the official cvnets code (the baseline of the
 * PaCC-Net paper): XS 2,317,848 and S 5,578,632 trainable parameters at 1000 classes.
 * Input NHWC float32 in the official eval convention (BGR, [0, 1], no mean/std); output logits.
 * Layer names mirror the PyTorch module paths (see `mobilevit_torch_keys.ts`).
 */
export function mobileViT(opts: MobileViTOptions): tfl.LayersModel {
  const {cfg, numClasses, inputShape} = validate(opts);
  const input = tfl.input({shape: inputShape, name: 'input'});
  const {stages} = mobileViTBody(input, cfg);
  let x = stages[stages.length - 1];
  const c = channelsOf(x, 'mobileViT');
  const exp = Math.min(cfg.lastLayerExpFactor * c, 960);
  x = convLayer(x, {filters: exp, kernelSize: 1, name: 'conv_1x1_exp'});
  x = tfl.layers.globalAveragePooling2d({name: 'classifier.global_pool'}).apply(x) as Sym;
  x = dropout(x, cfg.classifierDropout, 'classifier.dropout');
  const logits = dense(x, numClasses, 'classifier.fc');
  return tfl.model({inputs: input, outputs: logits, name: `mobilevit_${opts.variant}`});
}

/**
 * conv_1 and layer_1 … layer_5 (no conv_1x1_exp, no classifier): every stage output, for the
 * classifier and the detection / segmentation models. `outputStride` 16 runs layer_5's
 * InvertedResidual at stride 1 as the official `dilate_l5` (the MobileViT block gets no dilation).
 */
export function mobileViTBody(input: Sym, cfg: MobileViTConfig, opts: {outputStride?: 16 | 32} = {}): {stages: Sym[]} {
  const os = opts.outputStride ?? 32;
  if (os !== 16 && os !== 32) throw new Error(`mobileViTBody: outputStride must be 16 or 32, got ${os}`);
  let x = convLayer(input, {filters: cfg.stemChannels, kernelSize: 3, strides: 2, name: 'conv_1'});
  let c = cfg.stemChannels;
  const stages: Sym[] = [];
  const last = cfg.stages.length - 1;
  cfg.stages.forEach((stage, s) => {
    const layer = `layer_${s + 1}`;
    if (stage.kind === 'mv2') {
      for (let i = 0; i < stage.numBlocks; i++) {
        x = invertedResidual(x, {inC: c, outC: stage.outChannels, stride: i === 0 ? stage.stride : 1, expand: stage.expandRatio, name: `${layer}.${i}`});
        c = stage.outChannels;
      }
    } else {
      const stride = os === 16 && s === last ? 1 : 2;
      x = invertedResidual(x, {inC: c, outC: stage.outChannels, stride, expand: stage.expandRatio, name: `${layer}.0`});
      c = stage.outChannels;
      x = mobileViTBlock(x, stage, cfg, `${layer}.1`);
    }
    stages.push(x);
  });
  return {stages};
}

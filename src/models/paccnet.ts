// PaCC-Net (EdgeFormer) XS / S / H and custom designs as tfjs-layers functional models named like the official state_dict.
import * as tfl from '@tensorflow/tfjs-layers';
import type {PaccMixer} from '../layers/pacc_block';
import type {PaccResizeMethod} from '../layers/pacc_conv';
import {convLayer, invertedResidual} from './blocks';
import {outerFrame} from './blocks/outer_frame';
import {PACCNET_CONFIGS, PaccNetConfig, PaccNetVariant} from './paccnet_configs';

type Sym = tfl.SymbolicTensor;

export interface PaccNetOptions {
  /** An official design; ignored when `config` is given. Default 's'. */
  variant?: PaccNetVariant;
  /** A custom design (e.g. `{...PACCNET_CONFIGS.xs, stages: [...]}`) instead of a variant. */
  config?: PaccNetConfig;
  /** Default 1000. */
  numClasses?: number;
  /**
   * NHWC input shape without batch, default [256, 256, 3]. Use `[null, null, 3]` to predict at any
   * square size (the instance kernels are interpolated at run time); training needs a fixed size per batch.
   */
  inputShape?: [number | null, number | null, number];
  /** Overrides the config's mixer: 'depthwise' swaps every PaCC conv pair for a 3×3 depthwise conv. */
  mixer?: PaccMixer;
  /** Overrides the config's meta-kernel resize method. */
  method?: PaccResizeMethod;
  /** Model name; default `paccnet_<variant>` (or `paccnet_custom`). */
  name?: string;
}

/** Resolves options to the config actually built (variant or custom, with overrides applied). */
export function resolvePaccNetConfig(opts: PaccNetOptions = {}): PaccNetConfig {
  const variant = opts.variant ?? 's';
  const base = opts.config ?? PACCNET_CONFIGS[variant];
  if (base == null) throw new Error(`paccNet: variant must be 'xs', 's' or 'h', got '${variant}'`);
  return {...base, mixer: opts.mixer ?? base.mixer ?? 'pacc', method: opts.method ?? base.method ?? 'bilinear'};
}

/**
 * The body (shared with the detection / segmentation models): every stage output, and `features` =
 * conv_1x1_exp on the last one unless `withExp` is false (the task models drop that layer).
 * `outputStride` 16 runs the last stage at stride 1 as the official `dilate_l5` does (its 3×3
 * depthwise keeps dilation 1; the PaCC meta kernels are stretched to the larger map).
 */
export function paccNetBackbone(input: Sym, cfg: PaccNetConfig, opts: {outputStride?: 16 | 32; withExp?: boolean} = {}): {stages: Sym[]; features: Sym} {
  const os = opts.outputStride ?? 32;
  if (os !== 16 && os !== 32) throw new Error(`paccNetBackbone: outputStride must be 16 or 32, got ${os}`);
  if (!cfg.stages?.length) throw new Error('paccNet: config.stages must list at least one stage');
  let x = convLayer(input, {filters: cfg.stemChannels, kernelSize: cfg.stemKernel, strides: cfg.stemStride ?? 2, name: 'conv_1'});
  let c = cfg.stemChannels;
  const outs: Sym[] = [];
  const last = cfg.stages.length - 1;
  cfg.stages.forEach((st0, si) => {
    const layer = `layer_${si + 1}`;
    const st = os === 16 && si === last ? {...st0, stride: 1} : st0;
    if (st.kind === 'mv2') {
      for (let b = 0; b < st.numBlocks; b++) {
        x = invertedResidual(x, {inC: c, outC: st.outChannels, stride: b === 0 ? st.stride : 1, expand: st.expandRatio, name: `${layer}.${b}`});
        c = st.outChannels;
      }
    } else if (st.kind === 'frame') {
      x = invertedResidual(x, {inC: c, outC: st.outChannels, stride: st.stride, expand: st.expandRatio, name: `${layer}.0`});
      c = st.outChannels;
      x = outerFrame(x, {
        cfS: st.cfS, ffnDim: st.ffnDim, numBlocks: st.numBlocks, metaSize: st.metaSize, fusion: cfg.fusion,
        method: cfg.method, mixer: cfg.mixer, name: `${layer}.1`,
      });
    } else {
      throw new Error(`paccNet: stage ${si + 1} has unknown kind '${(st as {kind: string}).kind}' (expected 'mv2' or 'frame')`);
    }
    outs.push(x);
  });
  if (opts.withExp === false) return {stages: outs, features: x};
  const exp = cfg.expChannels ?? Math.min(4 * c, 960);
  const features = convLayer(x, {filters: exp, kernelSize: 1, name: 'conv_1x1_exp'});
  return {stages: outs, features};
}

/**
 * PaCC-Net classification model: official EdgeFormer-XS/S/H (`variant`) or a custom design
 * (`config`), logits output (no softmax). Layer and weight names mirror the PyTorch state_dict
 * (`layer_4.1.spatial_global_rep.0/meta_kernel_1_H`, `classifier.fc/kernel`, ...), see
 * `paccNetTorchKeyMap`. Initialisation follows the official code (docs/op.md §4).
 */
export function paccNet(opts: PaccNetOptions = {}): tfl.LayersModel {
  const cfg = resolvePaccNetConfig(opts);
  const numClasses = opts.numClasses ?? 1000;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`paccNet: numClasses must be a positive integer, got ${numClasses}`);
  const shape = opts.inputShape ?? [256, 256, 3];
  if (shape.length !== 3) throw new Error(`paccNet: inputShape must be [H, W, C], got ${JSON.stringify(shape)}`);
  const input = tfl.input({shape, name: 'input'});
  const {features} = paccNetBackbone(input, cfg);
  let y = tfl.layers.globalAveragePooling2d({name: 'classifier.global_pool'}).apply(features) as Sym;
  const drop = cfg.classifierDropout ?? 0.2;
  if (drop > 0) y = tfl.layers.dropout({rate: drop, name: 'classifier.dropout'}).apply(y) as Sym;
  y = tfl.layers.dense({
    units: numClasses, name: 'classifier.fc',
    kernelInitializer: tfl.initializers.randomNormal({mean: 0, stddev: 0.02}), biasInitializer: 'zeros',
  }).apply(y) as Sym;
  const name = opts.name ?? (opts.config ? 'paccnet_custom' : `paccnet_${opts.variant ?? 's'}`);
  return tfl.model({inputs: input, outputs: y, name});
}

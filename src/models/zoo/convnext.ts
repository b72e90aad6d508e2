// ConvNeXt builder (Tiny, and the paper's XT widths) with keras.applications ConvNeXt layer names and LayerScale.
import {layers, LayersModel, model, sequential, SymbolicTensor} from '@tensorflow/tfjs-layers';
import {LayerScale} from '../../layers/layer_scale';
import {inputShapeOf, numClassesOf, ZooOptions} from './common';

export interface ConvNeXtOptions extends ZooOptions {
  /** `'tiny'` (dims [96,192,384,768], depths [3,3,9,3]) or `'xt'` (dims [48,96,192,384], same depths). Default `'tiny'`. */
  variant?: 'tiny' | 'xt';
}

const VARIANTS = {tiny: {dims: [96, 192, 384, 768], depths: [3, 3, 9, 3]}, xt: {dims: [48, 96, 192, 384], depths: [3, 3, 9, 3]}};

/**
 * keras.applications ConvNeXt without its preprocessing (Normalization) layer: stem and
 * downsampling layers are nested Sequentials as in Keras; the 7×7 depthwise conv is a
 * DepthwiseConv2D with bias (Keras writes Conv2D(groups = C), which tfjs-layers lacks;
 * the weights are the same numbers). Tiny: 28,589,128 params (= torchvision convnext_tiny);
 * XT: 7,438,360 (the official ParC_ConvNets ConvNeXt-XT base model, docs/op.md §6).
 */
export function convNeXt(opts: ConvNeXtOptions = {}): LayersModel {
  const variant = opts.variant ?? 'tiny';
  const cfg = VARIANTS[variant];
  if (!cfg) throw new Error(`zoo.convNeXt: option 'variant' must be 'tiny' or 'xt', got ${JSON.stringify(opts.variant)}`);
  const shape = inputShapeOf(opts, 'zoo.convNeXt');
  const name = opts.name ?? `convnext_${variant}`;
  const apply = (l: {apply: (x: SymbolicTensor | SymbolicTensor[]) => unknown}, x: SymbolicTensor | SymbolicTensor[]) => l.apply(x) as SymbolicTensor;
  const ln = (n: string) => layers.layerNormalization({epsilon: 1e-6, name: n});

  const input = layers.input({shape, name: 'input_1'});
  let x = apply(sequential({name: `${name}_stem`, layers: [
    layers.conv2d({filters: cfg.dims[0], kernelSize: 4, strides: 4, name: `${name}_stem_conv`, inputShape: shape as number[]}),
    ln(`${name}_stem_layernorm`),
  ]}), input);
  for (let i = 0; i < 4; i++) {
    if (i > 0) {
      x = apply(sequential({name: `${name}_downsampling_block_${i - 1}`, layers: [
        layers.layerNormalization({epsilon: 1e-6, name: `${name}_downsampling_layernorm_${i - 1}`, inputShape: x.shape.slice(1) as number[]}),
        layers.conv2d({filters: cfg.dims[i], kernelSize: 2, strides: 2, name: `${name}_downsampling_conv_${i - 1}`}),
      ]}), x);
    }
    const dim = cfg.dims[i];
    for (let j = 0; j < cfg.depths[i]; j++) {
      const p = `${name}_stage_${i}_block_${j}`;
      let y = apply(layers.depthwiseConv2d({kernelSize: 7, padding: 'same', useBias: true, name: `${p}_depthwise_conv`}), x);
      y = apply(ln(`${p}_layernorm`), y);
      y = apply(layers.dense({units: 4 * dim, name: `${p}_pointwise_conv_1`}), y);
      y = apply(layers.activation({activation: 'gelu', name: `${p}_gelu`}), y);
      y = apply(layers.dense({units: dim, name: `${p}_pointwise_conv_2`}), y);
      y = apply(new LayerScale({initValues: 1e-6, projectionDim: dim, name: `${p}_layer_scale`}), y);
      y = apply(layers.activation({activation: 'linear', name: `${p}_identity`}), y);
      x = apply(layers.add({name: `${p}_add`}), [x, y]);
    }
  }
  if (opts.includeTop ?? true) {
    x = apply(layers.globalAveragePooling2d({name: `${name}_head_gap`}), x);
    x = apply(ln(`${name}_head_layernorm`), x);
    x = apply(layers.dense({units: numClassesOf(opts, 'zoo.convNeXt'), activation: opts.classifierActivation ?? 'softmax', name: `${name}_head_dense`}), x);
  }
  return model({inputs: input, outputs: x, name});
}

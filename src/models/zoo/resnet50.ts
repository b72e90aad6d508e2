// ResNet50 builder with keras.applications layer names (conv1_conv, conv4_block4_2_conv, …, predictions).
import {layers, LayersModel, model, SymbolicTensor} from '@tensorflow/tfjs-layers';
import {inputShapeOf, numClassesOf, ZooOptions} from './common';

export interface ResNet50Options extends ZooOptions {
  /**
   * Conv biases as Keras has them (default true: 25,636,712 params incl. 53,120 BN
   * moving statistics). `false` gives torchvision's layout: 25,557,032 trainable params.
   */
  convBias?: boolean;
}

/** keras.applications.ResNet50 (v1, stride on the first 1×1 conv of a stage, as Keras). */
export function resNet50(opts: ResNet50Options = {}): LayersModel {
  const shape = inputShapeOf(opts, 'zoo.resNet50');
  const useBias = opts.convBias ?? true;
  const bn = (name: string) => layers.batchNormalization({axis: 3, epsilon: 1.001e-5, name});
  const conv = (filters: number, k: number, name: string, strides = 1, padding: 'valid' | 'same' = 'valid') =>
    layers.conv2d({filters, kernelSize: k, strides, padding, useBias, name});
  const relu = (name: string) => layers.activation({activation: 'relu', name});
  const apply = (l: {apply: (x: SymbolicTensor | SymbolicTensor[]) => unknown}, x: SymbolicTensor | SymbolicTensor[]) => l.apply(x) as SymbolicTensor;

  const input = layers.input({shape, name: 'input_1'});
  let x = apply(layers.zeroPadding2d({padding: [[3, 3], [3, 3]], name: 'conv1_pad'}), input);
  x = apply(conv(64, 7, 'conv1_conv', 2), x);
  x = apply(relu('conv1_relu'), apply(bn('conv1_bn'), x));
  x = apply(layers.zeroPadding2d({padding: [[1, 1], [1, 1]], name: 'pool1_pad'}), x);
  x = apply(layers.maxPooling2d({poolSize: 3, strides: 2, name: 'pool1_pool'}), x);

  const stages: [number, number, number][] = [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]];
  stages.forEach(([filters, blocks, stride], i) => {
    for (let b = 1; b <= blocks; b++) {
      const name = `conv${i + 2}_block${b}`;
      const s = b === 1 ? stride : 1;
      let shortcut = x;
      if (b === 1) shortcut = apply(bn(`${name}_0_bn`), apply(conv(4 * filters, 1, `${name}_0_conv`, s), x));
      let y = apply(relu(`${name}_1_relu`), apply(bn(`${name}_1_bn`), apply(conv(filters, 1, `${name}_1_conv`, s), x)));
      y = apply(relu(`${name}_2_relu`), apply(bn(`${name}_2_bn`), apply(conv(filters, 3, `${name}_2_conv`, 1, 'same'), y)));
      y = apply(bn(`${name}_3_bn`), apply(conv(4 * filters, 1, `${name}_3_conv`), y));
      x = apply(relu(`${name}_out`), apply(layers.add({name: `${name}_add`}), [shortcut, y]));
    }
  });
  if (opts.includeTop ?? true) {
    x = apply(layers.globalAveragePooling2d({name: 'avg_pool'}), x);
    x = apply(layers.dense({units: numClassesOf(opts, 'zoo.resNet50'), activation: opts.classifierActivation ?? 'softmax', name: 'predictions'}), x);
  }
  return model({inputs: input, outputs: x, name: opts.name ?? 'resnet50'});
}

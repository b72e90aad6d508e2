// MobileNetV2 (α = 1) builder with keras.applications layer names (Conv1, expanded_conv_*, block_N_*, Conv_1, predictions).
import {layers, LayersModel, model, SymbolicTensor} from '@tensorflow/tfjs-layers';
import {inputShapeOf, numClassesOf, ZooOptions} from './common';

/** Keras's correct_pad for a 3×3 stride-2 conv: ((0,1),(0,1)) on even sizes, ((1,1),(1,1)) on odd ones. */
function correctPad(size: (number | null)[]): [[number, number], [number, number]] {
  const pad = (d: number | null): [number, number] => (d != null && d % 2 === 1 ? [1, 1] : [0, 1]);
  return [pad(size[1]), pad(size[2])];
}

/** keras.applications.MobileNetV2: 3,538,984 params, of which 3,504,872 trainable (= torchvision). */
export function mobileNetV2(opts: ZooOptions = {}): LayersModel {
  const shape = inputShapeOf(opts, 'zoo.mobileNetV2');
  const bn = (name: string) => layers.batchNormalization({axis: 3, epsilon: 1e-3, momentum: 0.999, name});
  const relu6 = (name: string) => layers.reLU({maxValue: 6, name});
  const apply = (l: {apply: (x: SymbolicTensor | SymbolicTensor[]) => unknown}, x: SymbolicTensor | SymbolicTensor[]) => l.apply(x) as SymbolicTensor;
  const pw = (filters: number, name: string) => layers.conv2d({filters, kernelSize: 1, padding: 'same', useBias: false, name});

  const input = layers.input({shape, name: 'input_1'});
  let x = apply(layers.zeroPadding2d({padding: correctPad(input.shape), name: 'Conv1_pad'}), input);
  x = apply(layers.conv2d({filters: 32, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'Conv1'}), x);
  x = apply(relu6('Conv1_relu'), apply(bn('bn_Conv1'), x));

  // (expansion, output channels, repeats, first stride) as in the MobileNetV2 paper.
  const table: [number, number, number, number][] = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  let id = 0;
  for (const [t, c, n, s] of table) {
    for (let r = 0; r < n; r++, id++) {
      const stride = r === 0 ? s : 1;
      const cin = x.shape[3] as number;
      const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
      let y = x;
      if (id > 0) y = apply(relu6(`${prefix}expand_relu`), apply(bn(`${prefix}expand_BN`), apply(pw(cin * t, `${prefix}expand`), y)));
      if (stride === 2) y = apply(layers.zeroPadding2d({padding: correctPad(y.shape), name: `${prefix}pad`}), y);
      y = apply(layers.depthwiseConv2d({kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false, name: `${prefix}depthwise`}), y);
      y = apply(relu6(`${prefix}depthwise_relu`), apply(bn(`${prefix}depthwise_BN`), y));
      y = apply(bn(`${prefix}project_BN`), apply(pw(c, `${prefix}project`), y));
      x = cin === c && stride === 1 ? apply(layers.add({name: `${prefix}add`}), [x, y]) : y;
    }
  }
  x = apply(layers.conv2d({filters: 1280, kernelSize: 1, useBias: false, name: 'Conv_1'}), x);
  x = apply(relu6('out_relu'), apply(bn('Conv_1_bn'), x));
  if (opts.includeTop ?? true) {
    x = apply(layers.globalAveragePooling2d({name: 'global_average_pooling2d'}), x);
    x = apply(layers.dense({units: numClassesOf(opts, 'zoo.mobileNetV2'), activation: opts.classifierActivation ?? 'softmax', name: 'predictions'}), x);
  }
  return model({inputs: input, outputs: x, name: opts.name ?? 'mobilenetv2_1.00_224'});
}

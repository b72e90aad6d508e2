// Real Keras-converted model.json files (test/fixtures/models): loading (Keras 2 and 3), weights, and replaceBlocks on them.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {model as tfModel, SymbolicTensor} from '@tensorflow/tfjs-layers';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {readModelJson, structure, useCpu} from './util';

const CASES = [
  {file: 'resnet50-keras2-legacy-names.model.json', params: 25636712, input: [224, 224, 3], out: 1000,
    parc: {res4d_branch2b_parc: [14, 14], res4e_branch2b_parc: [14, 14], res4f_branch2b_parc: [14, 14], res5c_branch2b_parc: [7, 7]}},
  {file: 'mobilenetv2-keras2.model.json', params: 3538984, input: [224, 224, 3], out: 1000,
    parc: {block_8_depthwise_parc: [14, 14], block_9_depthwise_parc: [14, 14], block_12_depthwise_parc: [14, 14], block_15_depthwise_parc: [7, 7]}},
  {file: 'resnet50-keras3.model.json', params: 23585538, input: [128, 128, 1], out: 2,
    parc: {conv4_block4_2_parc: [8, 8], conv4_block5_2_parc: [8, 8], conv4_block6_2_parc: [8, 8], conv5_block3_2_parc: [4, 4]}},
];

describe('real model files', () => {
  beforeAll(useCpu);

  for (const c of CASES) {
    it(`${c.file}: loads, is detected, and replaceBlocks swaps the official blocks with K = feature size`, async () => {
      const m = await pacc.io.modelFromJSON(await readModelJson(c.file));
      expect(m.countParams()).toBe(c.params);
      expect(m.inputs[0].shape.slice(1)).toEqual(c.input);
      const s = pacc.replaceBlocks(m);
      const parc = Object.fromEntries(s.layers.filter((l) => l instanceof pacc.ParcSplitConv)
        .map((l) => [l.name, (l as pacc.ParcSplitConv).kernelSize]));
      expect(parc).toEqual(c.parc);
      expect(s.layers.length).toBe(m.layers.length);
      expect(s.outputs[0].shape).toEqual([null, c.out]);
      m.dispose();
      s.dispose();
    });
  }

  it('the zoo builders reproduce the real files layer by layer (names, classes, weight shapes)', async () => {
    const pairs = [
      ['mobilenetv2-keras2.model.json', pacc.zoo.mobileNetV2()],
      ['resnet50-keras3.model.json', pacc.zoo.resNet50({inputShape: [128, 128, 1], numClasses: 2})],
    ] as const;
    for (const [file, built] of pairs) {
      const real = await pacc.io.modelFromJSON(await readModelJson(file));
      const a = structure(real), b = structure(built);
      a.delete(real.inputLayers[0].name);
      b.delete(built.inputLayers[0].name);
      expect([...b]).toEqual([...a].filter(([n]) => b.has(n)));
      expect(b.size).toBe(a.size);
      real.dispose();
      built.dispose();
    }
  });

  it('loads weight data from the manifest (shards in order), bit for bit, and checks its size', async () => {
    const json = await readModelJson('mobilenetv2-keras2.model.json');
    const specs = (json.weightsManifest as {weights: {name: string; shape: number[]}[]}[]).flatMap((g) => g.weights);
    const total = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    const data = new Float32Array(total).map((_, i) => Math.sin(i));
    const half = Math.floor(total / 2) * 4;
    const bytes = new Uint8Array(data.buffer);
    const m = await pacc.io.modelFromJSON(json, [bytes.slice(0, half), bytes.slice(half)]);
    let off = 0;
    for (const spec of specs) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const w = m.weights.find((v) => v.originalName === spec.name);
      expect(w, spec.name).toBeDefined();
      expect(Array.from(w!.read().dataSync()).every((v, i) => v === data[off + i]), spec.name).toBe(true);
      off += n;
    }
    m.dispose();
    await expect(pacc.io.modelFromJSON(json, bytes.slice(4))).rejects.toThrow(/bytes but the manifest's 262 weights need/);
  });

  it('normalises Keras 3 JSON (batch_shape, module/registered_name objects, DTypePolicy, {args, kwargs} nodes, grouped depthwise Conv2D)', async () => {
    const kt = (name: string, shape: (number | null)[]) => ({class_name: '__keras_tensor__', config: {shape, dtype: 'float32', keras_history: [name, 0, 0]}});
    const dtype = {module: 'keras', class_name: 'DTypePolicy', config: {name: 'float32'}, registered_name: null};
    const init = (c: string) => ({module: 'keras.initializers', class_name: c, config: {}, registered_name: null});
    const json = {modelTopology: {keras_version: '3.10.0', backend: 'tensorflow', model_config: {class_name: 'Functional', config: {
      name: 'tiny', trainable: true,
      layers: [
        {class_name: 'InputLayer', config: {batch_shape: [null, 6, 6, 4], dtype: 'float32', sparse: false, name: 'in'}, name: 'in', inbound_nodes: []},
        {module: 'keras.layers', class_name: 'Conv2D', registered_name: null, build_config: {input_shape: [null, 6, 6, 4]}, name: 'dw',
          config: {name: 'dw', trainable: true, dtype, filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last',
            dilation_rate: [1, 1], groups: 4, activation: 'linear', use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'),
            kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null},
          inbound_nodes: [{args: [kt('in', [null, 6, 6, 4])], kwargs: {}}]},
        {module: 'keras.layers', class_name: 'Add', registered_name: null, name: 'add', config: {name: 'add', trainable: true, dtype},
          inbound_nodes: [{args: [[kt('in', [null, 6, 6, 4]), kt('dw', [null, 6, 6, 4])]], kwargs: {}}]},
      ],
      input_layers: ['in', 0, 0], output_layers: ['add', 0, 0]}},
    training_config: {loss: 'mse', optimizer_config: {class_name: 'Adam', config: {}}}},
    weightsManifest: [{paths: ['w.bin'], weights: [{name: 'dw/kernel', shape: [3, 3, 1, 4], dtype: 'float32'}, {name: 'dw/bias', shape: [4], dtype: 'float32'}]}]};
    const k = new Float32Array(36).map((_, i) => i / 36);
    const data = new Uint8Array(new Float32Array([...k, 0, 0, 0, 0]).buffer);
    const m = await pacc.io.modelFromJSON(json, data);
    expect(m.getLayer('dw').getClassName()).toBe('DepthwiseConv2D');
    const x = tf.ones([1, 6, 6, 4]);
    const y = m.predict(x) as tf.Tensor;
    // Centre pixel, channel c: 1 + Σ_taps kernel[tap, c] (Keras [3,3,1,C] = tfjs [3,3,C,1] memory order).
    const want = [0, 1, 2, 3].map((c) => 1 + Array.from({length: 9}, (_, t) => k[t * 4 + c]).reduce((a, b) => a + b, 0));
    const got = (y.arraySync() as number[][][][])[0][2][2];
    got.forEach((v, c) => expect(v).toBeCloseTo(want[c], 5));
    tf.dispose([x, y]);
    m.dispose();
  });

  it('loads a Keras-3 ConvNeXt-style graph: Normalization constants, nested Sequential with InputLayer, ops Add, LayerScale weight named `variable`', async () => {
    const kt = (name: string, shape: (number | null)[]) => ({class_name: '__keras_tensor__', config: {shape, dtype: 'float32', keras_history: [name, 0, 0]}});
    const dtype = {module: 'keras', class_name: 'DTypePolicy', config: {name: 'float32'}, registered_name: null};
    const wrap = (class_name: string, config: object, inbound?: object[], module = 'keras.layers') =>
      ({module, class_name, config: {trainable: true, dtype, ...config}, registered_name: null, ...(inbound ? {name: (config as {name: string}).name, inbound_nodes: inbound} : {})});
    const stem = wrap('Sequential', {name: 'cx_stem', layers: [
      wrap('InputLayer', {name: 'stem_in', batch_shape: [null, 8, 8, 3], dtype: 'float32', sparse: false}),
      wrap('Conv2D', {name: 'cx_stem_conv', filters: 4, kernel_size: [4, 4], strides: [4, 4], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true}),
      wrap('LayerNormalization', {name: 'cx_stem_layernorm', axis: -1, epsilon: 1e-6, center: true, scale: true, rms_scaling: false}),
    ], build_input_shape: [null, 8, 8, 3]}, [{args: [kt('cx_prestem_normalization', [null, 8, 8, 3])], kwargs: {}}], 'keras');
    const layersJson = [
      {class_name: 'InputLayer', config: {batch_shape: [null, 8, 8, 3], dtype: 'float32', sparse: false, name: 'in'}, name: 'in', inbound_nodes: []},
      wrap('Normalization', {name: 'cx_prestem_normalization', axis: -1, mean: [1, 2, 3], variance: [4, 4, 4], invert: false}, [{args: [kt('in', [null, 8, 8, 3])], kwargs: {}}]),
      stem,
      wrap('LayerScale', {name: 'cx_layer_scale', init_values: 1e-6, projection_dim: 4}, [{args: [kt('cx_stem', [null, 2, 2, 4])], kwargs: {}}], 'keras.src.applications.convnext'),
      wrap('Add', {name: 'add'}, [{args: [kt('cx_stem', [null, 2, 2, 4]), kt('cx_layer_scale', [null, 2, 2, 4])], kwargs: {}}], 'keras.src.ops.numpy'),
    ];
    const json = {modelTopology: {keras_version: '3.10.0', model_config: {module: 'keras', class_name: 'Functional', registered_name: 'Functional',
      config: {name: 'cx', trainable: true, layers: layersJson, input_layers: [['in', 0, 0]], output_layers: [['add', 0, 0]]}}},
    weightsManifest: [{paths: ['a.bin'], weights: [
      {name: 'cx_stem_conv/kernel', shape: [4, 4, 3, 4], dtype: 'float32'}, {name: 'cx_stem_conv/bias', shape: [4], dtype: 'float32'},
      {name: 'cx_stem_layernorm/gamma', shape: [4], dtype: 'float32'}, {name: 'cx_stem_layernorm/beta', shape: [4], dtype: 'float32'},
      {name: 'cx_layer_scale/variable', shape: [4], dtype: 'float32'}]}]};
    const values = new Float32Array(4 * 4 * 3 * 4 + 4 * 4).map((_, i) => (i % 7) / 10);
    const m = await pacc.io.modelFromJSON(json, new Uint8Array(values.buffer));
    const gamma = m.getLayer('cx_layer_scale').getWeights()[0];
    expect(Array.from(gamma.dataSync())).toEqual(Array.from(values.slice(-4)));
    const x = tf.fill([1, 8, 8, 3], 3);
    const y = m.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 4]);
    // Normalization: (3 - mean) / 2 per channel, fed to the stem.
    const norm = tfModel({inputs: m.inputs, outputs: m.getLayer('cx_prestem_normalization').output as SymbolicTensor});
    const n = norm.predict(x) as tf.Tensor;
    expect(Array.from(n.dataSync()).slice(0, 3)).toEqual([1, 0.5, 0]);
    tf.dispose([x, y, n]);
    m.dispose();
  });
});

// replaceBlocks behaviour: input untouched, weights kept bit for bit, same early activations, trains, saves, edge cases.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {layers, loadLayersModel, LayersModel, model as tfModel, sequential, SymbolicTensor} from '@tensorflow/tfjs-layers';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {bitwiseEqual, seeded, sgdSteps, snapshot, trainableParams, useCpu} from './util';
import {saveToMemory} from '../util/model_checks';

const parcLayers = (m: LayersModel) => {
  const out: pacc.ParcSplitConv[] = [];
  const walk = (mm: LayersModel) => mm.layers.forEach((l) => (l instanceof LayersModel ? walk(l) : l instanceof pacc.ParcSplitConv && out.push(l)));
  walk(m);
  return out;
};
/**
 * Freezes every layer before `first` (topological order): the cpu backend is slow on full
 * backward passes on a shared machine, and fine-tuning the new blocks and what follows
 * them is enough to show that the surgered graph trains.
 */
function freezeBefore(m: LayersModel, first: string) {
  let frozen = true;
  for (const l of m.layers) {
    if (l.name === first) frozen = false;
    if (frozen) l.trainable = false;
  }
  expect(frozen).toBe(false);
}
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('replaceBlocks on MobileNetV2 at 64×64', () => {
  let base: LayersModel;
  let parc: LayersModel;
  let x: tf.Tensor;
  let before: Map<string, Uint8Array>;
  let yBefore: tf.Tensor;

  beforeAll(async () => {
    await useCpu();
    base = seeded(7, () => pacc.zoo.mobileNetV2({inputShape: [64, 64, 3], numClasses: 2}));
    x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1);
    before = snapshot(base);
    yBefore = base.predict(x) as tf.Tensor;
    parc = pacc.replaceBlocks(base);
  });
  afterAll(() => {
    tf.dispose([x, yBefore]);
    base.dispose();
    parc.dispose();
  });

  it('leaves the input model, its layers and weights untouched (bitwise), and it predicts the same', () => {
    const after = snapshot(base);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [k, v] of before) expect(bitwiseEqual(v, after.get(k)!), k).toBe(true);
    const y = base.predict(x) as tf.Tensor;
    expect(maxDiff(y, yBefore)).toBe(0);
    y.dispose();
    expect(parcLayers(base)).toHaveLength(0);
  });

  it('copies every kept weight bit for bit and replaces exactly the official blocks (PE as the official code)', () => {
    const got = snapshot(parc);
    const replaced = new Set(['block_8_depthwise', 'block_9_depthwise', 'block_12_depthwise', 'block_15_depthwise']);
    for (const [k, v] of before) {
      if (replaced.has(k.split('/')[0])) {
        expect(got.has(k)).toBe(false);
        continue;
      }
      expect(bitwiseEqual(v, got.get(k)!), k).toBe(true);
    }
    const p = parcLayers(parc);
    expect(p.map((l) => [l.name, l.kernelSize, l.usePositionEmbedding, l.dense])).toEqual([
      ['block_8_depthwise_parc', [4, 4], true, false], ['block_9_depthwise_parc', [4, 4], false, false],
      ['block_12_depthwise_parc', [4, 4], true, false], ['block_15_depthwise_parc', [2, 2], true, false],
    ]);
    // Official init: kaiming fan_out on a (c,1,K,1) kernel, zero bias, PE std 0.02.
    expect(p[0].kernelStd).toBeCloseTo(Math.sqrt(2 / (192 * 4)), 10);
    expect(p[0].biasBound).toBe(0);
  });

  it('computes identical activations up to the first replaced block', () => {
    const tap = (m: LayersModel) => tfModel({inputs: m.inputs, outputs: m.getLayer('block_8_expand_relu').output as SymbolicTensor});
    const a = tap(base).predict(x) as tf.Tensor, b = tap(parc).predict(x) as tf.Tensor;
    expect(maxDiff(a, b)).toBe(0);
    tf.dispose([a, b]);
  });

  // Seeded weights and plain SGD on one batch: the loss must fall at every step, on every run
  // (an unseeded model with Adam's sign-like first steps made this flaky). cpu: on wasm this
  // model's training currently trips tfjs-wasm's detached-heap TypeError in the conv backprop
  // fallback (reported to the kernel work).
  // tfjs-backend-cpu's Conv2DBackpropFilter (a scalar loop) takes most of each step: minutes on a
  // loaded machine, hence the long timeout. (At 32×32, where block 15 is 1×1, the loss rose.)
  it('trains (loss decreases at each of a few SGD steps, PaCC weights move) without leaking tensors', {timeout: 600_000}, async () => {
    const m = seeded(8, () => pacc.replaceBlocks(base));
    freezeBefore(m, 'block_8_expand');
    const xs = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 2);
    const ys = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
    const before = snapshot(m);
    const loss = await sgdSteps(m, xs, ys, 3, 1e-2);
    expect(loss[1], `losses ${loss}`).toBeLessThan(loss[0]);
    expect(loss[2], `losses ${loss}`).toBeLessThan(loss[1]);
    const after = snapshot(m);
    for (const l of parcLayers(m)) for (const w of l.trainableWeights) expect(bitwiseEqual(before.get(w.originalName)!, after.get(w.originalName)!), w.originalName).toBe(false);
    expect(bitwiseEqual(before.get('Conv1/kernel')!, after.get('Conv1/kernel')!), 'frozen Conv1/kernel').toBe(true);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('round-trips through save/load with identical outputs', async () => {
    const saved = await saveToMemory(parc);
    const loaded = await loadLayersModel(tf.io.fromMemory(saved));
    const a = parc.predict(x) as tf.Tensor, b = loaded.predict(x) as tf.Tensor;
    expect(maxDiff(a, b)).toBe(0);
    expect(parcLayers(loaded)).toHaveLength(4);
    tf.dispose([a, b]);
    loaded.dispose();
  });

  it('refuses a model that was surgered already, naming its PaCC layers', () => {
    expect(() => pacc.replaceBlocks(parc)).toThrow(/already contains PaCC layers \(block_8_depthwise_parc.*surgered already/);
  });

  it('selects blocks by official id or Keras prefix, and overrides PE', () => {
    const a = pacc.replaceBlocks(base, {blocks: ['features.16'], usePositionEmbedding: false});
    const b = pacc.replaceBlocks(base, {blocks: ['block_15']});
    expect(parcLayers(a).map((l) => [l.name, l.usePositionEmbedding])).toEqual([['block_15_depthwise_parc', false]]);
    expect(parcLayers(b).map((l) => [l.name, l.usePositionEmbedding])).toEqual([['block_15_depthwise_parc', true]]);
    expect(trainableParams(b) - trainableParams(a)).toBe(2 * 480 * 2);
    expect(() => pacc.replaceBlocks(base, {blocks: ['block_3']})).toThrow(/unknown block 'block_3'; replaceable blocks: features.1 = expanded_conv, features.3 = block_2, features.5 = block_4/);
    a.dispose();
    b.dispose();
  });
});

describe('replaceBlocks edge cases', () => {
  beforeAll(useCpu);

  it('a model of no supported family: error listing what was found and the families', () => {
    const input = layers.input({shape: [8, 8, 3]});
    const out = layers.conv2d({filters: 4, kernelSize: 3, name: 'my_conv'}).apply(input) as SymbolicTensor;
    const m = tfModel({inputs: input, outputs: out, name: 'custom'});
    expect(() => pacc.replaceBlocks(m)).toThrow(/model 'custom' is not a supported family; found 2 layers \(InputLayer×1, Conv2D×1; first: .*my_conv\)[\s\S]*ResNet50[\s\S]*MobileNetV2[\s\S]*ConvNeXt[\s\S]*EdgeViT/);
    expect(() => pacc.replaceBlocks(m, {family: 'resnet50'})).toThrow(/not a resnet50 model/);
    expect(() => pacc.replaceBlocks({} as LayersModel)).toThrow(/must be a tf.LayersModel/);
    m.dispose();
    // ResNet50V2 shares ResNet50's conv names but has pre-activation blocks and strided 3×3 convs.
    const v1 = pacc.zoo.resNet50({inputShape: [32, 32, 3], includeTop: false});
    const v2ish = tfModel({inputs: v1.inputs, outputs: layers.batchNormalization({name: 'conv2_block1_preact_bn'}).apply(v1.outputs[0]) as SymbolicTensor});
    expect(() => pacc.replaceBlocks(v2ish)).toThrow(/is not a supported family/);
    v2ish.dispose();
  });

  it('a custom head on a ResNet50 backbone (torchvision layout): kept, and the exact ParC-ResNet50 dense blocks', () => {
    const backbone = pacc.zoo.resNet50({inputShape: [64, 64, 3], includeTop: false, convBias: false});
    let y = layers.globalAveragePooling2d({name: 'my_pool'}).apply(backbone.outputs[0]) as SymbolicTensor;
    y = layers.dense({units: 3, name: 'my_head'}).apply(y) as SymbolicTensor;
    const m = tfModel({inputs: backbone.inputs, outputs: y});
    const s = pacc.replaceBlocks(m);
    expect(parcLayers(s).map((l) => [l.name, l.kernelSize, l.dense])).toEqual([
      ['conv4_block4_2_parc', [4, 4], true], ['conv4_block5_2_parc', [4, 4], true], ['conv4_block6_2_parc', [4, 4], true], ['conv5_block3_2_parc', [2, 2], true],
    ]);
    expect(bitwiseEqual(snapshot(m).get('my_head/kernel')!, snapshot(s).get('my_head/kernel')!)).toBe(true);
    // torchvision ResNet init: kaiming fan_out N(0, √(2/(c·K))) for the (c, c, K, 1) weight, bias U(±1/√(c·K)), PE N(0, 0.02).
    const first = parcLayers(s)[0];
    const stat = (name: string) => tf.tidy(() => {
      const v = first.weights.find((w) => w.originalName.endsWith(name))!.read();
      const {mean, variance} = tf.moments(v);
      return [mean.dataSync()[0], Math.sqrt(variance.dataSync()[0]), tf.max(tf.abs(v)).dataSync()[0]];
    });
    const [km, ks] = stat('kernel_h');
    expect(Math.abs(km)).toBeLessThan(0.01);
    expect(ks / Math.sqrt(2 / (128 * 4))).toBeGreaterThan(0.95);
    expect(ks / Math.sqrt(2 / (128 * 4))).toBeLessThan(1.05);
    expect(stat('bias_h')[2]).toBeLessThanOrEqual(1 / Math.sqrt(128 * 4));
    expect(stat('pe_h')[1]).toBeGreaterThan(0.015);
    expect(stat('pe_h')[1]).toBeLessThan(0.025);
    // 224 would give 23,737,640; at 64 the kernels are 4 and 2 taps long.
    const dense = (c: number, k: number) => 2 * (c * c * k + c + c * k) - (2 * c) * (2 * c) * 9;
    expect(trainableParams(s) - trainableParams(m)).toBe(3 * dense(128, 4) + dense(256, 2));
    const out = s.predict(tf.ones([1, 64, 64, 3])) as tf.Tensor;
    expect(out.shape).toEqual([1, 3]);
    out.dispose();
    s.dispose();
    m.dispose();
  });

  it('a Sequential wrapping a functional backbone, and a backbone shared by two inputs', () => {
    const backbone = pacc.zoo.mobileNetV2({inputShape: [32, 32, 3], includeTop: false, name: 'mnv2'});
    const seq = sequential({layers: [backbone, layers.globalAveragePooling2d({}), layers.dense({units: 2, name: 'seq_head'})]});
    const s = pacc.replaceBlocks(seq);
    expect(s.getClassName()).toBe('Sequential');
    expect(parcLayers(s).map((l) => l.name)).toEqual(['block_8_depthwise_parc', 'block_9_depthwise_parc', 'block_12_depthwise_parc', 'block_15_depthwise_parc']);
    const x = tf.randomNormal([1, 32, 32, 3]);
    const y = s.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2]);

    const a = layers.input({shape: [32, 32, 3], name: 'a'}), b = layers.input({shape: [32, 32, 3], name: 'b'});
    const fa = backbone.apply(a) as SymbolicTensor, fb = backbone.apply(b) as SymbolicTensor;
    const siamese = tfModel({inputs: [a, b], outputs: layers.concatenate({name: 'both', axis: 0}).apply([fa, fb]) as SymbolicTensor});
    const t = pacc.replaceBlocks(siamese);
    expect(t.layers.filter((l) => l instanceof LayersModel)).toHaveLength(1);
    const d = t.predict([x, x]) as tf.Tensor;
    expect(maxDiff(tf.slice(d, 0, 1), tf.slice(d, 1, 1))).toBe(0);
    tf.dispose([x, y, d]);
    [s, t, siamese, seq].forEach((m) => m.dispose());
  });

  it('a model without a fixed input size gets meta kernels (official K taps) resized at run time', () => {
    const m = pacc.zoo.mobileNetV2({inputShape: [null, null, 3], numClasses: 2});
    const s = pacc.replaceBlocks(m);
    expect(parcLayers(s).map((l) => [l.kernelSize, l.metaKernelSize])).toEqual([[null, 14], [null, 14], [null, 14], [null, 7]]);
    for (const size of [32, 48]) {
      const y = s.predict(tf.ones([1, size, size, 3])) as tf.Tensor;
      expect(y.shape).toEqual([1, 2]);
      y.dispose();
    }
    const fixed = pacc.replaceBlocks(m, {kernelSize: 2});
    expect(() => fixed.predict(tf.ones([1, 64, 64, 3]))).toThrow(/kernel length 2 along H must equal the feature size/);
    [m, s, fixed].forEach((mm) => mm.dispose());
  });

  it('ConvNeXt-XT at 32×32: LayerScale, nested Sequential stem, trains a few steps', {timeout: 300_000}, async () => {
    const m = seeded(9, () => pacc.zoo.convNeXt({variant: 'xt', inputShape: [32, 32, 3], numClasses: 2}));
    const s = seeded(10, () => pacc.replaceBlocks(m));
    expect(parcLayers(s).map((l) => [l.name, l.kernelSize])).toEqual([
      ['convnext_xt_stage_2_block_6_depthwise_parc', [2, 2]], ['convnext_xt_stage_2_block_7_depthwise_parc', [2, 2]],
      ['convnext_xt_stage_2_block_8_depthwise_parc', [2, 2]], ['convnext_xt_stage_3_block_2_depthwise_parc', [1, 1]],
    ]);
    freezeBefore(s, 'convnext_xt_downsampling_block_1');
    const xs = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 5);
    const ys = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
    const loss = await sgdSteps(s, xs, ys, 3, 1e-4);
    expect(loss[1], `losses ${loss}`).toBeLessThan(loss[0]);
    expect(loss[2], `losses ${loss}`).toBeLessThan(loss[1]);
    tf.dispose([xs, ys]);
    m.dispose();
    s.dispose();
  });
});

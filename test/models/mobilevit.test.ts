// MobileViT XS/S: exact parameter counts, layers, forward/backward, save/load, key map and parity with the official model (ONNX fixture).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {beforeAll, describe, expect, it} from 'vitest';
import {MobileViTAttention, MobileVitAttention} from '../../src/layers/mobilevit_attention';
import {MobileViTFold, MobileVitFold} from '../../src/layers/mobilevit_fold';
import {MobileViTLayerNorm, MobileVitLayerNorm} from '../../src/layers/mobilevit_layer_norm';
import {resizeBilinearTorch} from '../../src/layers/mobilevit_resize';
import {MobileViTUnfold, MobileVitUnfold} from '../../src/layers/mobilevit_unfold';
import {mobileViT, mobileViTBlock} from '../../src/models/mobilevit';
import {MOBILEVIT_CONFIGS, MOBILEVIT_PARAM_COUNTS} from '../../src/models/mobilevit_configs';
import {mobileViTTorchKeyMap, mobileVitTorchKeyMap} from '../../src/models/mobilevit_torch_keys';
import type {TorchKeyEntry} from '../../src/models/torch_keymap';
import {loadFixture, nchwToNhwc, readFixture, readFixtureF32, readFixtureText} from '../util/fixtures';
import {expectClose, relError, rng} from '../util/compare';
import {onnxTorchWeights, OnnxTensor} from './mobilevit_onnx';
import {saveToMemory} from '../util/model_checks';

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const trainableCount = (m: tfl.LayersModel) => m.trainableWeights.reduce((a, w) => a + numel(w.shape as number[]), 0);
const randn = (shape: number[], seed: number) => tf.tensor(rng(seed).normal(numel(shape)), shape);
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

/** PyTorch layout -> tfjs layout, per the key-map contract. */
function toTfjs(t: OnnxTensor, transform: TorchKeyEntry['transform']): tf.Tensor {
  const x = tf.tensor(t.data, t.shape);
  const perm = {conv: [2, 3, 1, 0], depthwise: [2, 3, 0, 1], linear: [1, 0]}[transform as string];
  if (perm) {
    const y = tf.transpose(x, perm);
    x.dispose();
    return y;
  }
  return x;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('MobileViT layers', () => {
  it('unfold matches the official element order and fold inverts it', () => {
    const [b, h, w, c] = [2, 4, 6, 3];
    const x = randn([b, h, w, c], 1);
    const p = new MobileViTUnfold({patchH: 2, patchW: 2}).apply(x) as tf.Tensor;
    expect(p.shape).toEqual([b, 4, 6, c]);
    const xs = x.arraySync() as number[][][][], ps = p.arraySync() as number[][][][];
    // Official: patch n = (i / 2) * nw + (j / 2), pixel p = (i % 2) * 2 + (j % 2).
    for (let n = 0; n < b; n++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
      expect(ps[n][(i % 2) * 2 + (j % 2)][Math.floor(i / 2) * (w / 2) + Math.floor(j / 2)][k]).toBe(xs[n][i][j][k]);
    }
    const back = new MobileViTFold({patchH: 2, patchW: 2}).apply([p, x]) as tf.Tensor;
    expect(back.shape).toEqual(x.shape);
    expect(maxAbsDiff(back, x)).toBe(0);
    tf.dispose([x, p, back]);
  });

  it('unfold/fold resize sizes that are not multiples of the patch (official bilinear interpolate)', () => {
    const x = randn([1, 3, 5, 2], 2);
    const p = new MobileViTUnfold({}).apply(x) as tf.Tensor;
    expect(p.shape).toEqual([1, 4, 6, 2]); // 3x5 -> 4x6 -> 2x3 patches
    const y = new MobileViTFold({}).apply([p, x]) as tf.Tensor;
    expect(y.shape).toEqual([1, 3, 5, 2]);
    expect(() => new MobileViTFold({}).apply([p, randn([1, 8, 8, 2], 3)])).toThrow(/do not fit reference/);
    expect(() => new MobileViTUnfold({patchH: 0})).toThrow(/patchH must be a positive integer/);
    tf.dispose([x, p, y]);
  });

  it('patch resize is PyTorch bilinear with align_corners=False (up and down, non-square)', () => {
    // F.interpolate(tensor([[[[0., 1., 2.]]]]), size=(1, 4), mode='bilinear', align_corners=False)
    const row = resizeBilinearTorch(tf.tensor4d([0, 1, 2], [1, 1, 3, 1]), 1, 4);
    expect(Array.from(row.dataSync())).toEqual([0, 0.625, 1.375, 2]);
    for (const [h, w, oh, ow] of [[3, 5, 4, 6], [4, 6, 3, 5], [7, 7, 8, 8], [8, 8, 7, 7]]) {
      const x = randn([2, h, w, 3], h * 10 + w);
      const y = resizeBilinearTorch(x, oh, ow);
      const tfRef = tf.image.resizeBilinear(x as tf.Tensor4D, [oh, ow], false, true); // same forward convention
      expect(maxAbsDiff(y, tfRef), `${h}x${w} -> ${oh}x${ow}`).toBeLessThan(1e-5);
      tf.dispose([x, y, tfRef]);
    }
    row.dispose();
  });

  it('attention equals a plain-loop reference (4 heads, rank 4 input)', () => {
    const [b, p, n, c, h] = [1, 2, 3, 8, 4];
    const d = c / h;
    const layer = new MobileViTAttention({numHeads: h});
    const x = randn([b, p, n, c], 4);
    layer.apply(x); // build
    const [wqkv, bqkv, wo, bo] = layer.getWeights();
    layer.setWeights([wqkv, randn([3 * c], 5), wo, randn([c], 6)]);
    const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][][][];
    const W = wqkv.arraySync() as number[][], Bq = layer.getWeights()[1].arraySync() as number[];
    const Wo = wo.arraySync() as number[][], Bo = layer.getWeights()[3].arraySync() as number[];
    const X = x.arraySync() as number[][][][];
    for (let pi = 0; pi < p; pi++) {
      const qkv = X[0][pi].map((row) => Bq.map((bias, o) => bias + row.reduce((a, v, i) => a + v * W[i][o], 0)));
      const out = Array.from({length: n}, () => new Array(c).fill(0));
      for (let hh = 0; hh < h; hh++) {
        for (let i = 0; i < n; i++) {
          const s = Array.from({length: n}, (_, j) => {
            let dot = 0;
            for (let k = 0; k < d; k++) dot += qkv[i][hh * d + k] * qkv[j][c + hh * d + k];
            return dot / Math.sqrt(d);
          });
          const m = Math.max(...s), e = s.map((v) => Math.exp(v - m)), z = e.reduce((a, v) => a + v, 0);
          for (let k = 0; k < d; k++) out[i][hh * d + k] = e.reduce((a, v, j) => a + (v / z) * qkv[j][2 * c + hh * d + k], 0);
        }
      }
      for (let i = 0; i < n; i++) for (let o = 0; o < c; o++) {
        const ref = Bo[o] + out[i].reduce((a, v, k) => a + v * Wo[k][o], 0);
        expect(Math.abs(y[0][pi][i][o] - ref)).toBeLessThan(1e-5);
      }
    }
    expect(() => new MobileViTAttention({numHeads: 3}).apply(x)).toThrow(/divisible by numHeads=3/);
    tf.dispose([x, wqkv, bqkv, wo, bo]);
  });

  it('layer norm is PyTorch LayerNorm over the channel axis (eps 1e-5, biased variance)', () => {
    const x = randn([2, 3, 5], 7);
    const ln = new MobileViTLayerNorm({});
    ln.apply(x);
    const g = randn([5], 8), bt = randn([5], 9);
    ln.setWeights([g, bt]);
    const y = ln.apply(x) as tf.Tensor;
    const ref = tf.tidy(() => {
      const m = tf.mean(x, -1, true), v = tf.mean(tf.square(tf.sub(x, m)), -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(x, m), tf.sqrt(tf.add(v, 1e-5))), g), bt);
    });
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-5);
    tf.dispose([x, g, bt, y, ref]);
  });

  it('layers serialise through their configs', () => {
    for (const layer of [new MobileViTUnfold({patchH: 2, patchW: 4}), new MobileViTFold({patchH: 4, patchW: 2}),
      new MobileViTAttention({numHeads: 6, attnDropout: 0.25}), new MobileViTLayerNorm({epsilon: 1e-6})]) {
      const cls = layer.constructor as unknown as tf.serialization.SerializableConstructor<tfl.layers.Layer>;
      const copy = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
      expect(copy, layer.getClassName()).toBeDefined();
      const again = tfl.layers.Layer.fromConfig(cls, layer.getConfig()) as tfl.layers.Layer;
      expect(again.getConfig()).toEqual(layer.getConfig());
    }
  });

  it('shape errors print unknown sizes as null (one shape format: [1,8,8,64])', () => {
    expect(() => new MobileViTLayerNorm({}).apply(tfl.input({shape: [4, null]}))).toThrow(/got input shape \[null,4,null\]/);
    expect(() => new MobileViTUnfold({}).apply(tfl.input({shape: [4, 4]}))).toThrow(/got shape \[null,4,4\]/);
  });

  it('the MobileViT* rename kept the serialized class names and the old MobileVit* spellings', () => {
    // Saved model.json files name the layers by className: it must not follow the TypeScript rename.
    const pairs = [[MobileViTAttention, MobileVitAttention, 'MobileVitAttention'], [MobileViTFold, MobileVitFold, 'MobileVitFold'],
      [MobileViTLayerNorm, MobileVitLayerNorm, 'MobileVitLayerNorm'], [MobileViTUnfold, MobileVitUnfold, 'MobileVitUnfold']] as const;
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const [cls, alias, name] of pairs) {
      expect(cls.className).toBe(name);
      expect(registered[name]?.[0]).toBe(cls);
      expect(alias).toBe(cls);
    }
    expect(mobileVitTorchKeyMap).toBe(mobileViTTorchKeyMap);
  });
});

describe('MobileViT transformer path on wasm', () => {
  /** unfold -> LayerNorm -> attention -> fold on one backend: output and the gradients w.r.t. input and all weights. */
  async function run(backend: string, shape: [number, number, number, number]) {
    await tf.setBackend(backend);
    const layers = [new MobileViTUnfold({}), new MobileViTLayerNorm({}), new MobileViTAttention({numHeads: 2}), new MobileViTFold({})];
    const out = tf.tidy(() => {
      const x = randn(shape, 21);
      const forward = (input: tf.Tensor) => {
        const p = layers[2].apply(layers[1].apply(layers[0].apply(input))) as tf.Tensor;
        return layers[3].apply([p, input]) as tf.Tensor;
      };
      forward(x); // build, then give every weight non-trivial values
      let seed = 30;
      for (const l of layers) l.setWeights(l.getWeights().map((w) => randn(w.shape, seed++)));
      const dy = randn(shape, 22);
      const vars = layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
      const y = forward(x);
      const {grads} = tf.variableGrads(() => tf.sum(tf.mul(forward(x), dy)) as tf.Scalar, vars);
      const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(forward(input), dy)))(x);
      return [y, dx, ...vars.map((v) => grads[v.name])].map((t) => t.dataSync().slice());
    });
    for (const l of layers) l.dispose();
    return out;
  }

  it.each([[[2, 4, 6, 4]], [[1, 3, 5, 4]]] as [[number, number, number, number]][])('forward and gradients agree with cpu for input %j', async (shape) => {
    const ref = await run('cpu', shape);
    const got = await run('wasm', shape);
    await tf.setBackend('cpu');
    expect(got.length).toBe(ref.length);
    got.forEach((g, i) => {
      const scale = Math.max(...Array.from(ref[i], Math.abs));
      const diff = Math.max(...Array.from(g, (v, j) => Math.abs(v - ref[i][j])));
      expect(diff / scale, `tensor ${i}`).toBeLessThan(1e-5);
    });
  });
});

describe('mobileViT model', () => {
  it.each(['xs', 's'] as const)('%s has the official trainable parameter count and a finite 64x64 forward', (variant) => {
    const model = mobileViT({variant, inputShape: [64, 64, 3]});
    expect(trainableCount(model)).toBe(MOBILEVIT_PARAM_COUNTS[variant]);
    expect(MOBILEVIT_PARAM_COUNTS).toEqual({xs: 2_317_848, s: 5_578_632});
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 1);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 1000]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('numClasses and validation errors', () => {
    const model = mobileViT({variant: 'xs', numClasses: 10, inputShape: [64, 64, 3]});
    expect(model.outputs[0].shape).toEqual([null, 10]);
    model.dispose();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mobileViT({variant: 'xxl' as any})).toThrow(/variant must be one of 'xs', 's'/);
    expect(() => mobileViT({variant: 'xs', inputShape: [100, 100, 3]})).toThrow(/multiples of 32/);
    expect(() => mobileViT({variant: 'xs', numClasses: 0})).toThrow(/numClasses/);
  });

  it('with inputShape [null, null, 3] predicts at any multiple of 32 (96: 3x3 at layer_5 goes through the patch resize)', () => {
    const model = mobileViT({variant: 'xs', inputShape: [null, null, 3], numClasses: 7});
    for (const s of [64, 96]) {
      const x = tf.randomUniform([1, s, s, 3], 0, 1, 'float32', s);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 7]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([x, y]);
    }
    model.dispose();
  });

  it('a training step reaches every trainable weight (finite, non-zero gradient) and leaks no tensors', () => {
    // One backward pass at 64x64 is the expensive part of this file on cpu, so it checks both.
    const model = mobileViT({variant: 'xs', inputShape: [64, 64, 3], numClasses: 10});
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 3);
    const dy = randn([1, 10], 11);
    const optimizer = tf.train.sgd(1e-3); // SGD keeps no slots, so the first step already shows leaks
    const predict = () => tf.dispose(model.predict(x) as tf.Tensor);
    predict();
    const before = tf.memory().numTensors;
    predict();
    expect(tf.memory().numTensors, 'after predict').toBe(before);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const {value, grads} = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, {training: true}) as tf.Tensor, dy)) as tf.Scalar, vars);
    for (const w of model.trainableWeights) {
      const g = grads[(w.read() as tf.Variable).name];
      expect(g, w.originalName).toBeDefined();
      const data = g.dataSync();
      expect(data.every(Number.isFinite), `${w.originalName}: finite`).toBe(true);
      expect(data.some((v) => v !== 0), `${w.originalName}: non-zero`).toBe(true);
    }
    optimizer.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors, 'after a training step').toBe(before);
    tf.dispose([x, dy]);
    optimizer.dispose();
    model.dispose();
  });

  it('save / load round trip (size-agnostic model) gives identical outputs', async () => {
    const model = mobileViT({variant: 'xs', inputShape: [null, null, 3], numClasses: 10});
    const saved = await saveToMemory(model);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved));
    expect(trainableCount(loaded)).toBe(trainableCount(model));
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 5);
    const a = model.predict(x) as tf.Tensor, b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

});

describe('MobileViT PyTorch key map', () => {
  it.each(['xs', 's'] as const)('%s: every tfjs weight has exactly one torch key with the right shape', (variant) => {
    const model = mobileViT({variant, inputShape: [64, 64, 3]});
    const map = mobileViTTorchKeyMap(variant);
    const weights = new Map(model.weights.map((w) => [w.originalName, w.shape as number[]]));
    expect(new Set(map.entries.map((e) => e.tfjsName)).size).toBe(map.entries.length);
    expect(new Set(map.entries.map((e) => e.tfjsName))).toEqual(new Set(weights.keys()));
    for (const e of map.entries) {
      const perm = {conv: [2, 3, 1, 0], depthwise: [2, 3, 0, 1], linear: [1, 0]}[e.transform as string];
      const expected = perm ? perm.map((p) => e.torchShape[p]) : e.torchShape;
      expect(weights.get(e.tfjsName), e.torchKey).toEqual(expected);
    }
    // The official state_dict: 311 entries = our keys + one num_batches_tracked per BatchNorm.
    const bns = map.entries.filter((e) => e.torchKey.endsWith('.running_mean')).length;
    expect(map.entries.length + bns).toBe(311);
    expect(map.ignore('layer_1.0.block.exp_1x1.block.norm.num_batches_tracked')).toBe(true);
    expect(map.ignore('conv_1.block.conv.weight')).toBe(false);
    model.dispose();
  });
});

describe('MobileViT against the official PyTorch code (fixtures made with hkzhang91/ParC-Net cvnets)', () => {
  it.each(['xs', 's'] as const)('%s key map lists the official state_dict keys, shapes and order', async (variant) => {
    const official = (await readFixtureText(`mobilevit_${variant}_state_dict_keys.txt`)).trim().split('\n')
      .map((line) => {
        const [key, shape] = line.split(' ');
        return {key, shape: shape ? shape.split(',').map(Number) : []};
      });
    expect(official.length).toBe(311);
    const map = mobileViTTorchKeyMap(variant);
    const kept = official.filter((o) => !map.ignore(o.key));
    expect(kept.map((o) => o.key)).toEqual(map.entries.map((e) => e.torchKey));
    kept.forEach((o, i) => expect(map.entries[i].torchShape, o.key).toEqual(o.shape));
    expect(official.filter((o) => map.ignore(o.key)).every((o) => o.key.endsWith('num_batches_tracked'))).toBe(true);
  });

  it('MobileViT block (XS layer_3.1, everything randomised) matches PyTorch at 8x8, 7x7 and 5x10', async () => {
    const fx = await loadFixture('block_mobilevit_xs_layer3');
    const cfg = MOBILEVIT_CONFIGS.xs;
    const stage = cfg.stages[2];
    if (stage.kind !== 'mobilevit') throw new Error('layer_3 of XS is a MobileViT stage');
    const input = tfl.input({shape: [null, null, stage.outChannels]});
    const block = tfl.model({inputs: input, outputs: mobileViTBlock(input, stage, cfg, 'layer_3.1')});
    const vars = new Map(block.weights.map((w) => [w.originalName, w]));
    const entries = mobileViTTorchKeyMap('xs').entries.filter((e) => e.torchKey.startsWith('layer_3.1.'));
    expect(entries.length).toBe(vars.size);
    for (const e of entries) {
      const t = fx.tensors[`sd.${e.torchKey.slice('layer_3.1.'.length)}`];
      expect(t, e.torchKey).toBeDefined();
      expect(t.shape, e.torchKey).toEqual(e.torchShape);
      const v = toTfjs(t, e.transform);
      vars.get(e.tfjsName)!.write(v);
      v.dispose();
    }
    for (const i of [0, 1, 2]) {
      const x = nchwToNhwc(fx.tensors[`x${i}`]), y = nchwToNhwc(fx.tensors[`y${i}`]);
      const xt = tf.tensor(x.data, x.shape);
      const out = block.predict(xt) as tf.Tensor;
      expect(out.shape, `y${i}`).toEqual(y.shape);
      console.log(`block y${i} [${y.shape}] relative error ${relError(out.dataSync(), y.data).toExponential(2)}`);
      expectClose(out.dataSync(), y.data, 1e-5, `block output y${i} [${y.shape}]`);
      tf.dispose([xt, out]);
    }
    block.dispose();
  });
});

describe('parity with the official MobileViT-XS (ONNX fixture)', () => {
  it('logits at 256x256 match PyTorch float32 within 1e-4', async () => {
    const torch = onnxTorchWeights(new Uint8Array(await readFixture('mobilevit_xs.onnx')));
    const model = mobileViT({variant: 'xs'});
    const vars = new Map(model.weights.map((w) => [w.originalName, w]));
    const map = mobileViTTorchKeyMap('xs');
    let loaded = 0;
    for (const e of map.entries) {
      const t = torch.get(e.torchKey);
      const target = vars.get(e.tfjsName)!;
      if (t) {
        expect(t.shape, e.torchKey).toEqual(e.torchShape);
        const v = toTfjs(t, e.transform);
        target.write(v);
        v.dispose();
        loaded++;
        continue;
      }
      // The exporter folded every BatchNorm into its conv (weight scaled, bias added): use an identity BN
      // whose shift is the folded bias.
      const m = /^(.*)\.block\.norm\.(weight|bias|running_mean|running_var)$/.exec(e.torchKey);
      expect(m, `missing in the ONNX file: ${e.torchKey}`).not.toBeNull();
      const folded = torch.get(`${m![1]}.block.conv.bias`);
      expect(folded, `${m![1]}.block.conv.bias`).toBeDefined();
      const c = e.torchShape[0];
      const v = m![2] === 'bias' ? tf.tensor1d(folded!.data) : tf.fill([c], {weight: 1, running_mean: 0, running_var: 1 - 1e-5}[m![2]]!);
      target.write(v);
      v.dispose();
    }
    expect(loaded).toBeGreaterThan(150);
    const input = nchwToNhwc({shape: [1, 3, 256, 256], data: await readFixtureF32('onnx_mobilevit_xs.input.bin')});
    const expected = await readFixtureF32('onnx_mobilevit_xs.logits_torch_fp32.bin');
    const x = tf.tensor(input.data, input.shape);
    const y = model.predict(x) as tf.Tensor;
    const got = y.dataSync();
    let diff = 0, scale = 0;
    for (let i = 0; i < expected.length; i++) {
      diff = Math.max(diff, Math.abs(got[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    console.log(`mobilevit-xs parity: max |logit diff| ${diff.toExponential(3)} (max |logit| ${scale.toFixed(3)})`);
    expect(scale).toBeGreaterThan(0.01);
    expect(diff).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, y]);
    model.dispose();
  });
});

// Every zoo builder: parameter counts before/after replaceBlocks (docs/op.md §6 where a row exists), EdgeViT forward/training.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {loadLayersModel, LayersModel} from '@tensorflow/tfjs-layers';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {trainableParams, useCpu} from './util';
import {saveToMemory} from '../util/model_checks';

/** [builder, trainable params, after surgery, all params incl. BN statistics]. */
const COUNTS: [string, () => LayersModel, number, number, number][] = [
  // torchvision resnet50 / ParC-ResNet50 (docs/op.md §6).
  ['resnet50 (torchvision layout)', () => pacc.zoo.resNet50({convBias: false}), 25557032, 23737640, 25610152],
  // keras.applications ResNet50 (conv biases): 26,560 more; the 4 replaced convs' 1,280 biases go.
  ['resnet50 (Keras)', () => pacc.zoo.resNet50(), 25583592, 23762920, 25636712],
  // Keras MobileNetV2 trainable = torchvision mobilenet_v2; ParC-MobileNetV2 (docs/op.md §6).
  ['mobilenetv2', () => pacc.zoo.mobileNetV2(), 3504872, 3532136, 3538984],
  // ConvNeXt-XT / ParC-ConvNeXt-XT (docs/op.md §6).
  ['convnext xt', () => pacc.zoo.convNeXt({variant: 'xt'}), 7438360, 7412824, 7438360],
  // torchvision convnext_tiny / ParC-ConvNeXt-T class defaults (docs/op.md §6).
  ['convnext tiny', () => pacc.zoo.convNeXt({variant: 'tiny'}), 28589128, 28538056, 28589128],
  // No official ParC numbers exist (see docs/surgery.md): trainable XXS/XS agree with the paper's 4.1M/6.7M;
  // S follows the repo's edgevit_s config (depth [1,2,5,3]), 13.1M, not the paper's 11.1M. BN stats make up the rest.
  ['edgevit xxs', () => pacc.zoo.edgeViT({variant: 'xxs'}), 4067704, 3410488, 4070440],
  ['edgevit xs', () => pacc.zoo.edgeViT({variant: 'xs'}), 6770056, 6184456, 6774280],
  ['edgevit s', () => pacc.zoo.edgeViT({variant: 's'}), 13108168, 11351368, 13114696],
];

describe('zoo builders and replaceBlocks parameter counts at 224×224, 1000 classes', () => {
  beforeAll(useCpu);
  for (const [name, build, before, after, all] of COUNTS) {
    it(name, () => {
      const m = build();
      const s = pacc.replaceBlocks(m);
      expect([trainableParams(m), trainableParams(s), m.countParams()]).toEqual([before, after, all]);
      expect(pacc.detectFamily(m)).toBe(name.split(' ')[0]);
      m.dispose();
      s.dispose();
    });
  }
});

describe('EdgeViT', () => {
  beforeAll(useCpu);

  it('ParC-EdgeViT-XXS at 64×64: final-stage attention swapped, saves/loads identically, trains', {timeout: 300_000}, async () => {
    const m = pacc.zoo.edgeViT({variant: 'xxs', inputShape: [64, 64, 3], numClasses: 2});
    const s = pacc.replaceBlocks(m);
    const parc = s.layers.filter((l) => l instanceof pacc.ParcSplitConv) as pacc.ParcSplitConv[];
    expect(parc.map((l) => [l.name, l.kernelSize, l.dense, l.usePositionEmbedding])).toEqual([
      ['edgevit_xxs_stage_3_block_0_global_attn_parc', [2, 2], false, true], ['edgevit_xxs_stage_3_block_1_global_attn_parc', [2, 2], false, true],
    ]);
    expect(s.layers.filter((l) => l instanceof pacc.EdgeViTGlobalSparseAttn)).toHaveLength(5);
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 9);
    const saved = await saveToMemory(s);
    const loaded = await loadLayersModel(tf.io.fromMemory(saved));
    const a = s.predict(x) as tf.Tensor, b = loaded.predict(x) as tf.Tensor;
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBe(0);
    let frozen = true;
    for (const l of s.layers) {
      if (l.name === 'edgevit_xxs_patch_embed_3_conv') frozen = false;
      if (frozen) l.trainable = false;
    }
    s.compile({optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy'});
    const ys = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
    const h = await s.fit(x, ys, {epochs: 3, batchSize: 2, verbose: 0});
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    tf.dispose([x, ys, a, b]);
    [m, s, loaded].forEach((mm) => mm.dispose());
  });

  it('GlobalSparseAttn: sub-sampled attention with transposed-conv propagation keeps the shape and rejects indivisible sizes', () => {
    const l = new pacc.EdgeViTGlobalSparseAttn({numHeads: 2, srRatio: 2});
    const y = l.apply(tf.randomNormal([1, 4, 6, 8])) as tf.Tensor;
    expect(y.shape).toEqual([1, 4, 6, 8]);
    expect(l.weights.map((w) => w.shape)).toEqual([[8, 24], [24], [2, 2, 8], [8], [8], [8], [8, 8], [8]]);
    expect(() => l.apply(tf.ones([1, 5, 6, 8]))).toThrow(/feature size 5×6 must be divisible by srRatio 2/);
    // Attention over identical tokens returns the (projected) token itself: a check of the softmax·v wiring.
    const g = new pacc.EdgeViTGlobalSparseAttn({numHeads: 1, srRatio: 1});
    const ones = tf.ones([1, 3, 3, 4]);
    const out = g.apply(ones) as tf.Tensor;
    g.setWeights([tf.tile(tf.eye(4), [1, 3]), tf.zeros([12]), tf.eye(4), tf.zeros([4])]);
    const same = g.apply(tf.mul(ones, tf.reshape(tf.range(1, 5), [1, 1, 1, 4]))) as tf.Tensor;
    expect(Array.from(same.dataSync()).slice(0, 4)).toEqual([1, 2, 3, 4]);
    tf.dispose([y, ones, out, same]);
  });
});

describe('EdgeViTGlobalSparseAttn names', () => {
  it('keeps the serialized class name of saved models and the old export as an alias', () => {
    expect(pacc.EdgeViTGlobalSparseAttn.className).toBe('EdgeVitGlobalSparseAttn');
    expect(pacc.EdgeVitGlobalSparseAttn).toBe(pacc.EdgeViTGlobalSparseAttn);
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(map.EdgeVitGlobalSparseAttn?.[0]).toBe(pacc.EdgeViTGlobalSparseAttn);
  });
});

describe('EdgeViTGlobalSparseAttn numerics', () => {
  beforeAll(useCpu);

  it('matches a plain-loop reference of the official forward (sr 2, 2 heads)', () => {
    const [H, W, C, heads, r] = [4, 4, 4, 2, 2];
    const l = new pacc.EdgeViTGlobalSparseAttn({numHeads: heads, srRatio: r});
    const x = tf.randomNormal([1, H, W, C], 0, 1, 'float32', 4);
    l.apply(x);
    l.setWeights(l.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 10 + i)));
    const y = l.apply(x) as tf.Tensor;
    const [qkvW, qkvB, propW, propB, gamma, beta, projW, projB] = l.getWeights().map((w) => Array.from(w.dataSync()));
    const xs = (x.arraySync() as number[][][][])[0];
    const hd = C / heads, h = H / r, w = W / r;
    // Tokens: every r-th pixel (AvgPool2d(1, r)), row-major.
    const tokens: number[][] = [];
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) tokens.push(xs[i * r][j * r]);
    const qkv = tokens.map((t) => Array.from({length: 3 * C}, (_, o) => qkvB[o] + t.reduce((s, v, c) => s + v * qkvW[c * 3 * C + o], 0)));
    const att = tokens.map((_, n) => Array.from({length: C}, () => 0));
    for (let hh = 0; hh < heads; hh++) {
      for (let n = 0; n < tokens.length; n++) {
        const logits = tokens.map((_, m) => {
          let s = 0;
          for (let d = 0; d < hd; d++) s += qkv[n][hh * hd + d] * qkv[m][C + hh * hd + d];
          return s / Math.sqrt(hd);
        });
        const mx = Math.max(...logits), e = logits.map((v) => Math.exp(v - mx)), z = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < hd; d++) att[n][hh * hd + d] = tokens.reduce((s, _, m) => s + (e[m] / z) * qkv[m][2 * C + hh * hd + d], 0);
      }
    }
    const got = (y.arraySync() as number[][][][])[0];
    let err = 0;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const t = att[Math.floor(i / r) * w + Math.floor(j / r)];
        // Depthwise ConvTranspose2d(r, stride r): pixel (i, j) gets tap (i mod r, j mod r) of its token.
        const p = t.map((v, c) => v * propW[((i % r) * r + (j % r)) * C + c] + propB[c]);
        const mu = p.reduce((a, b) => a + b, 0) / C, va = p.reduce((a, b) => a + (b - mu) ** 2, 0) / C;
        const nrm = p.map((v, c) => ((v - mu) / Math.sqrt(va + 1e-5)) * gamma[c] + beta[c]);
        for (let o = 0; o < C; o++) {
          const ref = projB[o] + nrm.reduce((s, v, c) => s + v * projW[c * C + o], 0);
          err = Math.max(err, Math.abs(ref - got[i][j][o]));
        }
      }
    }
    expect(err).toBeLessThan(1e-4);
    tf.dispose([x, y]);
  });
});

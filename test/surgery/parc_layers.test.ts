// ParcSplitConv and LayerScale: numerics against plain loops, meta-kernel mode, serialisation, gradients, no leaks.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {layers, model as tfModel} from '@tensorflow/tfjs-layers';
import {beforeAll, describe, expect, it} from 'vitest';
import '../../src/index';
import {ParcSplitConv} from '../../src/layers/parc_split_conv';
import {LayerScale} from '../../src/layers/layer_scale';
import {useCpu} from './util';

/** Plain-loop reference of one half: y[i,j,o] = b[o] + Σ_k Σ_ci w[k,ci,o]·(x+pe)[(i+k) mod H or (j+k) mod W, ci]. */
function reference(x: number[][][], dir: 'h' | 'w', w: Float32Array, dense: boolean, b?: Float32Array, pe?: Float32Array): number[][][] {
  const H = x.length, W = x[0].length, c = x[0][0].length;
  const L = dir === 'h' ? H : W;
  const xp = x.map((row, i) => row.map((px, j) => px.map((v, ch) => v + (pe ? pe[(dir === 'h' ? i : j) * c + ch] : 0))));
  return xp.map((row, i) => row.map((_, j) => Array.from({length: c}, (_, o) => {
    let s = b ? b[o] : 0;
    for (let k = 0; k < L; k++) {
      const src = dir === 'h' ? xp[(i + k) % H][j] : xp[i][(j + k) % W];
      if (dense) for (let ci = 0; ci < c; ci++) s += w[(k * c + ci) * c + o] * src[ci];
      else s += w[k * c + o] * src[o];
    }
    return s;
  })));
}

function check(dense: boolean, usePositionEmbedding: boolean, H: number, W: number, C: number) {
  const layer = new ParcSplitConv({kernelSize: [H, W], dense, usePositionEmbedding, biasBound: 0.5, kernelStd: 0.3, peStd: 0.3});
  const x = tf.randomNormal([1, H, W, C], 0, 1, 'float32', 3) as tf.Tensor4D;
  const y = layer.apply(x) as tf.Tensor4D;
  const xs = (x.arraySync() as number[][][][])[0];
  const c1 = Math.floor(C / 2);
  const ws = Object.fromEntries(layer.weights.map((v) => [v.originalName.split('/').pop()!, v.read().dataSync() as Float32Array]));
  const half = (lo: number, hi: number) => xs.map((r) => r.map((p) => p.slice(lo, hi)));
  const refH = reference(half(0, c1), 'h', ws.kernel_h, dense, ws.bias_h, ws.pe_h);
  const refW = reference(half(c1, C), 'w', ws.kernel_w, dense, ws.bias_w, ws.pe_w);
  const ref = refH.map((r, i) => r.map((p, j) => [...p, ...refW[i][j]]));
  const got = (y.arraySync() as number[][][][])[0];
  let err = 0;
  got.forEach((r, i) => r.forEach((p, j) => p.forEach((v, ch) => { err = Math.max(err, Math.abs(v - ref[i][j][ch])); })));
  expect(err).toBeLessThan(1e-4);
  tf.dispose([x, y]);
}

describe('ParcSplitConv', () => {
  beforeAll(useCpu);

  it('depthwise mode matches the plain-loop reference (odd C, non-square, with and without PE)', () => {
    check(false, true, 5, 7, 7);
    check(false, false, 6, 6, 4);
  });

  it('dense mode (groups = 1) matches the plain-loop reference', () => {
    check(true, true, 4, 6, 6);
    check(true, false, 3, 3, 5);
  });

  it('has the official weight shapes and count (dense 128×128×14 per half in ParC-ResNet50 layer3)', () => {
    const l = new ParcSplitConv({kernelSize: [14, 14], dense: true});
    l.build([null, 14, 14, 256]);
    expect(l.weights.map((w) => [w.originalName.split('/').pop(), w.shape])).toEqual([
      ['kernel_h', [14, 128, 128]], ['bias_h', [128]], ['pe_h', [14, 128]],
      ['kernel_w', [14, 128, 128]], ['bias_w', [128]], ['pe_w', [14, 128]],
    ]);
    expect(l.countParams()).toBe(462592);
    tf.dispose(l.weights.map((w) => w.read()));
  });

  it('rejects a feature size that is not the kernel length, naming both', () => {
    const l = new ParcSplitConv({kernelSize: [7, 7]});
    expect(() => l.apply(layers.input({shape: [8, 8, 4]}))).toThrow(/kernel length 7 along H must equal the feature H 8/);
  });

  it('meta-kernel mode equals the fixed kernel at S = M and runs at other sizes', () => {
    const input = layers.input({shape: [null, null, 6]});
    const meta = new ParcSplitConv({kernelSize: null, metaKernelSize: 5, dense: true, biasBound: 0.2});
    const m = tfModel({inputs: input, outputs: meta.apply(input) as never});
    const fixed = new ParcSplitConv({kernelSize: [5, 5], dense: true});
    const fx = tf.randomNormal([2, 5, 5, 6]);
    fixed.apply(fx);
    fixed.setWeights(meta.getWeights());
    const a = m.predict(fx) as tf.Tensor, b = fixed.apply(fx) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    const big = m.predict(tf.ones([1, 9, 7, 6])) as tf.Tensor;
    expect(big.shape).toEqual([1, 9, 7, 6]);
    tf.dispose([fx, a, b, big]);
  });

  it('serialises, and gets gradients for every weight without leaking tensors', () => {
    const input = layers.input({shape: [6, 6, 4]});
    const out = new ParcSplitConv({kernelSize: [6, 6], dense: false}).apply(input);
    const m = tfModel({inputs: input, outputs: out as never});
    const cfg = JSON.parse(JSON.stringify(m.toJSON(null, false)));
    expect(cfg.config.layers[1].class_name).toBe('ParcSplitConv');
    expect(cfg.config.layers[1].config.kernel_size).toEqual([6, 6]);
    const x = tf.randomNormal([2, 6, 6, 4]);
    const before = tf.memory().numTensors;
    const {value, grads} = tf.variableGrads(() => tf.sum(tf.square(m.apply(x) as tf.Tensor)) as tf.Scalar, m.trainableWeights.map((w) => w.read() as tf.Variable));
    expect(Object.keys(grads)).toHaveLength(6);
    for (const g of Object.values(grads)) expect(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('LayerScale', () => {
  beforeAll(useCpu);
  it('multiplies by γ (init 1e-6) and keeps Keras config keys', () => {
    const l = new LayerScale({projectionDim: 3, initValues: 0.5});
    const y = l.apply(tf.ones([2, 3])) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(l.getConfig()).toMatchObject({initValues: 0.5, projectionDim: 3});
    expect(() => new LayerScale({projectionDim: 3}).apply(tf.ones([1, 4]))).toThrow(/projectionDim 3/);
  });
});

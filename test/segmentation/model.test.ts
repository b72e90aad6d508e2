// DeepLabV3: official parameter counts, key map vs the official state_dict key list, dilated conv and its gradient vs a plain reference, sizes, save/load.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {deepLabV3TorchKeyMap} from '../../src/models/deeplabv3_torch_keys';
import {torchToTfjs} from '../../src/models/paccnet_torch_keys';
import {atrousConv2d} from '../../src/segmentation/layers';
import {expectClose, rng} from '../util/compare';
import {readFixtureText} from '../util/fixtures';
import {expectPredictLeakFree, expectSaveLoadRoundTrip} from '../util/model_checks';

const size = (s: (number | null)[]) => s.reduce<number>((a, d) => a * (d ?? 0), 1);
const trainable = (m: tf.LayersModel) => m.trainableWeights.reduce((a, w) => a + size(w.shape), 0);

/** Plain-loop dilated conv, zero padding d·(k-1)/2 (PyTorch padding=dilation for k=3), NHWC / HWIO, float64. */
function refAtrous(x: Float32Array, [n, h, w, ci]: number[], k: Float32Array, [kh, kw, , co]: number[], d: number): Float64Array {
  const out = new Float64Array(n * h * w * co);
  for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let o = 0; o < co; o++) {
    let s = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const y = i + (ky - (kh - 1) / 2) * d, xx = j + (kx - (kw - 1) / 2) * d;
      if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
      for (let c = 0; c < ci; c++) s += x[((b * h + y) * w + xx) * ci + c] * k[((ky * kw + kx) * ci + c) * co + o];
    }
    out[((b * h + i) * w + j) * co + o] = s;
  }
  return out;
}


/** An official state_dict key list (`key<TAB>shape` per line, shape `AxB` or `scalar`; `#` comments): its line count and key → shape. */
async function officialKeys(file: string): Promise<{lines: number; official: Map<string, number[]>}> {
  const lines = (await readFixtureText(file)).split('\n').filter((l) => l && !l.startsWith('#'));
  return {lines: lines.length, official: new Map(lines.map((l) => {
    const [key, shape] = l.split('\t');
    return [key, shape === 'scalar' ? [] : shape.split('x').map(Number)];
  }))};
}

describe('deeplabV3: structure', () => {
  beforeAll(() => tf.setBackend('cpu'));

  // Official counts: S from the shared spec, XS counted by scripts/oracle/deeplab_oracle.py on the official models.
  for (const [backbone, want] of [['paccnet-s', 5_816_397], ['mobilevit-s', 6_357_941], ['paccnet-xs', 2_964_693], ['mobilevit-xs', 2_944_069]] as const) {
    it(`${backbone} at 21 classes: ${want.toLocaleString('en')} trainable parameters (official count), unique weight names, logits [1, 512, 512, 21] shape`, () => {
      const m = pacc.models.deeplabV3({backbone, numClasses: 21, inputShape: [512, 512, 3]});
      expect(trainable(m)).toBe(want);
      const names = m.weights.map((w) => w.originalName);
      expect(new Set(names).size).toBe(names.length);
      expect(m.outputs[0].shape).toEqual([null, 512, 512, 21]);
      m.dispose();
    });
  }

  for (const backbone of ['paccnet-xs', 'paccnet-s', 'paccnet-h', 'mobilevit-xs', 'mobilevit-s']) {
    it(`${backbone}: the key map covers every weight exactly once with matching shapes`, () => {
      const m = pacc.models.deeplabV3({backbone, numClasses: 21, inputShape: [null, null, 3]});
      const byName = new Map(m.weights.map((w) => [w.originalName, w]));
      const {entries} = deepLabV3TorchKeyMap(backbone, 21);
      expect(new Set(entries.map((e) => e.torchKey)).size).toBe(entries.length);
      expect(new Set(entries.map((e) => e.tfjsName))).toEqual(new Set(byName.keys()));
      for (const e of entries) {
        const w = byName.get(e.tfjsName)!;
        expect(size(e.torchShape), e.torchKey).toBe(size(w.shape));
        if (size(e.torchShape) < 3e6) expect(torchToTfjs(new Float32Array(size(e.torchShape)), e.torchShape, e.transform).shape, e.torchKey).toEqual(w.shape);
      }
      m.dispose();
    });
  }

  it('paccnet-s key map = the official DeepLabV3-EdgeFormer-S state_dict (587 keys) minus num_batches_tracked and the encoder.residual.* alias', async () => {
    const {lines, official} = await officialKeys('seg/deeplabv3_edgeformer_s_state_dict_keys.txt');
    expect(lines).toBe(587);
    const map = deepLabV3TorchKeyMap('paccnet-s', 21);
    const mapped = new Map(map.entries.map((e) => [e.torchKey, e.torchShape]));
    const needed = [...official.keys()].filter((k) => !map.ignore(k));
    expect(needed.filter((k) => !mapped.has(k)), 'official keys without a mapping').toEqual([]);
    expect([...mapped.keys()].filter((k) => !official.has(k)), 'mapped keys the checkpoint does not have').toEqual([]);
    for (const k of needed) expect(mapped.get(k), k).toEqual(official.get(k));
    const ignored = [...official.keys()].filter((k) => map.ignore(k));
    expect(ignored.every((k) => k.startsWith('encoder.residual.') || k.endsWith('num_batches_tracked'))).toBe(true);
  });

  it('mobilevit-s key map = the official DeepLabV3-MobileViT-S state_dict (341 keys, written by the oracle script) minus num_batches_tracked', async () => {
    const {lines, official} = await officialKeys('seg/deeplabv3_mobilevit_s_state_dict_keys.txt');
    expect(lines).toBe(341);
    const map = deepLabV3TorchKeyMap('mobilevit-s', 21);
    const needed = [...official.keys()].filter((k) => !map.ignore(k));
    expect(needed.every((k) => !k.endsWith('num_batches_tracked'))).toBe(true);
    expect(new Map(map.entries.map((e) => [e.torchKey, e.torchShape]))).toEqual(new Map(needed.map((k) => [k, official.get(k)])));
  });

  it('bad options throw errors naming the argument', () => {
    expect(() => pacc.models.deeplabV3({backbone: 'resnet'})).toThrow(/backbone must be one of/);
    expect(() => pacc.models.deeplabV3({numClasses: 0})).toThrow(/numClasses/);
    expect(() => pacc.models.deeplabV3({inputShape: [500, 512, 3]})).toThrow(/inputShape.*multiples of the output stride 16.*500/);
    expect(() => pacc.models.deeplabV3({outputStride: 8 as 16})).toThrow(/outputStride/);
    expect(() => pacc.models.deeplabV3({inputShape: [512, 256, 3]})).toThrow(/paccnet-s backbone needs a square input.*\[512,256,3\]/);
    expect(() => pacc.models.deeplabV3({asppRates: [6, 12] as unknown as [number, number, number]})).toThrow(/asppRates/);
  });
});

for (const backend of ['cpu', 'wasm']) {
  describe(`atrous conv on ${backend}`, () => {
    beforeAll(async () => { expect(await tf.setBackend(backend)).toBe(true); });

    it('forward equals the zero-padded dilated conv (PyTorch padding = dilation), incl. a dilation larger than the map', () => {
      const r = rng(11);
      for (const [shape, d] of [[[2, 7, 9, 5], 2], [[1, 3, 4, 6], 6], [[1, 5, 5, 3], 1]] as [number[], number][]) {
        const ks = [3, 3, shape[3], 4];
        const x = r.normal(size(shape)), k = r.normal(size(ks));
        const y = tf.tidy(() => atrousConv2d(tf.tensor4d(x, shape as [number, number, number, number]), tf.tensor4d(k, ks as [number, number, number, number]), d));
        expectClose(y.dataSync(), refAtrous(x, shape, k, ks, d), 1e-5, `atrous d=${d} [${shape}]`);
        y.dispose();
      }
    });

    it('gradients equal the gradients of the reference (dilation 1 through tfjs conv2d; dilation 2/6 by finite differences)', () => {
      const r = rng(12);
      // d = 1: tfjs' own conv2d gradient is the reference.
      const shape: [number, number, number, number] = [2, 5, 6, 3];
      const ks: [number, number, number, number] = [3, 3, 3, 4];
      const x = tf.tensor4d(r.normal(size(shape)), shape), k = tf.tensor4d(r.normal(size(ks)), ks);
      const dy = tf.tensor4d(r.normal(2 * 5 * 6 * 4), [2, 5, 6, 4]);
      const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1), dy)))([x, k]);
      const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dy)))([x, k]);
      expectClose(ours[0].dataSync(), ref[0].dataSync(), 1e-5, 'dx d=1');
      expectClose(ours[1].dataSync(), ref[1].dataSync(), 1e-5, 'dw d=1');
      tf.dispose([x, k, dy, ...ours, ...ref]);
      // d > 1: the loss is linear in x and in k, so a central difference is exact up to rounding.
      for (const d of [2, 6]) {
        const s: [number, number, number, number] = [1, 4, 7, 2];
        const kk: [number, number, number, number] = [3, 3, 2, 3];
        const xv = r.normal(size(s)), kv = r.normal(size(kk)), gv = r.normal(4 * 7 * 3);
        const loss = (xa: Float32Array, ka: Float32Array) => {
          const y = refAtrous(xa, s, ka, kk, d);
          return y.reduce((a, v, i) => a + v * gv[i], 0);
        };
        const [gx, gk] = tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(a as tf.Tensor4D, b as tf.Tensor4D, d), tf.tensor4d(gv, [1, 4, 7, 3]))))([tf.tensor4d(xv, s), tf.tensor4d(kv, kk)]).map((g) => g.dataSync()));
        const fd = (arr: Float32Array, i: number, other: Float32Array, isX: boolean) => {
          const p = arr.slice(), m = arr.slice();
          p[i] += 0.5; m[i] -= 0.5;
          return isX ? loss(p, other) - loss(m, other) : loss(other, p) - loss(other, m);
        };
        expectClose(Array.from(xv, (_, i) => gx[i]), Array.from(xv, (_, i) => fd(xv, i, kv, true)), 1e-4, `dx d=${d}`);
        expectClose(Array.from(kv, (_, i) => gk[i]), Array.from(kv, (_, i) => fd(kv, i, xv, false)), 1e-4, `dw d=${d}`);
      }
    });
  });
}

describe('deeplabV3 on wasm: free input size, save/load', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    model = pacc.models.deeplabV3({backbone: 'paccnet-xs', numClasses: 5, inputShape: [null, null, 3], asppChannels: 16});
  });

  it('[null, null, 3] predicts at 64, 80 (odd feature maps: 5×5 at stride 16), 96 and 128: logits at the input size, equal to a model built at that fixed size (meta kernels interpolated per size)', () => {
    for (const [h, w] of [[64, 64], [80, 80], [96, 96], [128, 128]]) {
      const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', h + w);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, h, w, 5]);
      const fixed = pacc.models.deeplabV3({backbone: 'paccnet-xs', numClasses: 5, inputShape: [h, w, 3], asppChannels: 16});
      fixed.setWeights(model.getWeights());
      const y2 = fixed.predict(x) as tf.Tensor;
      expectClose(y.dataSync(), y2.dataSync(), 1e-6, `free vs fixed ${h}×${w}`);
      expect(Math.max(...Array.from(y.dataSync(), Math.abs))).toBeGreaterThan(0);
      tf.dispose([x, y, y2]);
      fixed.dispose();
    }
  }, 120_000);

  it('save/load round trip (memory and pacc.io.fileSystem) gives identical logits; custom layers deserialise', async () => {
    const x = tf.randomUniform([1, 48, 48, 3], 0, 1, 'float32', 9);
    try {
      const saved = await expectSaveLoadRoundTrip(model, x, 'pacc-seg-');
      const topo = JSON.stringify(saved.modelTopology);
      for (const cls of ['AtrousConv2D', 'SpatialBroadcast', 'BilinearUpsample']) expect(topo).toContain(`"class_name":"${cls}"`);
    } finally {
      x.dispose();
    }
  }, 120_000);

  it('pacc.optimizeForInference (BN folding, fused convs) keeps the logits (1e-5) with fewer layers', () => {
    const fixed = pacc.models.deeplabV3({backbone: 'paccnet-xs', numClasses: 5, inputShape: [64, 64, 3], asppChannels: 16});
    fixed.setWeights(model.getWeights());
    const opt = pacc.optimizeForInference(fixed);
    expect(opt.layers.length).toBeLessThan(fixed.layers.length);
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 4);
    const [a, b] = [fixed.predict(x) as tf.Tensor, opt.predict(x) as tf.Tensor];
    expectClose(b.dataSync(), a.dataSync(), 1e-5, 'optimized vs plain');
    tf.dispose([x, a, b]);
    opt.dispose();
    fixed.dispose();
  });

  it('leaks: predict keeps tf.memory().numTensors stable', () => {
    const x = tf.randomUniform([1, 32, 32, 3]);
    expectPredictLeakFree(model, x);
    x.dispose();
  });
});

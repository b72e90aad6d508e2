// PaCC-Net specifics: PyTorch key map vs the official S key list, custom designs, the depthwise mixer, any-size inference, preprocessing.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {torchToTfjs} from '../../src/models/paccnet_torch_keys';
import {readFixtureText} from '../util/fixtures';

const {paccNet, paccNetTorchKeyMap, PACCNET_CONFIGS, preprocessImage} = pacc.models;
const size = (s: (number | null)[]) => s.reduce<number>((a, d) => a * (d ?? 0), 1);

/** The tfjs shape a transform produces from a PyTorch shape (tiny data, no big allocations). */
function tfjsShape(shape: number[], transform: Parameters<typeof torchToTfjs>[2]): number[] {
  const probe = torchToTfjs(new Float32Array(size(shape)), shape, transform);
  return probe.shape;
}

beforeAll(() => tf.setBackend('cpu'));

describe('PaCC-Net PyTorch key map', () => {
  for (const variant of ['xs', 's', 'h'] as const) {
    it(`${variant}: maps onto every weight of the built model exactly once, with matching shapes`, () => {
      const model = paccNet({variant});
      const byName = new Map(model.weights.map((w) => [w.originalName, w]));
      const {entries} = paccNetTorchKeyMap(variant);
      expect(new Set(entries.map((e) => e.torchKey)).size).toBe(entries.length);
      expect(new Set(entries.map((e) => e.tfjsName))).toEqual(new Set(byName.keys()));
      for (const e of entries) {
        const w = byName.get(e.tfjsName)!;
        expect(size(e.torchShape), e.torchKey).toBe(size(w.shape));
        if (size(e.torchShape) < 3e6) expect(tfjsShape(e.torchShape, e.transform), e.torchKey).toEqual(w.shape);
      }
      model.dispose();
    });
  }

  it('s: covers the official state_dict (557 entries) except residual.* and num_batches_tracked, shapes equal', async () => {
    const lines = (await readFixtureText('edgeformer_s_state_dict_keys.txt')).split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines.length).toBe(557);
    const official = new Map(lines.map((l) => {
      const [key, shape] = l.split('\t');
      return [key, shape === 'scalar' ? [] : shape.split('x').map(Number)];
    }));
    const map = paccNetTorchKeyMap('s');
    const mapped = new Map(map.entries.map((e) => [e.torchKey, e.torchShape]));
    const needed = [...official.keys()].filter((k) => !map.ignore(k));
    expect(needed.filter((k) => !mapped.has(k)), 'official keys without a mapping').toEqual([]);
    expect([...mapped.keys()].filter((k) => !official.has(k)), 'mapped keys the checkpoint does not have').toEqual([]);
    for (const k of needed) expect(mapped.get(k), k).toEqual(official.get(k));
    expect([...official.keys()].filter((k) => map.ignore(k)).every((k) => k.startsWith('residual.') || k.endsWith('num_batches_tracked'))).toBe(true);
  });

  it('torchToTfjs lays out conv, linear and axis tensors like PyTorch indexing', () => {
    // conv (O=2, I=3, 1×2): out[h,w,i,o] = in[o,i,h,w]
    const conv = torchToTfjs(Float32Array.from({length: 12}, (_, i) => i), [2, 3, 1, 2], 'conv');
    expect(conv.shape).toEqual([1, 2, 3, 2]);
    expect(conv.data[((0 * 2 + 1) * 3 + 2) * 2 + 1]).toBe(((1 * 3 + 2) * 1 + 0) * 2 + 1);
    const lin = torchToTfjs(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], 'linear');
    expect(Array.from(lin.data)).toEqual([1, 4, 2, 5, 3, 6]);
    const ax = torchToTfjs(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 1, 1, 3], 'axisKernel');
    expect(ax.shape).toEqual([3, 2]);
    expect(Array.from(ax.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('PaCC-Net builders', () => {
  it('predicts at any square multiple of 32 with inputShape [null, null, 3]', () => {
    const m = paccNet({variant: 'xs', numClasses: 5, inputShape: [null, null, 3]});
    for (const s of [32, 96, 128]) {
      const y = tf.tidy(() => (m.predict(tf.randomUniform([1, s, s, 3])) as tf.Tensor).arraySync() as number[][]);
      expect(y[0].length).toBe(5);
      expect(y[0].every(Number.isFinite)).toBe(true);
    }
    m.dispose();
  });

  it("mixer 'depthwise' swaps the PaCC pairs for 3×3 depthwise convs (no meta kernels / pe left)", () => {
    const m = paccNet({variant: 'xs', mixer: 'depthwise', numClasses: 10, inputShape: [64, 64, 3]});
    const names = m.weights.map((w) => w.originalName);
    expect(names.some((n) => n.includes('meta_'))).toBe(false);
    expect(names.filter((n) => n.includes('/dw_1/')).length).toBe(7);
    const y = tf.tidy(() => (m.predict(tf.randomUniform([1, 64, 64, 3])) as tf.Tensor).dataSync());
    expect(Array.from(y).every(Number.isFinite)).toBe(true);
    m.dispose();
    expect(() => paccNetTorchKeyMap({...PACCNET_CONFIGS.xs, mixer: 'depthwise'})).toThrow(/depthwise/);
  });

  it('builds a custom small design (XS scaled to 28×28 and 32×32 inputs)', () => {
    const config: pacc.models.PaccNetConfig = {
      stemChannels: 16, stemKernel: 3, stemStride: 2, fusion: 'add', expChannels: 128,
      stages: [
        {kind: 'mv2', outChannels: 24, numBlocks: 1, stride: 1, expandRatio: 4},
        {kind: 'frame', outChannels: 48, stride: 2, expandRatio: 4, cfS: 48, ffnDim: 96, numBlocks: 2, metaSize: 8},
        {kind: 'frame', outChannels: 64, stride: 2, expandRatio: 4, cfS: 64, ffnDim: 128, numBlocks: 1, metaSize: 4},
      ],
    };
    const m = paccNet({config, numClasses: 10, inputShape: [null, null, 1 as 3]});
    expect(m.name).toBe('paccnet_custom');
    for (const s of [28, 32]) {
      const y = tf.tidy(() => m.predict(tf.randomUniform([2, s, s, 1])) as tf.Tensor);
      expect(y.shape).toEqual([2, 10]);
      y.dispose();
    }
    m.dispose();
  });

  it('rejects bad options with errors that name them', () => {
    expect(() => paccNet({variant: 'xl' as 's'})).toThrow(/variant/);
    expect(() => paccNet({variant: 'xs', numClasses: 0})).toThrow(/numClasses/);
    const m = paccNet({variant: 'xs', inputShape: [null, null, 3]});
    expect(() => m.predict(tf.zeros([1, 64, 96, 3]))).toThrow(/square/);
    m.dispose();
  });
});

describe('preprocessImage (official eval pipeline)', () => {
  it('resizes the shorter side to 288, centre-crops 256, reverses to BGR and divides by 255', () => {
    // A 288×320 image needs no resize along H; its width becomes floor(288·320/288) = 320: pure crop.
    const h = 288, w = 320;
    const img = tf.tidy(() => {
      const r = tf.tile(tf.reshape(tf.range(0, w, 1, 'int32'), [1, w, 1]), [h, 1, 1]);
      const g = tf.fill([h, w, 1], 7, 'int32');
      const b = tf.tile(tf.reshape(tf.range(0, h, 1, 'int32'), [h, 1, 1]), [1, w, 1]);
      return tf.concat([tf.minimum(r, 255), g, tf.minimum(b, 255)], 2) as tf.Tensor3D;
    });
    const out = preprocessImage(img);
    expect(out.shape).toEqual([1, 256, 256, 3]);
    const a = out.arraySync() as number[][][][];
    // crop offsets (288-256)/2 = 16 rows, (320-256)/2 = 32 columns; channel 0 is blue (the row ramp).
    expect(a[0][0][0][0]).toBeCloseTo(16 / 255, 6);
    expect(a[0][0][0][1]).toBeCloseTo(7 / 255, 6);
    expect(a[0][0][0][2]).toBeCloseTo(32 / 255, 6);
    expect(a[0][10][20][2]).toBeCloseTo(52 / 255, 6);
    tf.dispose([img, out]);
  });

  it('handles landscape and portrait sizes and batches', () => {
    const out = preprocessImage(tf.zeros([2, 600, 400, 3]) as tf.Tensor4D);
    expect(out.shape).toEqual([2, 256, 256, 3]);
    out.dispose();
    expect(() => preprocessImage(tf.zeros([10, 10]) as unknown as tf.Tensor3D)).toThrow(/image/);
  });
});

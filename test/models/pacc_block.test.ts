// PaccBlock against the official gcc_ca_mf_block (EdgeFormer-S layer_4 block 0) at three input sizes, plus PaccConv checks.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';
import '../../src/index';
import {PaccBlock} from '../../src/layers/pacc_block';
import {PaccConv} from '../../src/layers/pacc_conv';
import {paccBlockEntries, torchToTfjs} from '../../src/models/paccnet_torch_keys';
import {expectClose} from '../util/compare';
import {FixtureCase, loadFixture, nchwToNhwc} from '../util/fixtures';


/** The block as a one-layer model with weights loaded from the fixture's state dict through the key map. */
function blockFromFixture(fx: FixtureCase): tf.LayersModel {
  const name = 'blk';
  const input = tf.input({shape: [null, null, 256]});
  const layer = new PaccBlock({dim: 128, metaSize: 16, ffnDim: 512, usePe: true, name});
  const model = tf.model({inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor});
  const entries = paccBlockEntries('', name, 128, 16, 512, true);
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  expect(entries.length).toBe(model.weights.length);
  for (const e of entries) {
    const t = fx.tensors[`sd.${e.torchKey}`];
    expect(t, `fixture tensor sd.${e.torchKey}`).toBeDefined();
    expect(t.shape).toEqual(e.torchShape);
    const v = byName.get(e.tfjsName);
    expect(v, `weight ${e.tfjsName}`).toBeDefined();
    const {shape, data} = torchToTfjs(t.data, t.shape, e.transform);
    expect(shape).toEqual(v!.shape);
    v!.write(tf.tensor(data, shape));
  }
  return model;
}

describe.each(['cpu', 'wasm'])('PaccBlock parity with PyTorch (%s)', (backend) => {
  let fx: FixtureCase;
  beforeAll(async () => {
    await tf.setBackend(backend);
    fx = await loadFixture('block_s_layer4_b0');
  });

  it('has the official parameter count 289,056', () => {
    const m = blockFromFixture(fx);
    expect(m.countParams() - m.nonTrainableWeights.reduce((a, w) => a + w.shape.reduce((p, d) => p! * d!, 1)!, 0)).toBe(289_056);
    m.dispose();
  });

  for (const i of [0, 1, 2]) {
    it(`matches y${i} within 1e-4 relative`, () => {
      const m = blockFromFixture(fx);
      const x = nchwToNhwc(fx.tensors[`x${i}`]);
      const want = nchwToNhwc(fx.tensors[`y${i}`]);
      const y = tf.tidy(() => (m.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync());
      expectClose(y, want.data, 1e-4, `block y${i} [${x.shape}]`);
      m.dispose();
    });
  }
});

describe('PaccConv', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('resizes its meta kernel to the input and matches the op with the resized tensors', () => {
    const input = tf.input({shape: [null, null, 4]});
    const layer = new PaccConv({direction: 'w', metaSize: 6, usePe: true, useBias: true, name: 'pc'});
    const model = tf.model({inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor});
    const [k, pe, b] = layer.getWeights();
    expect(k.shape).toEqual([6, 4]);
    for (const s of [3, 6, 9]) {
      tf.tidy(() => {
        const x = tf.randomNormal([2, 5, s, 4]);
        const want = tf.tidy(() => {
          const rk = tf.tidy(() => tf.image.resizeBilinear(tf.reshape(k, [1, 6, 4, 1]) as tf.Tensor4D, [s, 4], true).reshape([s, 4]));
          const rp = tf.image.resizeBilinear(tf.reshape(pe, [1, 6, 4, 1]) as tf.Tensor4D, [s, 4], true).reshape([s, 4]);
          // Reference by rolls: y = b + Σ_k w[k]·roll(x+pe, -k, W).
          const xp = tf.add(x, tf.reshape(rp, [1, 1, s, 4]));
          let acc = tf.add(tf.zerosLike(x), b);
          for (let t = 0; t < s; t++) {
            const rolled = tf.concat([tf.slice(xp, [0, 0, t, 0], [-1, -1, s - t, -1]), tf.slice(xp, [0, 0, 0, 0], [-1, -1, t, -1])], 2);
            acc = tf.add(acc, tf.mul(rolled, tf.slice(rk, [t, 0], [1, 4]).reshape([1, 1, 1, 4])));
          }
          return acc;
        });
        const y = model.predict(x) as tf.Tensor;
        expectClose(y.dataSync(), want.dataSync(), 1e-5, `PaccConv s=${s}`);
      });
    }
    model.dispose();
  });

  it('rejects crop beyond the meta size and unknown directions with clear errors', () => {
    expect(() => new PaccConv({direction: 'x' as 'h', metaSize: 4})).toThrow(/direction/);
    const l = new PaccConv({direction: 'h', metaSize: 4, method: 'crop', name: 'pcc'});
    const input = tf.input({shape: [null, null, 2]});
    const m = tf.model({inputs: input, outputs: l.apply(input) as tf.SymbolicTensor});
    expect(() => m.predict(tf.zeros([1, 6, 6, 2]))).toThrow(/crop.*metaSize 4.*\[1,6,6,2\]/);
    m.dispose();
  });
});

// DeepLabV3 head alone vs the official deeplab_s_head_aspp32 fixture (ASPP with dilated branches, image pooling, classifier, ×16 bilinear upsampling).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {applyTorchStateDict} from '../../converters/torch/apply';
import {readTorchCheckpoint} from '../../converters/torch/checkpoint';
import {deepLabV3HeadTorchEntries} from '../../src/models/deeplabv3_torch_keys';
import {FixtureCase, fixtureReader, loadFixture, nchwToNhwc} from '../util/fixtures';
import {expectClose} from '../util/compare';

const read = fixtureReader('seg');

for (const backend of ['cpu', 'wasm']) {
  describe(`DeepLabV3 head vs the official fixture (ASPP width 32) on ${backend}`, () => {
    let fx: FixtureCase;
    let head: tf.LayersModel;
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      fx = await loadFixture(read, 'deeplab_s_head_aspp32');
      expect(fx.attrs.aspp_out_channels).toBe(32);
      const input = tf.input({shape: [null, null, 160]});
      const out = pacc.models.deepLabV3Head(input, {numClasses: 21, outputStride: 16, asppChannels: 32});
      head = tf.model({inputs: input, outputs: [out.aspp, out.logitsLow, out.logits]});
      const sd = readTorchCheckpoint(new Uint8Array(await read('deeplab_s_head_aspp32.pt')));
      const res = applyTorchStateDict(head, sd.tensors, {entries: deepLabV3HeadTorchEntries(160, 21, 32), ignore: (k) => k.endsWith('num_batches_tracked')});
      expect(res.loaded).toBe(head.weights.length);
    });

    it('aspp_out, logits_before_upsample and the ×16 upsampled logits [2, 48, 64, 21] equal the official float64 forward', () => {
      const x = nchwToNhwc(fx.tensors.out_l5);
      const before = tf.memory().numTensors;
      const xt = tf.tensor4d(x.data, x.shape as [number, number, number, number]);
      const [aspp, low, logits] = head.predict(xt) as tf.Tensor[];
      expect(logits.shape).toEqual([2, 48, 64, 21]);
      expectClose(aspp.dataSync(), nchwToNhwc(fx.tensors.aspp_out).data, 1e-5, 'aspp_out');
      expectClose(low.dataSync(), nchwToNhwc(fx.tensors.logits_before_upsample).data, 1e-5, 'logits_before_upsample');
      const want = nchwToNhwc(fx.tensors.logits).data;
      expectClose(logits.dataSync(), want, 1e-5, 'logits');
      const got = logits.dataSync();
      let maxAbs = 0;
      for (let i = 0; i < got.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
      expect(maxAbs).toBeLessThan(1e-4);
      tf.dispose([xt, aspp, low, logits]);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('tf.image.resizeBilinear with halfPixelCenters gives the same ×16 upsampling as PyTorch (scale_factor=16, align_corners=False)', () => {
      const low = nchwToNhwc(fx.tensors.logits_before_upsample);
      const up = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(low.data, low.shape as [number, number, number, number]), [48, 64], false, true));
      expectClose(up.dataSync(), nchwToNhwc(fx.tensors.logits).data, 1e-5, 'resizeBilinear(halfPixelCenters)');
      up.dispose();
    });
  });
}

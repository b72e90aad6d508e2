// outer_small_{add,concat}.pt (official outer_frame_v1 state_dicts) through the reader and key-map loader into outerFrame, against the float64 forward.
import {describe, expect, it} from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import {Tensor, tensor4d, tidy} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/index';
import {outerFrame, gcd} from '../../src/models/blocks/outer_frame';
import {batchNormEntries, convLayerEntries, paccBlockEntries} from '../../src/models/paccnet_torch_keys';
import type {TorchKeyMap} from '../../src/models/torch_keymap';
import {applyTorchStateDict} from '../../converters/torch/apply';
import {readTorchCheckpoint} from '../../converters/torch/checkpoint';
import {loadFixture, nchwToNhwc, readFixture} from '../util/fixtures';
import {relError} from '../util/compare';

// Sizes from the fixture description: in 32, cf_s 64, ffn 128, 2 blocks, meta 16.
const CIN = 32, CFS = 64, FFN = 128, BLOCKS = 2, META = 16;

/** The frame's own state_dict has no module prefix; the tfjs layers are named `frame.*`. */
function frameKeyMap(fusion: 'add' | 'concat'): TorchKeyMap {
  const f = 'frame', g = gcd(CFS, CIN);
  const entries = [
    ...convLayerEntries(`${f}.dim_adaptive.0`, CIN, CFS, 3, g),
    ...convLayerEntries(`${f}.dim_adaptive.1`, CFS, CFS, 1, 1, false),
    ...Array.from({length: BLOCKS}, (_, b) => paccBlockEntries(`${f}.spatial_global_rep.${b}`, `${f}.spatial_global_rep.${b}`, CFS / 2, META, FFN, b === 0)).flat(),
    ...batchNormEntries(`${f}.spatial_global_rep.${BLOCKS}`, `${f}.spatial_global_rep.${BLOCKS}`, CFS),
    ...convLayerEntries(`${f}.channel_adaptive`, CFS, CIN, 1, g),
    ...convLayerEntries(`${f}.local_global_fusion`, fusion === 'concat' ? 2 * CIN : CIN, CIN, 3),
  ].map((e) => ({...e, torchKey: e.torchKey.slice(f.length + 1)}));
  return {entries, ignore: (k) => k.endsWith('num_batches_tracked')};
}

describe('outer_frame_v1 checkpoints', () => {
  for (const fusion of ['add', 'concat'] as const) {
    it(`outer_small_${fusion}.pt: every key loads and both inputs match within 1e-5`, async () => {
      const input = tfl.input({shape: [null, null, CIN]});
      const model = tfl.model({inputs: input, outputs: outerFrame(input, {cfS: CFS, ffnDim: FFN, numBlocks: BLOCKS, metaSize: META, fusion, name: 'frame'})});
      const sd = readTorchCheckpoint(new Uint8Array(await readFixture(`outer_small_${fusion}.pt`)));
      const res = applyTorchStateDict(model, sd.tensors, frameKeyMap(fusion), `outer_small_${fusion}`);
      expect(res.loaded + res.ignored.length).toBe(sd.tensors.size);
      const fx = await loadFixture(`outer_small_${fusion}`);
      for (const i of [0, 1]) {
        const x = nchwToNhwc(fx.tensors[`x${i}`]);
        const y = tidy(() => (model.predict(tensor4d(x.data, x.shape as [number, number, number, number])) as Tensor).dataSync());
        const err = relError(y, nchwToNhwc(fx.tensors[`y${i}`]).data);
        expect(err, `x${i} ${x.shape}: relative error ${err.toExponential(2)}`).toBeLessThanOrEqual(1e-5);
      }
      model.dispose();
    });
  }
});

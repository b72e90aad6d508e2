// Hostile checkpoints: rejected by structure before any storage is inflated, with our errors.
import {describe, expect, it} from 'vitest';
import {zipSync} from 'fflate';
import '@tensorflow/tfjs-backend-cpu';
import {readTorchCheckpoint} from '../../converters/torch/checkpoint';
import {readZip} from '../../converters/torch/zip';
import {convertTorchCheckpoint} from '../../converters/torch/from_checkpoint';
import {makeBomb} from '../../scripts/reliability/make_bomb';
import {statePickle} from '../converters/torch_writer';

describe('checkpoints are checked before they are inflated', () => {
  // 64 MiB of zeros in a ~64 KiB file: small enough for CI, the same shape as the 1 GiB case.
  const bomb = makeBomb(2 ** 24);

  it('the structure (shape, dtype) is read without inflating the storage', () => {
    const before = process.memoryUsage().arrayBuffers;
    const sd = readTorchCheckpoint(bomb);
    const t = sd.tensors.get('conv_1.block.conv.weight')!;
    expect(t.shape).toEqual([2 ** 24]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    expect(t.data.length).toBe(2 ** 24); // inflated (bounded by the declared size) only when read
  });

  it('a bomb that does not fit the architecture is rejected with nothing inflated', () => {
    const before = process.memoryUsage().arrayBuffers;
    expect(() => convertTorchCheckpoint(bomb, {arch: 'paccnet-xs'})).toThrow(/fromTorchCheckpoint\(paccnet-xs\): the state_dict does not match the model/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
  });

  it('a storage record larger than its declared numel is refused', () => {
    const pkl = statePickle([['w', {dtype: 'float32', storage: [], declaredNumel: 2, shape: [2]}]], ['0']);
    const pt = zipSync({'archive/data.pkl': pkl, 'archive/data/0': new Uint8Array(4096), 'archive/version': new TextEncoder().encode('3\n')}, {level: 0});
    expect(() => readTorchCheckpoint(pt)).toThrow(/storage '0' .* declares 2 elements = 8 bytes but its record 'archive\/data\/0' holds 4096/);
  });

  it('a deflated member claiming more than 1032x its compressed size is refused before allocation', () => {
    const pt = zipSync({'archive/data.pkl': new Uint8Array(1000)}, {level: 9});
    const dv = new DataView(pt.buffer);
    // Central directory entry: patch the uncompressed size field (offset 24) to 1 GiB.
    let p = -1;
    for (let i = 0; i < pt.length - 4; i++) if (dv.getUint32(i, true) === 0x02014b50) p = i;
    expect(p).toBeGreaterThan(0);
    dv.setUint32(p + 24, 2 ** 30, true);
    expect(() => readZip(pt)).toThrow(/claims 1073741824 bytes from \d+ compressed, beyond deflate's 1032:1 limit/);
  });

  it('a zip64 locator pointing past the end is our error', () => {
    const pt = zipSync({'a': new Uint8Array(10)}, {level: 0});
    const out = new Uint8Array(pt.length + 20);
    const eocd = pt.length - 22;
    out.set(pt.subarray(0, eocd));
    const dv = new DataView(out.buffer);
    dv.setUint32(eocd, 0x07064b50, true);          // zip64 locator
    dv.setBigUint64(eocd + 8, 2n ** 40n, true);     // zip64 end record offset far beyond the file
    out.set(pt.subarray(eocd), eocd + 20);
    expect(() => readZip(out)).toThrow(/torch checkpoint: corrupt or truncated zip archive/);
  });
});

// The torch.save reader: official fixtures, layouts and dtypes, and every corruption / security refusal.
import {describe, expect, it} from 'vitest';
import {unzipSync, zipSync} from 'fflate';
import {readTorchCheckpoint} from '../../converters/torch/checkpoint';
import {PickleAsm, f32, writeTorchCheckpoint, zipWithPickle} from './torch_writer';
import {rng} from '../util/compare';
import {readFixture, readFixtureF32, readFixtureText} from '../util/fixtures';

const bytesOf = async (f: string) => new Uint8Array(await readFixture(f));
/** Per-tensor shape, sum, |sum| and first values from an independent Python reader (make_reader_oracle.py). */
const oracle: Record<string, Record<string, {shape: number[]; sum: number; abssum: number; first: number[]}>> =
  JSON.parse(await readFixtureText('torch_reader_oracle.json'));

describe('official fixtures', () => {
  it('block_s_layer4_b0.pt equals its sd.*.bin tensors bit for bit', async () => {
    const sd = readTorchCheckpoint(await bytesOf('block_s_layer4_b0.pt'));
    const manifest = JSON.parse(await readFixtureText('block_s_layer4_b0.json'));
    const sdNames = Object.keys(manifest.tensors).filter((n) => n.startsWith('sd.')).map((n) => n.slice(3));
    expect(sdNames.length).toBeGreaterThan(30);
    for (const key of sdNames) {
      const t = sd.tensors.get(key);
      expect(t, key).toBeDefined();
      expect(t!.shape, key).toEqual(manifest.tensors[`sd.${key}`].shape);
      expect(Array.from(t!.data), key).toEqual(Array.from(await readFixtureF32(manifest.tensors[`sd.${key}`].file)));
    }
    // The bins omit the int64 counters; the reader must still decode them.
    const counters = [...sd.tensors].filter(([k]) => k.endsWith('num_batches_tracked'));
    expect(counters.length).toBe(sd.tensors.size - sdNames.length);
    for (const [, t] of counters) { expect(t.dtype).toBe('int64'); expect(t.shape).toEqual([]); }
    expect(sd.plainDict).toBe(false);
    const buf = await bytesOf('block_s_layer4_b0.pt');
    expect(readTorchCheckpoint(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)).tensors.size).toBe(sd.tensors.size);
  });

  for (const name of ['outer_small_add', 'outer_small_concat', 'edgeformer_xs']) {
    it(`${name}.pt matches the independent Python reader`, async () => {
      const sd = readTorchCheckpoint(await bytesOf(`${name}.pt`));
      const ref = oracle[name];
      expect([...sd.tensors.keys()]).toEqual(Object.keys(ref));
      for (const [k, t] of sd.tensors) {
        expect(t.shape, k).toEqual(ref[k].shape);
        let sum = 0, abs = 0;
        for (const v of t.data) { sum += v; abs += Math.abs(v); }
        expect(Math.abs(sum - ref[k].sum), k).toBeLessThanOrEqual(1e-9 * Math.max(1, ref[k].abssum));
        expect(Math.abs(abs - ref[k].abssum), k).toBeLessThanOrEqual(1e-9 * Math.max(1, ref[k].abssum));
        expect(Array.from(t.data.subarray(0, 3)), k).toEqual(ref[k].first);
      }
    });
  }

  it('edgeformer_xs.pt: 487 keys, residual.* alias layer_5.0.*', async () => {
    const sd = readTorchCheckpoint(await bytesOf('edgeformer_xs.pt'));
    expect(sd.tensors.size).toBe(487);
    const residual = [...sd.tensors.keys()].filter((k) => k.startsWith('residual.'));
    expect(residual.length).toBe(18);
    for (const k of residual) expect(sd.tensors.get(k)!.data).toEqual(sd.tensors.get(k.replace('residual.', 'layer_5.0.'))!.data);
  });
});

describe('layouts and dtypes', () => {
  it('reads strided views, offsets, shared storages and every writer dtype', () => {
    const base = Array.from({length: 12}, (_, i) => i - 5.5);
    const bytes = writeTorchCheckpoint([
      ['a', {dtype: 'float32', storage: base, shape: [3, 4]}],
      ['aT', {dtype: 'float32', storage: base, shape: [4, 3], stride: [1, 4], storageKey: 'x'}],
      ['row1', {dtype: 'float32', storage: base, shape: [4], offset: 4, storageKey: 'x'}],
      ['col2', {dtype: 'float32', storage: base, shape: [3], stride: [4], offset: 2, storageKey: 'x'}],
      ['half', {dtype: 'float16', storage: [1.5, -0.25, 65504, 2 ** -24], shape: [2, 2]}],
      ['double', {dtype: 'float64', storage: [0.1, 1e300], shape: [2]}],
      ['long', {dtype: 'int64', storage: [7, -3], shape: [2]}],
      ['scalar', {dtype: 'int64', storage: [42], shape: []}],
      ['empty', {dtype: 'float32', storage: [], shape: [0, 3]}],
    ]);
    const t = readTorchCheckpoint(bytes).tensors;
    expect(Array.from(t.get('a')!.data)).toEqual(base);
    expect(Array.from(t.get('aT')!.data)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11].map((i) => base[i]));
    expect(Array.from(t.get('row1')!.data)).toEqual(base.slice(4, 8));
    expect(Array.from(t.get('col2')!.data)).toEqual([2, 6, 10].map((i) => base[i]));
    expect(Array.from(t.get('half')!.data)).toEqual([1.5, -0.25, 65504, 2 ** -24]);
    expect(t.get('double')!.dtype).toBe('float64');
    expect(Array.from(t.get('double')!.data)).toEqual([0.1, 1e300]);
    expect(Array.from(t.get('long')!.data)).toEqual([7, -3]);
    expect(t.get('scalar')!.shape).toEqual([]);
    expect(Array.from(t.get('scalar')!.data)).toEqual([42]);
    expect(t.get('empty')!.data.length).toBe(0);
  });

  it('plain dict (ema-average layout) vs OrderedDict, and wrapped state_dicts', () => {
    const sd = {w: f32([2], [1, 2])};
    expect(readTorchCheckpoint(writeTorchCheckpoint(sd, {ordered: false})).plainDict).toBe(true);
    expect(readTorchCheckpoint(writeTorchCheckpoint(sd, {ordered: true})).plainDict).toBe(false);
    const wrapped = readTorchCheckpoint(writeTorchCheckpoint(sd, {wrapper: 'state_dict'}));
    expect(wrapped.wrapperKey).toBe('state_dict');
    expect(Array.from(wrapped.tensors.get('w')!.data)).toEqual([1, 2]);
  });
});

describe('refuses hostile and broken files', () => {
  const good = writeTorchCheckpoint({w: f32([2, 2], [1, 2, 3, 4])});

  it('GLOBAL os.system is refused by name, never resolved', () => {
    const pkl = new PickleAsm().proto(2).global('os', 'system').str('touch /tmp/pwned').op(0x85).reduce().op(0x2e).bytes();
    expect(() => readTorchCheckpoint(zipWithPickle(pkl))).toThrow(/refusing global 'os\.system'/);
  });

  it('STACK_GLOBAL builtins.eval is refused by name', () => {
    const pkl = new PickleAsm().proto(4).str('builtins').str('eval').op(0x93).str('1+1').op(0x85).reduce().op(0x2e).bytes();
    expect(() => readTorchCheckpoint(zipWithPickle(pkl))).toThrow(/refusing global 'builtins\.eval'/);
  });

  it('other object-building opcodes are refused', () => {
    const inst = new PickleAsm().proto(2).mark().op(0x69).bytes(); // INST
    expect(() => readTorchCheckpoint(zipWithPickle(inst))).toThrow(/unsupported pickle opcode INST/);
    const reduceStorageType = new PickleAsm().proto(2).global('torch', 'FloatStorage').emptyTuple().reduce().op(0x2e).bytes();
    expect(() => readTorchCheckpoint(zipWithPickle(reduceStorageType))).toThrow(/torch\.FloatStorage is allowed only as a storage type/);
  });

  it('truncated archives', () => {
    for (const cut of [good.length - 10, Math.floor(good.length / 2), 30]) {
      expect(() => readTorchCheckpoint(good.subarray(0, cut)), `cut at ${cut}`).toThrow(/corrupt or truncated zip/);
    }
  });

  it('a flipped byte in a tensor fails the CRC', () => {
    const bad = good.slice();
    const at = indexOfBytes(bad, new Uint8Array(new Float32Array([3]).buffer));
    bad[at] ^= 0x40;
    // Storages are inflated and verified when their data is first read (the structure is checked up front).
    expect(() => [...readTorchCheckpoint(bad).tensors.values()].forEach((t) => t.data)).toThrow(/CRC-32 mismatch in member 'archive\/data\/0'/);
  });

  it('a deflated member is inflated, checked, and size-capped', () => {
    const sd = new Map(Object.entries(unzipSync(good)));
    const deflated = zipSync(Object.fromEntries([...sd].map(([k, v]) => [k, [v, {level: 6}]])));
    expect(Array.from(readTorchCheckpoint(deflated).tensors.get('w')!.data)).toEqual([1, 2, 3, 4]);
    // Claim a 3 GB uncompressed size in the central directory entry of the first member.
    const bomb = deflated.slice();
    const dv = new DataView(bomb.buffer);
    const cd = dv.getUint32(bomb.length - 22 + 16, true);
    dv.setUint32(cd + 24, 3e9, true);
    expect(() => readTorchCheckpoint(bomb)).toThrow(/claims to inflate to 3000000000 bytes/);
  });

  it('oversized integers are refused before any work', () => {
    const pkl = new PickleAsm().proto(2).op(0x8b, 0, 0, 0x10, 0).bytes(); // LONG4 claiming 1 MiB
    expect(() => readTorchCheckpoint(zipWithPickle(pkl))).toThrow(/integer of 1048576 bytes/);
  });

  it('a truncated pickle inside a valid zip', () => {
    const pkl = new PickleAsm().proto(2).str('abc').bytes().subarray(0, 6);
    expect(() => readTorchCheckpoint(zipWithPickle(pkl))).toThrow(/pickle data truncated/);
  });

  it('unknown storage types', () => {
    const bytes = writeTorchCheckpoint({w: f32([2], [1, 2])}, {storageClass: () => 'ComplexFloatStorage'});
    expect(() => readTorchCheckpoint(bytes)).toThrow(/unknown storage type torch\.ComplexFloatStorage/);
  });

  it('tensor views outside their storage', () => {
    const over = writeTorchCheckpoint({w: {dtype: 'float32', storage: [1, 2, 3, 4], shape: [2, 3]}});
    expect(() => readTorchCheckpoint(over)).toThrow(/tensor 'w' \(shape \[2,3\], strides \[3,1\], offset 0\) reaches element 5 but its storage '0' has 4 elements/);
    const offset = writeTorchCheckpoint({w: {dtype: 'float32', storage: [1, 2, 3, 4], shape: [2], offset: 3}});
    expect(() => readTorchCheckpoint(offset)).toThrow(/reaches element 4/);
    const strided = writeTorchCheckpoint({w: {dtype: 'float32', storage: [1, 2, 3, 4], shape: [2, 2], stride: [3, 1]}});
    expect(() => readTorchCheckpoint(strided)).toThrow(/reaches element 4/);
    const broadcast = writeTorchCheckpoint({w: {dtype: 'float32', storage: [1], shape: [100000, 100000], stride: [0, 0]}});
    expect(() => readTorchCheckpoint(broadcast)).toThrow(/tensor 'w' \(shape \[100000,100000\]\) has 10000000000 elements, more than the 268435456/);
    const lying = writeTorchCheckpoint({w: {dtype: 'float32', storage: [1, 2], shape: [4], declaredNumel: 4}});
    expect(() => readTorchCheckpoint(lying)).toThrow(/declares 4 elements = 16 bytes but its record has 8/);
  });

  it('missing storage records, legacy files, non-zips and non-state_dicts', () => {
    const pkl = writeTorchCheckpoint({w: f32([1], [1])});
    const onlyPickle = zipWithPickle(readZipMember(pkl, 'archive/data.pkl'));
    expect(() => readTorchCheckpoint(onlyPickle)).toThrow(/storage record 'archive\/data\/0' is missing/);
    expect(() => readTorchCheckpoint(Uint8Array.of(0x80, 0x02, 0x8a, 0x0a))).toThrow(/legacy \(pre-1\.6\)/);
    expect(() => readTorchCheckpoint(new TextEncoder().encode('hello world'))).toThrow(/not a torch\.save zip archive/);
    const notDict = new PickleAsm().proto(2).int(5).op(0x2e).bytes();
    expect(() => readTorchCheckpoint(zipWithPickle(notDict))).toThrow(/expected a state_dict \(a dict of tensors\), found number/);
  });
});

describe('fuzz: random byte corruption', () => {
  it('every corrupted file either reads back the same tensors or fails with a torch checkpoint error', () => {
    const good = writeTorchCheckpoint({a: f32([2, 3], [1, 2, 3, 4, 5, 6]), b: {dtype: 'int64', storage: [5], shape: []}});
    const dump = (b: Uint8Array) => JSON.stringify([...readTorchCheckpoint(b).tensors].map(([k, v]) => [k, v.shape, Array.from(v.data)]));
    const ref = dump(good);
    const r = rng(1);
    const surprises: string[] = [];
    let rejected = 0;
    for (let t = 0; t < 3000; t++) {
      const bad = good.slice();
      for (let i = r.int(1, 3); i > 0; i--) bad[r.int(0, bad.length - 1)] = r.int(0, 255);
      try {
        // Bytes outside what is read (timestamps, local-header copies) may change harmlessly.
        if (dump(bad) !== ref) surprises.push(`case ${t}: different tensors accepted`);
      } catch (e) {
        rejected++;
        if (!(e instanceof Error) || !e.message.startsWith('torch checkpoint:')) surprises.push(`case ${t}: ${String(e)}`);
      }
    }
    expect(surprises.slice(0, 5)).toEqual([]);
    expect(rejected).toBeGreaterThan(2000);
  });
});

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('needle not found');
}

function readZipMember(zip: Uint8Array, name: string): Uint8Array {
  // Members are stored, so the pickle's bytes can be found between its local header and the next.
  const enc = new TextEncoder().encode(name);
  const at = indexOfBytes(zip, enc);
  const dv = new DataView(zip.buffer, zip.byteOffset);
  const start = at - 30;
  const size = dv.getUint32(start + 18, true);
  const dataStart = start + 30 + dv.getUint16(start + 26, true) + dv.getUint16(start + 28, true);
  return zip.slice(dataStart, dataStart + size);
}

// Test helper: a minimal torch.save writer (zip + pickle protocol 2) and a pickle assembler for hostile files.
import {zipSync} from 'fflate';

export type WriteDtype = 'float32' | 'float16' | 'float64' | 'int64';
const STORAGE: Record<WriteDtype, string> = {float32: 'FloatStorage', float16: 'HalfStorage', float64: 'DoubleStorage', int64: 'LongStorage'};
const SIZE: Record<WriteDtype, number> = {float32: 4, float16: 2, float64: 8, int64: 8};

/** One state_dict entry: a view (shape, strides, offset) into a storage, as torch pickles it. */
export interface WriteTensor {
  dtype: WriteDtype;
  /** Storage contents (numbers, encoded to dtype). */
  storage: ArrayLike<number>;
  shape: number[];
  /** Defaults to row-major. */
  stride?: number[];
  offset?: number;
  /** Tensors that give the same key share one storage (torch's aliasing, e.g. `residual.*`). */
  storageKey?: string;
  /** The numel written into the persistent id; defaults to the storage length (lets tests lie). */
  declaredNumel?: number;
}

export interface WriteOptions {
  /** OrderedDict as `model.state_dict()` produces, or a plain dict like checkpoint_ema_avg.pt. */
  ordered?: boolean;
  archiveName?: string;
  /** Overrides the storage class name (to test unknown types). */
  storageClass?: (t: WriteTensor) => string;
  /** Nest the state_dict in `{[wrapper]: sd}`. */
  wrapper?: string;
}

/** Emits pickle opcodes; only what the writer and the hostile-pickle tests need. */
export class PickleAsm {
  private out: number[] = [];
  op(...bytes: number[]) { this.out.push(...bytes); return this; }
  proto(p = 2) { return this.op(0x80, p); }
  mark() { return this.op(0x28); }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.op(0x58, ...u32(b.length));
    this.out.push(...b);
    return this;
  }
  int(n: number) { return this.op(0x4a, ...u32(n)); }
  global(module: string, name: string) {
    this.op(0x63);
    this.out.push(...new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }
  tuple() { return this.op(0x74); }
  emptyTuple() { return this.op(0x29); }
  reduce() { return this.op(0x52); }
  bytes(): Uint8Array { return Uint8Array.from(this.out); }
}

function u32(n: number) { return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]; }

function float16Bits(x: number): number {
  const f = new Float32Array([x]), u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000, exp = ((u >>> 23) & 0xff) - 127 + 15, mant = u & 0x7fffff;
  if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp));
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | Math.round(mant / 8192); // tests use exactly representable values
}

function encode(dtype: WriteDtype, values: ArrayLike<number>): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(Float32Array.from(values).buffer); // little-endian hosts only
  if (dtype === 'float64') return new Uint8Array(Float64Array.from(values).buffer);
  const out = new Uint8Array(values.length * SIZE[dtype]);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'int64') dv.setBigInt64(i * 8, BigInt(values[i]), true);
    else dv.setUint16(i * 2, float16Bits(values[i]), true);
  }
  return out;
}

const rowMajor = (shape: number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/** The pickle program torch.save writes for a state_dict (same opcodes, no memo). */
export function statePickle(entries: [string, WriteTensor][], keys: string[], opts: WriteOptions = {}): Uint8Array {
  const a = new PickleAsm().proto(2);
  if (opts.wrapper) a.op(0x7d).str(opts.wrapper);
  if (opts.ordered ?? true) a.global('collections', 'OrderedDict').emptyTuple().reduce();
  else a.op(0x7d);
  a.mark();
  entries.forEach(([name, t], i) => {
    a.str(name).global('torch._utils', '_rebuild_tensor_v2').mark();
    a.mark().str('storage').global('torch', opts.storageClass?.(t) ?? STORAGE[t.dtype]).str(keys[i]).str('cpu')
      .int(t.declaredNumel ?? t.storage.length).tuple().op(0x51);
    a.int(t.offset ?? 0);
    a.mark(); t.shape.forEach((s) => a.int(s)); a.tuple();
    a.mark(); (t.stride ?? rowMajor(t.shape)).forEach((s) => a.int(s)); a.tuple();
    a.op(0x89).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  });
  a.op(0x75);
  if (opts.wrapper) a.op(0x73);
  return a.op(0x2e).bytes();
}

/** Builds the bytes of `torch.save(sd, f)` (zip format, stored members, like torch's own writer). */
export function writeTorchCheckpoint(sd: Record<string, WriteTensor> | [string, WriteTensor][], opts: WriteOptions = {}): Uint8Array {
  const entries = Array.isArray(sd) ? sd : Object.entries(sd);
  const name = opts.archiveName ?? 'archive';
  const files: Record<string, Uint8Array> = {};
  const keyOf = new Map<string, string>();
  const keys = entries.map(([, t]) => {
    const shared = t.storageKey;
    if (shared && keyOf.has(shared)) return keyOf.get(shared)!;
    const key = String(Object.keys(files).length);
    files[`${name}/data/${key}`] = encode(t.dtype, t.storage);
    if (shared) keyOf.set(shared, key);
    return key;
  });
  const pkl = statePickle(entries, keys, opts);
  return zipSync({[`${name}/data.pkl`]: pkl, ...files, [`${name}/version`]: new TextEncoder().encode('3\n')}, {level: 0});
}

/** A zip holding an arbitrary pickle as `archive/data.pkl` plus given records. */
export function zipWithPickle(pkl: Uint8Array, records: Record<string, Uint8Array> = {}): Uint8Array {
  return zipSync({'archive/data.pkl': pkl, ...records, 'archive/version': new TextEncoder().encode('3\n')}, {level: 0});
}

/** Plain float32 tensor in the writer's format. */
export function f32(shape: number[], values: ArrayLike<number>): WriteTensor {
  return {dtype: 'float32', storage: values, shape};
}

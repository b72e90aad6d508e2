// Reads a torch.save state_dict (zip format, torch >= 1.6) into named dense tensors, without executing anything.
import {readZip, ZipEntry} from './zip';
import {unpickle, PyDict, PyGlobal, PyObject, PyTuple, PyValue, PickleHost, describe} from './pickle';
import {STORAGE_DTYPES, ITEM_SIZE, TorchDtype, elementReader} from './dtypes';

/** A dense, row-major copy of a checkpoint tensor. Integer and float64 tensors keep float64 values. */
export interface TorchTensor {
  dtype: TorchDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** The tensors of a checkpoint in file order; `plainDict` tells a bare `dict` (ema-average files) from an OrderedDict. */
export interface TorchStateDict {
  tensors: Map<string, TorchTensor>;
  plainDict: boolean;
  /** The key of the wrapper dict the tensors were found under (`state_dict`, `model`...), if any. */
  wrapperKey?: string;
}

/** `bytes` is a getter: the record is inflated only when a tensor's data is first read. */
interface Storage { key: string; dtype: TorchDtype; numel: number; readonly bytes: Uint8Array; }
interface TensorView { storage: Storage; offset: number; shape: number[]; stride: number[]; }

const REBUILDERS = new Set(['_rebuild_tensor_v2', '_rebuild_tensor', '_rebuild_parameter', '_rebuild_parameter_with_state']);
/** 2^28 elements (1 GiB of float32) per tensor: far above any model here, far below a crash. */
const MAX_ELEMENTS = 2 ** 28;
/** Wrapper keys training scripts commonly nest a state_dict under. */
const WRAPPER_KEYS = ['state_dict', 'model', 'model_state_dict', 'model_ema', 'ema', 'net'];

/** The fixed allow-list: names only, none of them is ever resolved or executed. */
export function isAllowedGlobal(module: string, name: string): boolean {
  if (module === 'collections' && name === 'OrderedDict') return true;
  if (module === 'torch._utils' && REBUILDERS.has(name)) return true;
  // Any torch.*Storage name is accepted as a token so that an unknown one gets the precise
  // "unknown storage type" error when it is used, rather than a generic refusal.
  return module === 'torch' && /^[A-Za-z0-9]+Storage$/.test(name);
}

function intList(v: PyValue, what: string): number[] {
  if (!(v instanceof PyTuple) && !Array.isArray(v)) throw new Error(`${what} must be a tuple of ints, got ${describe(v)}`);
  const items = v instanceof PyTuple ? v.items : v;
  return items.map((x, i) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new Error(`${what}[${i}] must be a non-negative int, got ${String(x)}`);
    return x;
  });
}

function makeHost(records: Map<string, ZipEntry>, prefix: string): PickleHost {
  const storages = new Map<string, Storage>();
  return {
    allowGlobal: isAllowedGlobal,
    call(fn: PyGlobal, args: PyValue[]): PyValue {
      if (fn.module === 'collections') {
        if (args.length) throw new Error('OrderedDict with constructor arguments is not produced by torch.save');
        return new PyDict(true);
      }
      if (fn.module === 'torch._utils' && (fn.name === '_rebuild_tensor_v2' || fn.name === '_rebuild_tensor')) {
        const [storage, offset, size, stride] = args;
        if (args.length < 4) throw new Error(`expected at least 4 arguments, got ${args.length}`);
        if (!(storage instanceof PyObject) || storage.kind !== 'storage') throw new Error(`argument 0 must be a storage, got ${describe(storage)}`);
        if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new Error(`storage offset must be a non-negative int, got ${String(offset)}`);
        const shape = intList(size, 'size'), strides = intList(stride, 'stride');
        if (shape.length !== strides.length) throw new Error(`size [${shape}] and stride [${strides}] differ in rank`);
        const view: TensorView = {storage: storage.value as Storage, offset, shape, stride: strides};
        return new PyObject('tensor', view);
      }
      if (fn.module === 'torch._utils' && fn.name.startsWith('_rebuild_parameter')) {
        const data = args[0];
        if (!(data instanceof PyObject) || data.kind !== 'tensor') throw new Error(`argument 0 must be a tensor, got ${describe(data)}`);
        return data;
      }
      throw new Error(`${fn.qualified} is allowed only as a storage type, not as a call`);
    },
    persistentLoad(pid: PyValue): PyValue {
      if (!(pid instanceof PyTuple) || pid.items.length !== 5 || pid.items[0] !== 'storage') {
        throw new Error(`torch checkpoint: unexpected persistent id ${describe(pid)}; expected ('storage', type, key, location, numel)`);
      }
      const [, type, key, , numel] = pid.items;
      if (!(type instanceof PyGlobal) || type.module !== 'torch' || !(type.name in STORAGE_DTYPES)) {
        throw new Error(`torch checkpoint: unknown storage type ${type instanceof PyGlobal ? type.qualified : describe(type)}; supported: ${Object.keys(STORAGE_DTYPES).map((n) => `torch.${n}`).join(', ')}`);
      }
      if (typeof key !== 'string') throw new Error(`torch checkpoint: storage key must be a string, got ${describe(key)}`);
      if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw new Error(`torch checkpoint: storage '${key}' has an invalid size ${String(numel)}`);
      const dtype = STORAGE_DTYPES[type.name];
      let storage = storages.get(key);
      if (!storage) {
        const name = `${prefix}/data/${key}`;
        const entry = records.get(name);
        if (!entry) throw new Error(`torch checkpoint: storage record '${name}' is missing from the archive`);
        // Sizes are compared with the declared member size, before anything is inflated.
        const need = numel * ITEM_SIZE[dtype];
        if (entry.size < need) {
          throw new Error(`torch checkpoint: storage '${key}' (${type.qualified}) declares ${numel} elements = ${need} bytes but its record has ${entry.size}`);
        }
        // torch writes exactly numel * itemsize bytes; a larger record would be inflated for nothing.
        if (entry.size > need) {
          throw new Error(`torch checkpoint: storage '${key}' (${type.qualified}) declares ${numel} elements = ${need} bytes but its record '${name}' holds ${entry.size}`);
        }
        storage = {key, dtype, numel, get bytes() { return entry.data; }};
        storages.set(key, storage);
      } else if (storage.dtype !== dtype) {
        throw new Error(`torch checkpoint: storage '${key}' is referenced as both ${storage.dtype} and ${dtype}`);
      }
      return new PyObject('storage', storage);
    },
  };
}

/** Copies a (possibly strided, offset) view out of its storage after checking it stays inside. */
function materialise(name: string, v: TensorView, bigEndian: boolean): TorchTensor {
  const {storage, offset, shape, stride} = v;
  const numel = shape.reduce((a, b) => a * b, 1);
  // Stride-0 views pass the storage bounds check at any size, so the element count is capped too.
  if (numel > MAX_ELEMENTS) throw new Error(`torch checkpoint: tensor '${name}' (shape [${shape}]) has ${numel} elements, more than the ${MAX_ELEMENTS} a single tensor may have`);
  const wide = storage.dtype === 'float64' || storage.dtype.startsWith('int') || storage.dtype === 'uint8' || storage.dtype === 'bool';
  const data = wide ? new Float64Array(numel) : new Float32Array(numel);
  if (numel === 0) return {dtype: storage.dtype, shape, data};
  const last = offset + shape.reduce((acc, s, i) => acc + (s - 1) * stride[i], 0);
  if (last >= storage.numel) {
    throw new Error(`torch checkpoint: tensor '${name}' (shape [${shape}], strides [${stride}], offset ${offset}) reaches element ${last} but its storage '${storage.key}' has ${storage.numel} elements`);
  }
  const size = ITEM_SIZE[storage.dtype];
  let bytes = storage.bytes;
  if (bigEndian && size > 1) {
    bytes = bytes.slice();
    for (let i = 0; i + size <= bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  }
  const contiguous = shape.every((_, i) => shape[i] === 1 || stride[i] === shape.slice(i + 1).reduce((a, b) => a * b, 1));
  if (contiguous && storage.dtype === 'float32') {
    // Fast path for the common case: one aligned copy.
    const copy = bytes.slice((offset) * 4, (offset + numel) * 4);
    data.set(new Float32Array(copy.buffer, 0, numel));
    return {dtype: storage.dtype, shape, data};
  }
  const read = elementReader(storage.dtype, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < numel; i++) {
    data[i] = read(src);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) { src += stride[d]; break; }
      src -= (shape[d] - 1) * stride[d];
      idx[d] = 0;
    }
  }
  return {dtype: storage.dtype, shape, data};
}

/**
 * A tensor whose shape and dtype are known at once (and its view checked against its storage)
 * but whose data is copied out, inflating its storage, only when first read. Callers that check
 * the structure against an architecture first (applyTorchStateDict) so inflate nothing for a
 * checkpoint they reject.
 */
function lazyTensor(name: string, v: TensorView, bigEndian: boolean): TorchTensor {
  checkView(name, v);
  let data: Float32Array | Float64Array | undefined;
  return {
    dtype: v.storage.dtype,
    shape: v.shape,
    get data() { return (data ??= materialise(name, v, bigEndian).data); },
  };
}

/** The bounds checks of a view, done from the pickle alone (no storage bytes needed). */
function checkView(name: string, v: TensorView): void {
  const {storage, offset, shape, stride} = v;
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel > MAX_ELEMENTS) throw new Error(`torch checkpoint: tensor '${name}' (shape [${shape}]) has ${numel} elements, more than the ${MAX_ELEMENTS} a single tensor may have`);
  if (numel === 0) return;
  const last = offset + shape.reduce((acc, s, i) => acc + (s - 1) * stride[i], 0);
  if (last >= storage.numel) {
    throw new Error(`torch checkpoint: tensor '${name}' (shape [${shape}], strides [${stride}], offset ${offset}) reaches element ${last} but its storage '${storage.key}' has ${storage.numel} elements`);
  }
}

function isTensorDict(v: PyValue): v is PyDict {
  if (!(v instanceof PyDict) || v.map.size === 0) return false;
  for (const x of v.map.values()) if (!(x instanceof PyObject && x.kind === 'tensor')) return false;
  return true;
}

/**
 * Parses the bytes of a `torch.save(state_dict)` file. Accepts a bare state_dict (dict or
 * OrderedDict of tensors) or a dict wrapping one under a usual key (`state_dict`, `model`...).
 * Throws a descriptive error for anything else, for globals outside the allow-list, for
 * damaged archives and for tensor views outside their storage.
 */
export function readTorchCheckpoint(input: Uint8Array | ArrayBuffer): TorchStateDict {
  // fetch() hands out ArrayBuffers, fs a Buffer (a Uint8Array): both are taken as they are.
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`readTorchCheckpoint: bytes must be a Uint8Array or ArrayBuffer, got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw new Error('torch checkpoint: this is the legacy (pre-1.6) torch.save format; re-save it with a recent torch: torch.save(torch.load(f), f2)');
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new Error(`torch checkpoint: not a torch.save zip archive (starts with ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ') || 'nothing'})`);
  }
  const records = new Map(readZip(bytes).map((e) => [e.name, e] as const));
  const pkls = [...records.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pkls.length !== 1) throw new Error(`torch checkpoint: expected one '<name>/data.pkl' in the archive, found ${pkls.length}`);
  const prefix = pkls[0].slice(0, -'/data.pkl'.length);
  const order = records.get(`${prefix}/byteorder`)?.data;
  const byteorder = order ? new TextDecoder().decode(order).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw new Error(`torch checkpoint: unknown byteorder '${byteorder}'`);

  const root = unpickle(records.get(pkls[0])!.data, makeHost(records, prefix));
  let dict: PyDict | undefined;
  let wrapperKey: string | undefined;
  if (isTensorDict(root)) dict = root;
  else if (root instanceof PyDict) {
    wrapperKey = WRAPPER_KEYS.find((k) => isTensorDict(root.map.get(k) ?? null));
    if (wrapperKey) dict = root.map.get(wrapperKey) as PyDict;
  }
  if (!dict) {
    const bad = root instanceof PyDict
      ? [...root.map].filter(([, v]) => !(v instanceof PyObject && v.kind === 'tensor')).slice(0, 5).map(([k, v]) => `'${String(k)}': ${describe(v)}`).join(', ')
      : describe(root);
    throw new Error(`torch checkpoint: expected a state_dict (a dict of tensors), found ${bad}`);
  }
  const tensors = new Map<string, TorchTensor>();
  for (const [k, v] of dict.map) {
    if (typeof k !== 'string') throw new Error(`torch checkpoint: state_dict key ${describe(k)} is not a string`);
    tensors.set(k, lazyTensor(k, (v as PyObject).value as TensorView, byteorder === 'big'));
  }
  return {tensors, plainDict: !dict.ordered, wrapperKey};
}

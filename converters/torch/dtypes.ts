// The storage types torch.save can reference, and how their raw little-endian bytes decode.

export type TorchDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Legacy storage class name (as pickled by every torch version since 1.6) -> dtype. */
export const STORAGE_DTYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', DoubleStorage: 'float64',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8',
  ByteStorage: 'uint8', BoolStorage: 'bool',
};

export const ITEM_SIZE: Record<TorchDtype, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** IEEE half -> number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Reads element `i` of a little-endian storage as a number (int64 beyond 2^53 loses precision, as float32 would). */
export function elementReader(dtype: TorchDtype, dv: DataView): (i: number) => number {
  switch (dtype) {
    case 'float32': return (i) => dv.getFloat32(i * 4, true);
    case 'float64': return (i) => dv.getFloat64(i * 8, true);
    case 'float16': return (i) => halfToFloat(dv.getUint16(i * 2, true));
    case 'bfloat16': {
      const tmp = new DataView(new ArrayBuffer(4));
      return (i) => { tmp.setUint32(0, dv.getUint16(i * 2, true) << 16, true); return tmp.getFloat32(0, true); };
    }
    case 'int64': return (i) => Number(dv.getBigInt64(i * 8, true));
    case 'int32': return (i) => dv.getInt32(i * 4, true);
    case 'int16': return (i) => dv.getInt16(i * 2, true);
    case 'int8': return (i) => dv.getInt8(i);
    case 'uint8': case 'bool': return (i) => dv.getUint8(i);
  }
}

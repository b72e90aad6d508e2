// IDX (MNIST / Fashion-MNIST) byte parser, plain or gzip, with clear errors on corrupt input; no Node APIs, so the browser demo uses it too.
import {gunzipSync} from 'fflate';

export interface IdxArray { dims: number[]; data: Uint8Array; }

/** Parses IDX bytes (ubyte data only, as MNIST uses). `what` names the file in errors. */
export function parseIdx(bytes: Uint8Array, what: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${what}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`${what}: not an IDX file (bad magic number)`);
  }
  if (bytes[2] !== 0x08) throw new Error(`${what}: IDX data type 0x${bytes[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const rank = bytes[3];
  if (rank < 1 || rank > 4) throw new Error(`${what}: IDX rank ${rank} is out of range 1..4`);
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw new Error(`${what}: truncated IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({length: rank}, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - header !== size) {
    throw new Error(`${what}: IDX header says dims [${dims}] (${size} bytes) but the file holds ${bytes.length - header} bytes of data`);
  }
  return {dims, data: bytes.subarray(header)};
}

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

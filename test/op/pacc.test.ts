// Node suite of the shared op spec: every backend available in Node runs it.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {paccOpSpec} from './pacc.spec';

const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const read = async (file: string) => {
  const b = await readFile(dir + file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

for (const backend of ['cpu', 'wasm']) paccOpSpec(backend, read);

// Loader of our WebAssembly module (ops/wasm/assembly/): one instance per tfjs-wasm backend, sharing its heap memory.
import type {DataId, DataType, KernelBackend, TensorInfo} from '@tensorflow/tfjs-core';
import {simd, simdShared} from './module.generated';

/**
 * Signatures of the module's exports. Pointers are byte offsets in the tfjs-wasm
 * heap. Whoever adds a function in ops/wasm/assembly/ adds its signature here.
 */
export interface PaccWasmExports {
  /** Scratch bytes paccForward needs. */
  paccForwardScratch(L: number, C: number): number;
  paccForward(
      x: number, w: number, bias: number, pe: number, y: number, scratch: number,
      outer: number, L: number, inner: number, C: number): void;
  /** Scratch bytes paccBackpropInput needs. */
  paccBackpropInputScratch(L: number, C: number): number;
  paccBackpropInput(dy: number, w: number, dx: number, scratch: number, outer: number, L: number, inner: number, C: number): void;
  /** scratch: 2·L·C floats. */
  paccBackpropFilter(
      x: number, dy: number, pe: number, dw: number, scratch: number, outer: number, L: number, inner: number, C: number): void;
}

/**
 * The parts of tfjs-backend-wasm 4.22's BackendWasm we rely on, typed here so that
 * nothing imports that optional package. `wasm` is its Emscripten module: the
 * SIMD build exports its memory as `asm.memory`; the threaded build creates a
 * shared memory itself and exposes it as `wasmMemory`.
 */
interface WasmBackendLike {
  wasm: {
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    asm?: {memory?: WebAssembly.Memory};
    wasmMemory?: WebAssembly.Memory;
  };
  dataIdMap: {get(dataId: DataId): {memoryOffset: number | null} | undefined};
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
}

/** Our module bound to one backend's heap. */
export interface PaccWasm {
  exports: PaccWasmExports;
  memory: WebAssembly.Memory;
  /** Whether the heap is a shared memory (tfjs's threaded build). */
  shared: boolean;
  /** Byte offset of a tensor's data in the heap (stable: growing the memory never moves data). */
  offset(t: TensorInfo): number;
  /** A new heap tensor, uninitialised; the kernel writes it. */
  makeOutput(shape: number[], dtype?: DataType): TensorInfo;
  /** Scratch bytes in the heap (tfjs's malloc); pair with free. May grow the memory. */
  malloc(bytes: number): number;
  free(ptr: number): void;
  /**
   * A Float32Array view of the heap, made now: any allocation may grow the memory
   * and detach older views (non-shared) or leave them short (shared), so never keep one.
   */
  f32(ptr: number, length: number): Float32Array;
}

const compiled: {simd?: WebAssembly.Module; simdShared?: WebAssembly.Module} = {};
const instances = new WeakMap<object, PaccWasm>();

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

function compile(b64: string): WebAssembly.Module {
  try {
    return new WebAssembly.Module(decodeBase64(b64));
  } catch (e) {
    throw new Error('tfjs-pacc: the wasm-backend kernels need WebAssembly SIMD, which this runtime rejected ' +
      `(${(e as Error).message}); use the cpu or webgl backend here`);
  }
}

function findMemory(backend: WasmBackendLike): WebAssembly.Memory {
  const mem = backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
  if (!(mem instanceof WebAssembly.Memory)) {
    throw new Error('tfjs-pacc: cannot find the WebAssembly.Memory of the wasm backend ' +
      '(expected tfjs-backend-wasm 4.22: backend.wasm.asm.memory or backend.wasm.wasmMemory)');
  }
  return mem;
}

/**
 * Our module instantiated on `backend`'s heap (created once per backend; the
 * compiled module is shared). Synchronous, since kernels are: the module is a few
 * kilobytes, well under browsers' limit for synchronous compilation.
 */
export function getPaccWasm(kernelBackend: KernelBackend | object): PaccWasm {
  const backend = kernelBackend as WasmBackendLike;
  const cached = instances.get(backend.wasm);
  if (cached) return cached;
  const memory = findMemory(backend);
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const variant = shared ? 'simdShared' : 'simd';
  const module = compiled[variant] ??= compile(shared ? simdShared : simd);
  const instance = new WebAssembly.Instance(module, {env: {memory}});
  const wasm = backend.wasm;
  const bound: PaccWasm = {
    exports: instance.exports as unknown as PaccWasmExports,
    memory,
    shared,
    offset: (t) => {
      const off = backend.dataIdMap.get(t.dataId)?.memoryOffset;
      if (off == null) throw new Error(`tfjs-pacc: tensor of shape [${t.shape}] has no data in the wasm heap`);
      return off;
    },
    makeOutput: (shape, dtype = 'float32') => backend.makeOutput(shape, dtype),
    malloc: (bytes) => wasm._malloc(bytes) >>> 0,
    free: (ptr) => wasm._free(ptr),
    f32: (ptr, length) => new Float32Array(memory.buffer, ptr, length),
  };
  instances.set(backend.wasm, bound);
  return bound;
}

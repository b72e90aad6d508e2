// Loader of our WebAssembly module (ops/wasm/assembly/): one instance per tfjs-wasm backend, sharing its heap memory.
import {findBackend} from '@tensorflow/tfjs-core';
import type {DataId, DataType, KernelBackend, TensorInfo} from '@tensorflow/tfjs-core';
import {simd, simdShared} from './module.generated';
import {startThreadPool, threadsPossible, WasmTask, WasmThreadPool} from './threads';

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
  /** Scratch bytes paccBackpropFilter needs. */
  paccBackpropFilterScratch(L: number, C: number): number;
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
    /** tfjs-wasm's own calls; getThreadsCount is its pthread pool size (1 on the non-threaded builds). */
    tfjs?: {getThreadsCount?(): number};
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
  /**
   * Threads a kernel may split its work over now, the caller included: 1 unless tfjs-wasm runs its
   * threaded build and our workers are up (see setWasmKernelThreads).
   */
  readonly threads: number;
  /** Runs export calls on the threads, the first on the caller; returns when all are done. */
  run(tasks: WasmTask[]): void;
  /** The worker pool, when there is one (tests read its counters). */
  readonly pool: WasmThreadPool | null;
}

/** 'auto': as many threads as tfjs-wasm's own pool; a number: exactly that many (1 = the caller only). */
let threadSetting: number | 'auto' = 'auto';
/** One stop function per bound backend: setWasmKernelThreads stops every pool (new ones start on demand). */
const pools = new Set<() => void>();

/**
 * How many threads tfjs-pacc's own wasm kernels (the PaCC op, the conv and batch-norm gradients,
 * Adam) split their work over when tfjs-wasm runs its threaded build (a cross-origin-isolated
 * page). `'auto'` (the default) follows tfjs-wasm's thread count (`tf.wasm.getThreadsCount()`);
 * `1` keeps them on the calling thread. Elsewhere (Node, pages that are not isolated) they always
 * run on the calling thread. Changing it stops the current workers; new ones start on the next
 * kernel call, and kernels use the caller alone until they are ready (see {@link wasmKernelThreads}).
 */
export function setWasmKernelThreads(threads: number | 'auto'): void {
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= 16)) {
    throw new Error(`setWasmKernelThreads: 'threads' must be 'auto' or an integer in [1, 16], got ${String(threads)}`);
  }
  threadSetting = threads;
  for (const stop of pools) stop();
}

/**
 * Starts the worker threads of the current (or given) wasm backend if they are not running and
 * resolves, once they are ready, with how many threads our wasm kernels use (1 when the backend
 * is not the threaded build or threads are off). Resolves 0 when there is no wasm backend.
 */
export async function wasmKernelThreads(backend?: object): Promise<number> {
  const b = backend ?? findBackend('wasm');
  if (!b) return 0;
  const m = getPaccWasm(b);
  await m.pool?.ready;
  return m.threads;
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
  const callerExports = instance.exports as Record<string, unknown>;
  let pool: WasmThreadPool | null = null;
  let poolFor = 0;
  const wanted = () => {
    if (!shared || !threadsPossible(memory)) return 1;
    return threadSetting === 'auto' ? Math.max(1, wasm.tfjs?.getThreadsCount?.() ?? 1) : threadSetting;
  };
  const ensurePool = () => {
    const n = wanted();
    if (n === poolFor) return;
    pool?.terminate();
    pool = n > 1 ? startThreadPool(module, memory, n, callerExports) : null;
    poolFor = n;
  };
  pools.add(() => { pool?.terminate(); pool = null; poolFor = 0; });
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
    get threads() {
      ensurePool();
      return pool?.threads ?? 1;
    },
    run: (tasks) => {
      if (pool) return pool.run(tasks);
      for (const t of tasks) (callerExports[t.fn] as (...a: number[]) => void)(...t.args);
    },
    get pool() {
      ensurePool();
      return pool;
    },
  };
  instances.set(backend.wasm, bound);
  return bound;
}

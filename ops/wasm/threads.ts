// Worker threads for our wasm kernels on tfjs-wasm's threaded build: each worker runs our module on the same shared heap.
//
// tfjs kernels are synchronous, so a kernel that splits its work hands slices to sleeping
// workers through a small shared control block, runs one slice itself and then spins on the
// workers' "done" words (a browser's main thread may not block in Atomics.wait; Emscripten's
// pthreads do the same). Workers sleep in Atomics.wait as soon as a task is done: spinning
// there took cores from tfjs-wasm's own pthreads (XNNPACK) and the page (on 2 cores a PaCC-Net-XS
// step with both pools at 2 threads ran 0.98× of 1 thread with 20,000 polls, 1.21× without, one
// run each). Nothing here allocates in the heap: callers pass heap offsets they own. Design
// notes: docs/wasm-training.md, "Threads".

/** Int32 words of the control block: one SLOT per worker. */
const SLOT = 8;
/** Slot words: the task's sequence number, the sequence it finished, status (0 ok), function index, argument count. */
const SEQ = 0, DONE = 1, STATUS = 2, FN = 3, NARGS = 4;
const MAX_WORKERS = 16;
const MAX_ARGS = 24;
/** Float64 arguments (exact for heap offsets, sizes and float32 constants) start after the Int32 words. */
const ARGS_BYTE = SLOT * MAX_WORKERS * 4;
const CONTROL_BYTES = ARGS_BYTE + MAX_WORKERS * MAX_ARGS * 8;
/** How long a kernel waits for a worker before declaring the pool broken (never hang). */
const STALL_MS = 60_000;
/** One call of an export: its name and arguments (heap offsets and sizes). */
export interface WasmTask {fn: string; args: number[]}

/** Sleeping workers, each with its own instance of our module on the shared heap. */
export interface WasmThreadPool {
  /** Threads a kernel may use now, the caller included (1 until workers are ready). */
  readonly threads: number;
  /** Resolves with `threads` once every worker started (or failed to). */
  readonly ready: Promise<number>;
  /** Runs the tasks, the first on the caller, the rest on workers; returns when all are done. */
  run(tasks: WasmTask[]): void;
  /** Tasks run on workers so far (tests use it to know the workers did the work). */
  readonly workerTasks: number;
  terminate(): void;
}

/** The worker's whole program, started from a Blob URL so the package needs no extra file. */
const WORKER_SOURCE = `
onmessage = (e) => {
  const {module, memory, control, index, names, c} = e.data;
  let fns;
  try {
    const instance = new WebAssembly.Instance(module, {env: {memory}});
    fns = names.map((n) => instance.exports[n]);
  } catch (err) {
    postMessage({error: String(err && err.message || err)});
    return;
  }
  const i32 = new Int32Array(control), f64 = new Float64Array(control, c.ARGS_BYTE);
  const base = index * c.SLOT, argBase = index * c.MAX_ARGS;
  postMessage({ready: true});
  let seen = 0;
  for (;;) {
    const seq = Atomics.load(i32, base + c.SEQ);
    if (seq === seen) { Atomics.wait(i32, base + c.SEQ, seen); continue; }
    seen = seq;
    if (seq < 0) return;
    let status = 0;
    try {
      const n = i32[base + c.NARGS], args = new Array(n);
      for (let k = 0; k < n; k++) args[k] = f64[argBase + k];
      fns[i32[base + c.FN]](...args);
    } catch (err) {
      status = 1;
    }
    i32[base + c.STATUS] = status;
    Atomics.store(i32, base + c.DONE, seq);
  }
};`;

/** Whether this runtime can run workers on a shared heap at all. */
export function threadsPossible(memory: WebAssembly.Memory): boolean {
  return typeof Worker !== 'undefined' && typeof Blob !== 'undefined' && typeof URL?.createObjectURL === 'function' &&
    typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer &&
    (globalThis as {crossOriginIsolated?: boolean}).crossOriginIsolated === true;
}

/**
 * Starts `threads − 1` workers on `memory` running `module` (compiled for a shared memory).
 * Kernels keep running on the caller alone until workers report ready; a worker that
 * fails to start is left out, never waited for.
 */
export function startThreadPool(
    module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number, callerExports: Record<string, unknown>): WasmThreadPool {
  const nWorkers = Math.max(0, Math.min(MAX_WORKERS, Math.floor(threads) - 1));
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const i32 = new Int32Array(control), f64 = new Float64Array(control, ARGS_BYTE);
  const names = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
  const fnIndex = new Map(names.map((n, i) => [n, i]));
  const workers: Worker[] = [];
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], {type: 'text/javascript'}));
  const c = {SLOT, SEQ, DONE, STATUS, FN, NARGS, MAX_ARGS, ARGS_BYTE};
  const isReady: boolean[] = new Array(nWorkers).fill(false);
  let usable = 0, workerTasks = 0, seq = 0, broken = false;
  const started = isReady.map((_, index) => new Promise<void>((resolve) => {
    let w: Worker;
    try {
      w = new Worker(url);
    } catch {
      return resolve();
    }
    workers.push(w);
    w.onmessage = (e: MessageEvent) => {
      if ((e.data as {ready?: boolean}).ready) {
        isReady[index] = true;
        // Tasks go to workers in index order, so only the ready prefix is usable.
        while (usable < nWorkers && isReady[usable]) usable++;
      }
      resolve();
    };
    w.onerror = () => resolve();
    w.postMessage({module, memory, control, index, names, c});
  }));
  const ready = Promise.all(started).then(() => {
    URL.revokeObjectURL(url);
    return pool.threads;
  });

  const pool: WasmThreadPool = {
    get threads() { return broken ? 1 : 1 + usable; },
    ready,
    get workerTasks() { return workerTasks; },
    run(tasks) {
      const onWorkers = broken ? 0 : Math.min(tasks.length - 1, usable);
      // More tasks than threads: the caller runs the extra ones too.
      const mine = [tasks[0], ...tasks.slice(1 + onWorkers)];
      if (onWorkers === 0) {
        for (const t of mine) call(callerExports, t);
        return;
      }
      const s = ++seq;
      for (let k = 0; k < onWorkers; k++) {
        const t = tasks[1 + k], base = k * SLOT;
        const fn = fnIndex.get(t.fn);
        if (fn === undefined || t.args.length > MAX_ARGS) throw new Error(`tfjs-pacc: no wasm export '${t.fn}' taking ${t.args.length} arguments`);
        for (let a = 0; a < t.args.length; a++) f64[k * MAX_ARGS + a] = t.args[a];
        i32[base + FN] = fn;
        i32[base + NARGS] = t.args.length;
        Atomics.store(i32, base + SEQ, s);
        Atomics.notify(i32, base + SEQ, 1);
      }
      workerTasks += onWorkers;
      let failure: unknown;
      try {
        for (const t of mine) call(callerExports, t);
      } catch (e) {
        failure = e;
      }
      // Always wait, even after a failure here: the workers write into tensors the caller hands out.
      const t0 = performance.now();
      for (let k = 0; k < onWorkers; k++) {
        const base = k * SLOT;
        for (let spin = 0; Atomics.load(i32, base + DONE) !== s; spin++) {
          if ((spin & 0x3ff) === 0x3ff && performance.now() - t0 > STALL_MS) {
            broken = true;
            throw new Error(`tfjs-pacc: wasm kernel thread ${k + 1} did not finish '${tasks[1 + k].fn}' within ${STALL_MS / 1000} s; ` +
              'our wasm kernels run on one thread from now on');
          }
        }
        if (i32[base + STATUS] !== 0) {
          failure ??= new Error(`tfjs-pacc: wasm kernel thread ${k + 1} failed (a wasm trap) in '${tasks[1 + k].fn}' ` +
            `with arguments [${tasks[1 + k].args.join(', ')}]`);
          i32[base + STATUS] = 0;
        }
      }
      if (failure) throw failure;
    },
    terminate() {
      broken = true;
      for (let k = 0; k < nWorkers; k++) {
        Atomics.store(i32, k * SLOT + SEQ, -1);
        Atomics.notify(i32, k * SLOT + SEQ);
      }
      for (const w of workers) w.terminate();
    },
  };
  return pool;
}

function call(exports: Record<string, unknown>, t: WasmTask): void {
  const f = exports[t.fn];
  if (typeof f !== 'function') throw new Error(`tfjs-pacc: no wasm export '${t.fn}'`);
  (f as (...a: number[]) => void)(...t.args);
}

// How our wasm kernels split a call over the threads: independent slices, or slices whose partial sums are added at the end.
import type {PaccWasm} from './module';

/**
 * Multiply-adds (or element visits) a slice should have before another thread is worth waking:
 * handing a slice to a worker costs tens of microseconds (a futex wake and a cache warm-up), so a
 * slice should hold ~100 µs of work. 2^18 was within noise of 2^20 on PaCC-Net training steps;
 * 2^20 keeps small calls, where the wake-up is most of the cost, on the caller.
 */
let minWorkPerSlice = 1 << 20;

/** Sets the work threshold (tests lower it to split small tensors); returns the previous one. */
export function setMinSliceWork(work: number): number {
  const previous = minWorkPerSlice;
  minWorkPerSlice = work;
  return previous;
}

/** Up to `parts` [start, end) ranges covering [0, n), each a multiple of `align` long except the last. */
export function splitRange(n: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(n / align);
  const k = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let i = 0, start = 0; i < k; i++) {
    const end = Math.min(n, Math.round(((i + 1) * units) / k) * align);
    if (end > start) out.push([start, end]);
    start = end;
  }
  return out;
}

/** Slices for `n` splittable units of `work` total: one per thread, fewer when the work is small. */
function slicesFor(m: PaccWasm, n: number, work: number, align: number): [number, number][] {
  const parts = n > align ? Math.min(m.threads, Math.max(1, Math.floor(work / minWorkPerSlice))) : 1;
  return splitRange(n, parts, align);
}

export interface SliceOptions {
  /** Slice lengths are multiples of this (except the last). */
  align?: number;
  /** Heap scratch bytes each slice needs of its own (passed to argsOf; freed afterwards). */
  scratch?: number;
}

/** Runs `fn` on `slices`, each with its own scratch when asked for. */
function withScratch(m: PaccWasm, slices: [number, number][], scratch: number, body: (scratchOf: (i: number) => number) => void): void {
  if (scratch <= 0) return body(() => 0);
  const ptr = m.malloc(scratch * slices.length);
  try {
    body((i) => ptr + i * scratch);
  } finally {
    m.free(ptr);
  }
}

/** Calls `fn` with argsOf(start, end, scratch) for slices of [0, n), in parallel when it pays. */
export function runSlices(
    m: PaccWasm, fn: string, n: number, work: number, argsOf: (start: number, end: number, scratch: number) => number[],
    options: SliceOptions = {}): void {
  const slices = slicesFor(m, n, work, options.align ?? 1);
  withScratch(m, slices, options.scratch ?? 0, (scratchOf) =>
    m.run(slices.map(([a, b], i) => ({fn, args: argsOf(a, b, scratchOf(i))}))));
}

/**
 * For reductions over [0, n): each slice writes its own partial outputs (heap scratch), then
 * sumRows adds them into `outs` (times `scale`). With one slice the call writes `outs` directly.
 * argsOf receives the output offsets its slice writes to, the scale it applies itself (`scale`
 * with one slice, 1 with several) and its own scratch. Partial sums make the rounding depend on
 * the thread count (not on timing): results agree to float32 rounding, not bit for bit.
 */
export function runPartialSums(
    m: PaccWasm, fn: string, n: number, work: number, outs: {ptr: number; len: number}[],
    argsOf: (start: number, end: number, outPtrs: number[], scale: number, scratch: number) => number[],
    options: SliceOptions & {scale?: number} = {}): void {
  const scale = options.scale ?? 1;
  const slices = slicesFor(m, n, work, options.align ?? 1);
  withScratch(m, slices, options.scratch ?? 0, (scratchOf) => {
    if (slices.length === 1) {
      m.run([{fn, args: argsOf(0, n, outs.map((o) => o.ptr), scale, scratchOf(0))}]);
      return;
    }
    const S = slices.length;
    const partials = m.malloc(outs.reduce((s, o) => s + o.len * S * 4, 0));
    try {
      const bases: number[] = [];
      let p = partials;
      for (const o of outs) { bases.push(p); p += o.len * S * 4; }
      m.run(slices.map(([a, b], i) => ({fn, args: argsOf(a, b, outs.map((o, j) => bases[j] + i * o.len * 4), 1, scratchOf(i))})));
      for (const [j, o] of outs.entries()) m.run([{fn: 'sumRows', args: [bases[j], o.ptr, S, o.len, scale]}]);
    } finally {
      m.free(partials);
    }
  });
}

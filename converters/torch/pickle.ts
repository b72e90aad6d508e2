// A restricted pickle reader: builds plain data for the opcodes torch.save emits and never imports or calls anything.

/** A Python tuple (kept distinct from a list so callers can check argument shapes). */
export class PyTuple { constructor(readonly items: PyValue[]) {} }
/** A Python dict or OrderedDict, insertion ordered; `attrs` collects BUILD state such as `_metadata`. */
export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
  attrs?: PyValue;
  constructor(readonly ordered: boolean) {}
}
/** A reference to an allow-listed global such as `torch.FloatStorage`. Only a name: nothing is resolved. */
export class PyGlobal { constructor(readonly module: string, readonly name: string) {} get qualified() { return `${this.module}.${this.name}`; } }
/** An object produced by an allow-listed reducer (a tensor, a storage...); its payload is opaque to the VM. */
export class PyObject { constructor(readonly kind: string, readonly value: unknown) {} }

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PyGlobal | PyObject;

/** What the VM asks its host for: how allow-listed callables and persistent ids turn into values. */
export interface PickleHost {
  /** True when `module.name` may appear in a GLOBAL opcode. Everything else is rejected by name. */
  allowGlobal(module: string, name: string): boolean;
  /** REDUCE / NEWOBJ of an allow-listed global with its argument tuple. */
  call(fn: PyGlobal, args: PyValue[]): PyValue;
  /** BINPERSID: torch's storage references. */
  persistentLoad(pid: PyValue): PyValue;
}

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

export class PickleError extends Error {
  constructor(message: string) { super(`torch checkpoint: unpickling failed: ${message}`); }
}

/** Describes a value for error messages without dumping it. */
export function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (v instanceof PyTuple) return `tuple(${v.items.length})`;
  if (Array.isArray(v)) return `list(${v.length})`;
  if (v instanceof PyDict) return v.ordered ? 'OrderedDict' : 'dict';
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof PyObject) return v.kind;
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  return typeof v;
}

/**
 * Runs a pickle program (protocols 2-5, the binary opcodes only). Globals are looked up
 * in the host's allow-list and kept as names; calls go to the host, which only knows a
 * handful of constructors. Text-protocol and object-instantiation opcodes that could
 * name arbitrary classes (INST, OBJ, EXT*) are rejected.
 */
export function unpickle(data: Uint8Array, host: PickleHost): PyValue {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', {fatal: true});
  const stack: Slot[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  let opPos = 0;

  const fail = (msg: string): never => { throw new PickleError(`${msg} (at byte ${opPos})`); };
  const need = (n: number) => { if (n < 0 || pos + n > data.length) fail(`pickle data truncated: needs ${n} more bytes`); };
  const u8 = () => { need(1); return data[pos++]; };
  const u16 = () => { need(2); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const i32 = () => { need(4); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const u64 = () => {
    need(8); const v = dv.getBigUint64(pos, true); pos += 8;
    if (v > BigInt(data.length)) fail(`length ${v} exceeds the pickle size`);
    return Number(v);
  };
  const bytes = (n: number) => { need(n); const b = data.subarray(pos, pos + n); pos += n; return b; };
  const str = (n: number) => {
    try { return utf8.decode(bytes(n)); } catch (e) { if (e instanceof PickleError) throw e; return fail('invalid UTF-8 in a string'); }
  };
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('pickle data truncated inside a GLOBAL name');
    const s = new TextDecoder('latin1').decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('stack underflow');
    const v = stack.pop()!;
    if (v === MARK) fail('unexpected MARK on the stack');
    return v as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack[stack.length - 1];
    if (v === MARK) fail('unexpected MARK on the stack');
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to');
    const items = stack.splice(m!) as PyValue[];
    items.shift(); // the MARK itself
    return items;
  };
  const push = (v: PyValue) => stack.push(v);
  const pushMark = () => { marks.push(stack.length); stack.push(MARK); };
  const global = (module: string, name: string) => {
    if (!host.allowGlobal(module, name)) {
      fail(`refusing global '${module}.${name}': only torch tensor/storage constructors and collections.OrderedDict are allowed`);
    }
    push(new PyGlobal(module, name));
  };
  const setItems = (target: PyValue, kv: PyValue[]) => {
    if (!(target instanceof PyDict)) fail(`SETITEM(S) on ${describe(target)}, expected a dict`);
    if (kv.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < kv.length; i += 2) (target as PyDict).map.set(kv[i], kv[i + 1]);
  };
  const append = (target: PyValue, items: PyValue[]) => {
    if (!Array.isArray(target)) fail(`APPEND(S) on ${describe(target)}, expected a list`);
    (target as PyValue[]).push(...items);
  };
  const call = (fn: PyValue, args: PyValue) => {
    if (!(fn instanceof PyGlobal)) fail(`call of ${describe(fn)}, expected an allow-listed global`);
    if (!(args instanceof PyTuple)) fail(`call of ${(fn as PyGlobal).qualified} with ${describe(args)} arguments, expected a tuple`);
    try {
      return host.call(fn as PyGlobal, (args as PyTuple).items);
    } catch (e) {
      if (e instanceof PickleError) throw e;
      return fail(`${(fn as PyGlobal).qualified}: ${(e as Error).message}`);
    }
  };

  for (;;) {
    opPos = pos;
    const op = u8();
    switch (op) {
      case 0x80: { const proto = u8(); if (proto < 2 || proto > 5) fail(`unsupported pickle protocol ${proto}`); break; } // PROTO
      case 0x95: u64(); break; // FRAME: framing is only a read-ahead hint
      case 0x2e: { // STOP
        const result = pop();
        if (stack.length) fail(`${stack.length} values left on the stack at STOP`);
        return result;
      }
      case 0x28: pushMark(); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: case 0x8b: { // LONG1, LONG4: little-endian two's complement
        const n = op === 0x8a ? u8() : u32();
        // torch only pickles small ints; building a huge BigInt byte by byte would be quadratic.
        if (n > 16) fail(`integer of ${n} bytes is larger than any torch.save writes`);
        const b = bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: { need(8); push(dv.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT (big-endian)
      case 0x58: push(str(u32())); break; // BINUNICODE
      case 0x8c: push(str(u8())); break; // SHORT_BINUNICODE
      case 0x8d: push(str(u64())); break; // BINUNICODE8
      case 0x54: push(new TextDecoder('latin1').decode(bytes(i32()))); break; // BINSTRING
      case 0x55: push(new TextDecoder('latin1').decode(bytes(u8()))); break; // SHORT_BINSTRING
      case 0x42: push(bytes(u32()).slice()); break; // BINBYTES
      case 0x43: push(bytes(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: push(bytes(u64()).slice()); break; // BINBYTES8
      case 0x7d: push(new PyDict(false)); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: push(new PyTuple(popMark())); break; // TUPLE
      case 0x85: push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(), a = pop(); push(new PyTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(), a = pop(); push(new PyTuple([a, b, c])); break; } // TUPLE3
      case 0x6c: push(popMark()); break; // LIST
      case 0x64: { const d = new PyDict(false); setItems(d, popMark()); push(d); break; } // DICT
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(), k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo key ${k} was never stored`);
        push(memo.get(k)!);
        break;
      }
      case 0x63: { const module = line(); global(module, line()); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        global(module as string, name as string);
        break;
      }
      case 0x51: push(host.persistentLoad(pop())); break; // BINPERSID
      case 0x52: { const args = pop(), fn = pop(); push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop(), cls = pop(); push(call(cls, args)); break; } // NEWOBJ
      case 0x62: { // BUILD: only the harmless state torch attaches (dict _metadata, empty tensor state)
        const state = pop();
        const target = top();
        if (target instanceof PyDict) target.attrs = state;
        else if (!(target instanceof PyObject)) fail(`BUILD on ${describe(target)}`);
        break;
      }
      default: {
        const names: Record<number, string> = {
          0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x92: 'NEWOBJ_EX',
          0x50: 'PERSID', 0x49: 'INT', 0x4c: 'LONG', 0x53: 'STRING', 0x56: 'UNICODE', 0x46: 'FLOAT',
          0x70: 'PUT', 0x67: 'GET', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
          0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
        };
        fail(`unsupported pickle opcode ${names[op] ?? `0x${op.toString(16).padStart(2, '0')}`}`);
      }
    }
  }
}

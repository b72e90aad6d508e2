// The tfjs-converter graph-model JSON (model.json) types, validation, attribute decoding and weight byte layout used by the fusion pass.

/** A TensorFlow AttrValue as tfjs-converter writes it to JSON (int64 as strings, strings base64). */
export interface AttrValue {
  s?: string; i?: string | number; f?: number; b?: boolean; type?: string | number;
  shape?: {dim?: {size?: string | number}[]; unknownRank?: boolean};
  list?: {s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[]; type?: (string | number)[]; shape?: unknown[]};
  tensor?: unknown; func?: unknown;
}
export interface NodeDef { name: string; op: string; input?: string[]; attr?: {[name: string]: AttrValue}; device?: string; }
export interface WeightEntry {
  name: string; shape: number[]; dtype: string;
  quantization?: {dtype: string; scale?: number; min?: number; [k: string]: unknown};
  [k: string]: unknown;
}
export interface WeightsGroup { paths: string[]; weights: WeightEntry[]; }
/** The contents of a graph model's model.json. */
export interface GraphModelJson {
  format?: string; generatedBy?: string; convertedBy?: string;
  modelTopology: {node: NodeDef[]; library?: unknown; versions?: unknown; [k: string]: unknown};
  weightsManifest: WeightsGroup[];
  signature?: {inputs?: {[k: string]: {name: string}}; outputs?: {[k: string]: {name: string}}; [k: string]: unknown};
  [k: string]: unknown;
}

const FN = 'fuseCircularConvs';

/** Node name of an input reference: '^ctrl' -> 'ctrl', 'node:0' -> 'node'. */
export const nodeOf = (ref: string) => (ref.startsWith('^') ? ref.slice(1) : ref).replace(/:\d+$/, '');
/** Output index of a data input reference ('node' is output 0). */
export const outputIndexOf = (ref: string) => Number(/:(\d+)$/.exec(ref)?.[1] ?? 0);

function decodeString(v: string): string {
  return typeof atob === 'function' ? atob(v) : Buffer.from(v, 'base64').toString('latin1');
}
export const attrString = (a: AttrValue | undefined) => (a?.s != null ? decodeString(a.s) : undefined);
export const attrInt = (a: AttrValue | undefined) => (a?.i != null ? Number(a.i) : undefined);
export const attrInts = (a: AttrValue | undefined) => a?.list?.i?.map(Number);
export const attrStrings = (a: AttrValue | undefined) => a?.list?.s?.map(decodeString);

const BYTES: {[dtype: string]: number} = {float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2, int64: 8};

/** Where each weight's bytes sit in the concatenated weight buffer. */
export interface WeightSlot { spec: WeightEntry; offset: number; byteLength: number; }

/** Checks the model.json structure and weight buffer size; throws errors that say what is wrong and where. */
export function validateGraphModel(json: unknown, data: Uint8Array): {nodes: Map<string, NodeDef>; slots: Map<string, WeightSlot>} {
  if (json == null || typeof json !== 'object') throw new Error(`${FN}: argument 'graphModelJson' must be the parsed model.json object, got ${json === null ? 'null' : typeof json}`);
  const g = json as GraphModelJson;
  if (g.format != null && g.format !== 'graph-model') {
    throw new Error(`${FN}: argument 'graphModelJson' has format '${g.format}'; only 'graph-model' (tfjs-converter output) is supported`);
  }
  if (g.modelTopology == null || !Array.isArray(g.modelTopology.node)) {
    throw new Error(`${FN}: argument 'graphModelJson' has no modelTopology.node array (is this a graph model's model.json?)`);
  }
  if (!Array.isArray(g.weightsManifest)) throw new Error(`${FN}: argument 'graphModelJson' has no weightsManifest array`);
  const nodes = new Map<string, NodeDef>();
  g.modelTopology.node.forEach((n, i) => {
    if (n == null || typeof n.name !== 'string' || !n.name || typeof n.op !== 'string' || !n.op) {
      throw new Error(`${FN}: modelTopology.node[${i}] needs a non-empty string 'name' and 'op', got ${JSON.stringify(n)?.slice(0, 120)}`);
    }
    if (n.input != null && (!Array.isArray(n.input) || n.input.some((r) => typeof r !== 'string'))) {
      throw new Error(`${FN}: node '${n.name}' (${n.op}): 'input' must be an array of strings`);
    }
    if (nodes.has(n.name)) throw new Error(`${FN}: two nodes are named '${n.name}'`);
    nodes.set(n.name, n);
  });
  for (const n of nodes.values()) {
    for (const r of n.input ?? []) {
      if (!nodes.has(nodeOf(r))) throw new Error(`${FN}: node '${n.name}' (${n.op}) has input '${r}', but no node is named '${nodeOf(r)}'`);
    }
  }
  const slots = new Map<string, WeightSlot>();
  let offset = 0;
  g.weightsManifest.forEach((group, gi) => {
    if (group == null || !Array.isArray(group.weights)) throw new Error(`${FN}: weightsManifest[${gi}] has no 'weights' array`);
    group.weights.forEach((w, wi) => {
      if (w == null || typeof w.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') {
        throw new Error(`${FN}: weightsManifest[${gi}].weights[${wi}] needs 'name', 'shape' and 'dtype', got ${JSON.stringify(w)?.slice(0, 120)}`);
      }
      const size = w.shape.reduce((a, b) => a * b, 1);
      let byteLength: number;
      if (w.dtype === 'string') {
        byteLength = 0; // each element: uint32 length + bytes
        for (let e = 0; e < size; e++) {
          if (offset + byteLength + 4 > data.byteLength) break;
          byteLength += 4 + new DataView(data.buffer, data.byteOffset + offset + byteLength, 4).getUint32(0, true);
        }
      } else {
        const per = BYTES[w.quantization?.dtype ?? w.dtype];
        if (per == null) throw new Error(`${FN}: weight '${w.name}' has unsupported dtype '${w.quantization?.dtype ?? w.dtype}'`);
        byteLength = size * per;
      }
      slots.set(w.name, {spec: w, offset, byteLength});
      offset += byteLength;
    });
  });
  if (offset !== data.byteLength) {
    throw new Error(`${FN}: argument 'weightData' has ${data.byteLength} bytes, but weightsManifest describes ${offset} bytes`);
  }
  return {nodes, slots};
}

/** The values of an int32 constant, or undefined when the node is not a plain int32 Const weight. */
export function constInts(name: string, nodes: Map<string, NodeDef>, slots: Map<string, WeightSlot>, data: Uint8Array): number[] | undefined {
  const n = nodes.get(name);
  const slot = slots.get(name);
  if (n?.op !== 'Const' || !slot || slot.spec.dtype !== 'int32' || slot.spec.quantization) return undefined;
  const copy = data.slice(slot.offset, slot.offset + slot.byteLength);
  return Array.from(new Int32Array(copy.buffer));
}

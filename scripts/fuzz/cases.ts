// Fuzz cases: a seed picks a public input file and a mutation; runCase loads the mutant and classifies the outcome.
import {readFileSync} from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {readTorchCheckpoint} from '../../converters/torch/checkpoint';
import {modelFromJSON} from '../../src/io/model_from_json';
import {mulberry32} from '../../tools/rng';

export type Kind = 'pt' | 'json';
export type Outcome = 'loaded' | 'rejected' | 'crashed' | 'hung' | 'over-memory';

const PT_FILES = ['test/fixtures/outer_small_add.pt', 'test/fixtures/outer_small_concat.pt', 'test/fixtures/block_s_layer4_b0.pt'];
const JSON_FILES = ['test/fixtures/models/mobilenetv2-keras2.model.json', 'test/fixtures/models/resnet50-keras2-legacy-names.model.json'];

const cache = new Map<string, Uint8Array>();
const load = (f: string) => cache.get(f) ?? (cache.set(f, new Uint8Array(readFileSync(f))), cache.get(f)!);

/** Pickle opcodes torch.save emits; swapping one for another is a structural mutation. */
const OPCODES = [0x80, 0x7d, 0x28, 0x58, 0x4b, 0x4d, 0x4a, 0x74, 0x85, 0x86, 0x87, 0x52, 0x51, 0x75, 0x73, 0x2e, 0x63, 0x71, 0x68, 0x29, 0x89, 0x93, 0x94, 0x8c, 0x5d, 0x65, 0x47];

function mutateBytes(src: Uint8Array, r: () => number): [Uint8Array, string] {
  const b = src.slice();
  const at = () => Math.floor(r() * b.length);
  const m = Math.floor(r() * 5);
  if (m === 0) { const n = 1 + Math.floor(r() * 8); for (let i = 0; i < n; i++) b[at()] ^= 1 << Math.floor(r() * 8); return [b, `flip ${n} bits`]; }
  if (m === 1) { const n = at(); return [b.subarray(0, n), `truncate to ${n}`]; }
  if (m === 2) { const s = at(), d = at(), n = Math.floor(r() * 64); b.copyWithin(d, s, s + n); return [b, `splice ${n} bytes ${s}->${d}`]; }
  if (m === 3) {
    // Opcode swap inside the pickle (stored first in torch archives, so near the start).
    const pkl = Math.min(b.length, 4096);
    for (let k = 0; k < 20; k++) { const i = Math.floor(r() * pkl); if (OPCODES.includes(b[i])) { b[i] = OPCODES[Math.floor(r() * OPCODES.length)]; return [b, `opcode swap at ${i}`]; } }
    return [b, 'opcode swap (none found)'];
  }
  // 32/64-bit size fields: write an extreme value at a random header-ish place.
  const i = Math.max(0, at() - 8); const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (i + 4 <= b.length) dv.setUint32(i, [0xffffffff, 0x7fffffff, 0, 1 << 30][Math.floor(r() * 4)], true);
  return [b, `extreme u32 at ${i}`];
}

function mutateJson(text: string, r: () => number): [string, string] {
  const j = JSON.parse(text);
  const layers: any[] = j.modelTopology.model_config.config.layers;
  const pick = () => layers[Math.floor(r() * layers.length)];
  const m = Math.floor(r() * 10);
  if (m === 0) { const a = pick(), b = pick(); a.inbound_nodes = [[[b.name, 0, 0, {}]]]; b.inbound_nodes = [[[a.name, 0, 0, {}]]]; return [JSON.stringify(j), `cycle ${a.name}<->${b.name}`]; }
  if (m === 1) { pick().inbound_nodes = [[['ghost_' + Math.floor(r() * 1e6), 0, 0, {}]]]; return [JSON.stringify(j), 'unknown inbound']; }
  if (m === 2) { const l = pick(); l.config[Object.keys(l.config)[Math.floor(r() * Object.keys(l.config).length)]] = [-1, 2.5, 1e12, null, 'x', {}][Math.floor(r() * 6)]; return [JSON.stringify(j), `config value of ${l.name}`]; }
  if (m === 3) { layers.splice(Math.floor(r() * layers.length), 1); return [JSON.stringify(j), 'drop a layer']; }
  if (m === 4) { pick().class_name = ['Lambda', 'NoSuchLayer', 'Functional', '__proto__'][Math.floor(r() * 4)]; return [JSON.stringify(j), 'class swap']; }
  if (m === 5) { const s = JSON.stringify(j); const d = 50 + Math.floor(r() * 5000); return [s.replace('"format"', `"x":${'['.repeat(d)}${']'.repeat(d)},"format"`), `nest ${d}`]; }
  if (m === 9) {
    // Wiring: an inbound reference whose node or tensor index is out of range or not a number.
    const l = pick(); const node = l.inbound_nodes?.[0]?.[0];
    if (!Array.isArray(node)) { delete l.inbound_nodes; return [JSON.stringify(j), `no inbound_nodes on ${l.name}`]; }
    node[1 + Math.floor(r() * 2)] = [1, 7, -1, 'x', null][Math.floor(r() * 5)];
    return [JSON.stringify(j), `inbound index of ${l.name}: ${JSON.stringify(node)}`];
  }
  if (m === 6) { const s = JSON.stringify(j); const k = ['__proto__', 'constructor', 'prototype'][Math.floor(r() * 3)]; return [s.replace('"config":{', `"config":{"${k}":{"x":1},`), `key ${k}`]; }
  const s = JSON.stringify(j);
  if (m === 7) { const n = Math.floor(r() * s.length); return [s.slice(0, n), `truncate to ${n}`]; }
  const c = s.split(''); for (let i = 0; i < 4; i++) c[Math.floor(r() * c.length)] = '[]{}",:0-9e'[Math.floor(r() * 12)]; return [c.join(''), 'char edits'];
}

const OURS = /^(torch checkpoint|readTorchCheckpoint|fromTorchCheckpoint|modelFromJSON|pickle)|\(at byte \d+\)$/;

/** Builds the mutant of a seed and loads it; 'crashed' is any error that is not ours (engine messages). */
export async function runCase(kind: Kind, seed: number): Promise<{outcome: Outcome; what: string; message?: string}> {
  const r = mulberry32(seed); // every case is replayable from its seed
  if (kind === 'pt') {
    const file = PT_FILES[Math.floor(r() * PT_FILES.length)];
    const [b, what] = mutateBytes(load(file), r);
    try {
      const sd = readTorchCheckpoint(b);
      for (const t of sd.tensors.values()) void t.data.length;
      return {outcome: 'loaded', what: `${file}: ${what}`};
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      return {outcome: e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError) && OURS.test(msg) ? 'rejected' : 'crashed', what: `${file}: ${what}`, message: msg.slice(0, 300)};
    }
  }
  const file = JSON_FILES[Math.floor(r() * JSON_FILES.length)];
  const [text, what] = mutateJson(new TextDecoder().decode(load(file)), r);
  try {
    const m = await modelFromJSON(text, undefined, file);
    m.dispose();
    return {outcome: 'loaded', what: `${file}: ${what}`};
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    return {outcome: e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError) && OURS.test(msg) ? 'rejected' : 'crashed', what: `${file}: ${what}`, message: msg.slice(0, 300)};
  } finally {
    void tf;
  }
}

// Structural checks of an untrusted model.json before tfjs-layers sees it: size, depth, prototype keys, code-carrying layers, graph.
type Json = {[key: string]: unknown};

/** Limits on a model.json; values are documented in docs/threat-model.md. */
export const MODEL_JSON_LIMITS = {
  /** Characters of model.json text (the biggest zoo topology is ~0.5 MB). */
  maxChars: 64 * 1024 * 1024,
  /** Nesting depth of arrays/objects (Keras files nest ~12 deep). */
  maxDepth: 100,
  /** Layers in one (possibly nested) model. */
  maxLayers: 100_000,
  /** Weights in a manifest, and elements in one weight (2^28 = 1 GiB of float32). */
  maxWeights: 1_000_000,
  maxWeightElements: 2 ** 28,
  /** `units` / `filters` of one layer. */
  maxUnits: 1 << 20,
};

/** Keys that would reach an object's prototype if a later step copied them with plain assignment. */
const PROTO_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Layer classes whose config carries code (Keras serialises the Python function's bytecode). */
const CODE_LAYERS = new Set(['Lambda', 'TFOpLambda', 'SlicingOpLambda']);

const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);

const isObj = (v: unknown): v is Json => v != null && typeof v === 'object' && !Array.isArray(v);

/** Our error: `modelFromJSON(file): where: problem`. */
export function modelError(file: string, what: string): Error {
  return new Error(`modelFromJSON(${file}): ${what}`);
}

/** Bracket depth of JSON text, scanned without recursion (strings skipped), so deep text never reaches JSON.parse. */
export function checkJsonText(text: string, file: string): void {
  if (text.length > MODEL_JSON_LIMITS.maxChars) throw modelError(file, `the text has ${text.length} characters, more than the limit of ${MODEL_JSON_LIMITS.maxChars}`);
  let depth = 0, inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inStr = false;
    } else if (c === 0x22) inStr = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MODEL_JSON_LIMITS.maxDepth) throw modelError(file, `JSON nests deeper than ${MODEL_JSON_LIMITS.maxDepth} levels (at character ${i})`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** Depth and prototype-key walk of a parsed value, with an explicit stack (no recursion). */
export function checkJsonValue(root: unknown, file: string): void {
  const stack: [unknown, number, string][] = [[root, 1, '']];
  let nodes = 0;
  while (stack.length) {
    const [v, depth, path] = stack.pop()!;
    if (v == null || typeof v !== 'object') continue;
    if (depth > MODEL_JSON_LIMITS.maxDepth) throw modelError(file, `JSON nests deeper than ${MODEL_JSON_LIMITS.maxDepth} levels (at ${path || 'the root'})`);
    if (++nodes > 100 * MODEL_JSON_LIMITS.maxLayers) throw modelError(file, 'the JSON has too many objects');
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, depth + 1, `${path}[${i}]`]));
    else {
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) throw modelError(file, `${path || 'the root'} is not a plain JSON object`);
      for (const k of Object.keys(v)) {
        if (PROTO_KEYS.has(k)) throw modelError(file, `key '${k}' at ${path || 'the root'} is refused (it would reach an object prototype)`);
        stack.push([(v as Json)[k], depth + 1, `${path}.${k}`]);
      }
    }
  }
}

function checkShape(v: unknown, file: string, where: string, allowNull: boolean): void {
  if (v == null) return;
  if (!Array.isArray(v)) throw modelError(file, `${where} must be a list of sizes, got ${JSON.stringify(v)}`);
  for (const d of v) {
    if (d === null && allowNull) continue;
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw modelError(file, `${where} [${v.map(String)}] has a size ${JSON.stringify(d)}; sizes are non-negative integers`);
  }
}

/** Inbound layer names of a Keras 2 or Keras 3 layer (`[[[name, node, tensor, kwargs]]]` or `{args: [__keras_tensor__]}`). */
function inboundNames(nodes: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [nodes];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number') out.push(v[0]);
      else stack.push(...v);
    } else if (isObj(v)) {
      if (v['class_name'] === '__keras_tensor__' && isObj(v['config'])) {
        const h = (v['config'] as Json)['keras_history'];
        if (Array.isArray(h) && typeof h[0] === 'string') out.push(h[0]);
      } else stack.push(...Object.values(v));
    }
  }
  return out;
}

/** A functional model (tfjs-layers' Container.fromConfig): its layers are wired by `inbound_nodes`. */
const isFunctional = (m: Json, cfg: Json) => m['class_name'] === 'Functional' || m['class_name'] === 'Model' || 'input_layers' in cfg || 'output_layers' in cfg;

const isIndex = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Recurrent layers return their states too when `return_state` is set (a Bidirectional LSTM: 1 + 2·2). */
const MULTI_OUTPUT = new Set(['RNN', 'SimpleRNN', 'GRU', 'LSTM', 'ConvLSTM2D', 'Bidirectional']);

/** How many output tensors a layer can have: a nested model's outputs, a recurrent layer's bound, else one. */
function outputCount(l: Json): number {
  const cls = l['class_name'] as string;
  const cfg = isObj(l['config']) ? l['config'] : {};
  if (MODEL_CLASSES.has(cls)) return Array.isArray(cfg['output_layers']) ? Math.max(1, cfg['output_layers'].length) : 1;
  return MULTI_OUTPUT.has(cls) ? 5 : 1;
}

/**
 * The wiring tfjs-layers reads without checking (Container.fromConfig): every layer of a
 * functional model has a top-level name and an `inbound_nodes` list; each node is a list of
 * `[layer, nodeIndex, tensorIndex, kwargs?]` whose node index exists (an out-of-range index
 * would make tfjs re-queue the node forever) and whose tensor index is within the layer's
 * outputs (else tfjs hands `undefined` on as a tensor); `input_layers` / `output_layers` are lists of
 * `[layer, nodeIndex, tensorIndex]` of existing layers and nodes. `order` holds the layer names.
 */
function checkKeras2Graph(layers: Json[], cfg: Json, order: string[], file: string, where: string): void {
  const nodes = new Map<string, number>();
  const outputs = new Map<string, number>();
  layers.forEach((l, i) => {
    const name = order[i];
    if (typeof l['name'] !== 'string') throw modelError(file, `layer '${name}' of ${where} has no top-level 'name' (a functional model's layers need one)`);
    const inbound = l['inbound_nodes'];
    if (!Array.isArray(inbound)) throw modelError(file, `layer '${name}' of ${where} has no 'inbound_nodes' list (got ${JSON.stringify(inbound)?.slice(0, 40)})`);
    // An InputLayer has no inbound node but makes one; every call of a layer makes one; a nested
    // model has its own node 0 (made when it was built), so its calls are nodes 1, 2, …
    nodes.set(name, MODEL_CLASSES.has(l['class_name'] as string) ? inbound.length + 1 : Math.max(1, inbound.length));
    outputs.set(name, outputCount(l));
  });
  const ref = (r: unknown, what: string) => {
    if (!Array.isArray(r) || typeof r[0] !== 'string' || !isIndex(r[1]) || !isIndex(r[2]) || r.length > 4 || (r.length === 4 && r[3] != null && !isObj(r[3]))) {
      throw modelError(file, `${what} is ${JSON.stringify(r)?.slice(0, 80)}; expected [layer name, node index, tensor index, kwargs?]`);
    }
    const n = nodes.get(r[0]);
    if (n === undefined) throw modelError(file, `${what} names '${r[0]}', which is not a layer of ${where}`);
    if (r[1] >= n) throw modelError(file, `${what} asks for node ${r[1]} of layer '${r[0]}', which has ${n}`);
    const o = outputs.get(r[0])!;
    if (r[2] >= o) throw modelError(file, `${what} asks for output ${r[2]} of layer '${r[0]}', which has ${o === 1 ? 'one' : `at most ${o}`}`);
  };
  layers.forEach((l, i) => {
    (l['inbound_nodes'] as unknown[]).forEach((node, k) => {
      if (!Array.isArray(node)) throw modelError(file, `layer '${order[i]}' inbound node ${k} is ${JSON.stringify(node)?.slice(0, 40)}; expected a list`);
      node.forEach((r, j) => ref(r, `layer '${order[i]}' inbound node ${k} input ${j}`));
    });
  });
  for (const k of ['input_layers', 'output_layers']) {
    const ends = cfg[k];
    if (!Array.isArray(ends) || ends.length === 0) throw modelError(file, `${where}: '${k}' must be a non-empty list, got ${JSON.stringify(ends)?.slice(0, 40)}`);
    ends.forEach((r, j) => ref(r, `${where} ${k}[${j}]`));
  }
}

/**
 * Checks a (Keras 2 or 3) topology: layer classes, shapes, unknown / duplicate / cyclic inbound
 * layers, recursively into nested models. Throws an Error naming the file and the layer.
 * With `keras2` (a topology in the Keras 2 layout tfjs-layers reads, i.e. after normalisation)
 * the wiring of functional models is checked entry by entry as well.
 */
export function checkTopology(topology: unknown, file: string, keras2 = false): void {
  let total = 0;
  const models: [Json, string][] = [];
  if (isObj(topology)) models.push([topology, 'the model']);
  while (models.length) {
    const [m, where] = models.pop()!;
    const cls = m['class_name'];
    if (typeof cls === 'string' && CODE_LAYERS.has(cls)) throw modelError(file, `${where} is a ${cls} layer, which carries Python code; such layers are refused`);
    const cfg = isObj(m['config']) ? m['config'] : isObj(m['model_config']) ? m['model_config'] : null;
    if (!cfg) continue;
    // A model class needs its config (tfjs-layers reads config.layers without checking); old Sequential files list the layers directly.
    const inner = cfg['class_name'];
    if (typeof inner === 'string' && MODEL_CLASSES.has(inner) && !isObj(cfg['config']) && !Array.isArray(cfg['config'])) {
      throw modelError(file, `${where} is a ${inner} without a 'config' object (got ${JSON.stringify(cfg['config'])?.slice(0, 40)})`);
    }
    if (typeof cls === 'string' && MODEL_CLASSES.has(cls) && cls !== 'Sequential' && cfg === m['config'] && !Array.isArray(cfg['layers'])) {
      throw modelError(file, `${where} is a ${cls} without a 'layers' list`);
    }
    if (isObj(cfg['config']) && Array.isArray((cfg['config'] as Json)['layers'])) { models.push([cfg, where]); continue; }
    const layers = cfg['layers'];
    if (layers == null) continue;
    if (!Array.isArray(layers)) throw modelError(file, `${where}: 'layers' must be a list`);
    total += layers.length;
    if (total > MODEL_JSON_LIMITS.maxLayers) throw modelError(file, `more than ${MODEL_JSON_LIMITS.maxLayers} layers`);
    const names = new Map<string, number>();
    const order: string[] = [];
    layers.forEach((l, i) => {
      if (!isObj(l)) throw modelError(file, `${where}: layer ${i} is not an object`);
      const lc = isObj(l['config']) ? l['config'] as Json : {};
      const name = typeof l['name'] === 'string' ? l['name'] : typeof lc['name'] === 'string' ? lc['name'] as string : `#${i}`;
      if ('name' in lc && typeof lc['name'] !== 'string') throw modelError(file, `layer ${i} ('${name}') has a config name ${JSON.stringify(lc['name'])}; names are strings`);
      const lcls = l['class_name'];
      if (typeof lcls !== 'string') throw modelError(file, `layer '${name}' has no class_name`);
      if (CODE_LAYERS.has(lcls)) throw modelError(file, `layer '${name}' is a ${lcls} layer, which carries Python code; such layers are refused`);
      if (MODEL_CLASSES.has(lcls) && !Array.isArray(lc['layers'])) throw modelError(file, `layer '${name}' is a ${lcls} without a 'layers' list`);
      if (names.has(name)) throw modelError(file, `two layers are named '${name}'`);
      names.set(name, i);
      order.push(name);
      for (const k of ['batch_input_shape', 'batch_shape']) checkShape(lc[k], file, `layer '${name}' ${k}`, true);
      for (const k of ['target_shape', 'kernel_size', 'pool_size', 'strides', 'dilation_rate']) {
        // Keras also writes a single number for a square size.
        const v = typeof lc[k] === 'number' ? [lc[k]] : lc[k];
        if (!Array.isArray(v)) continue;
        checkShape(v, file, `layer '${name}' ${k}`, false);
        if ((v as number[]).some((d) => d > MODEL_JSON_LIMITS.maxUnits)) throw modelError(file, `layer '${name}' ${k} [${v}] has a size above ${MODEL_JSON_LIMITS.maxUnits}`);
      }
      for (const k of ['units', 'filters', 'depth_multiplier', 'input_dim', 'output_dim', 'n', 'groups']) {
        const u = lc[k];
        if (u != null && (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 0 || u > MODEL_JSON_LIMITS.maxUnits)) throw modelError(file, `layer '${name}' ${k} is ${JSON.stringify(u)}; an integer in [0, ${MODEL_JSON_LIMITS.maxUnits}] is required`);
      }
      if (Array.isArray(lc['layers']) || (isObj(lc['layers']))) models.push([l, `layer '${name}'`]);
    });
    if (keras2 && isFunctional(m, cfg)) checkKeras2Graph(layers as Json[], cfg, order, file, where);
    // Graph: every inbound name must be a layer of this model; Kahn's order finds cycles.
    const deps = layers.map((l: Json) => inboundNames(l['inbound_nodes']));
    const indeg = new Array<number>(layers.length).fill(0);
    const users: number[][] = layers.map(() => []);
    deps.forEach((ds, i) => {
      for (const d of ds) {
        const j = names.get(d);
        const self = order[i];
        if (j === undefined) throw modelError(file, `layer '${self}' takes its input from '${d}', which is not a layer of ${where}`);
        indeg[i]++;
        users[j].push(i);
      }
    });
    const queue = indeg.flatMap((d, i) => (d === 0 ? [i] : []));
    let seen = 0;
    while (queue.length) {
      const i = queue.pop()!;
      seen++;
      for (const u of users[i]) if (--indeg[u] === 0) queue.push(u);
    }
    if (seen < layers.length) {
      const inCycle = [...names].filter(([, i]) => indeg[i] > 0).map(([n]) => `'${n}'`).slice(0, 10);
      throw modelError(file, `the layers form a cycle (layers ${inCycle.join(', ')} feed each other)`);
    }
  }
}

const BYTES: Record<string, number> = {float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2};

/** Checks every manifest entry (name, dtype, shape) and returns the byte count the data must have; nothing is allocated. */
export function checkManifest(manifest: unknown, file: string): number {
  if (!Array.isArray(manifest)) throw modelError(file, "'weightsManifest' must be a list of groups");
  let bytes = 0, count = 0;
  manifest.forEach((g, gi) => {
    if (!isObj(g) || !Array.isArray(g['weights'])) throw modelError(file, `weightsManifest[${gi}] has no 'weights' list`);
    for (const w of g['weights'] as unknown[]) {
      if (++count > MODEL_JSON_LIMITS.maxWeights) throw modelError(file, `more than ${MODEL_JSON_LIMITS.maxWeights} weights`);
      if (!isObj(w) || typeof w['name'] !== 'string') throw modelError(file, `weightsManifest[${gi}] has a weight without a name`);
      const name = w['name'];
      checkShape(w['shape'], file, `weight '${name}' shape`, false);
      if (!Array.isArray(w['shape'])) throw modelError(file, `weight '${name}' has no shape`);
      const n = (w['shape'] as number[]).reduce((a, b) => a * b, 1);
      if (n > MODEL_JSON_LIMITS.maxWeightElements) throw modelError(file, `weight '${name}' shape [${w['shape']}] has ${n} elements, more than the limit of ${MODEL_JSON_LIMITS.maxWeightElements}`);
      const q = w['quantization'];
      const dtype = isObj(q) ? q['dtype'] : w['dtype'];
      if (typeof dtype !== 'string' || !(dtype in BYTES)) throw modelError(file, `weight '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(BYTES).join(', ')}`);
      bytes += n * BYTES[dtype];
    }
  });
  return bytes;
}

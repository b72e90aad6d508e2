// Keras-3 → Keras-2 normaliser of a converted model.json topology, so tfjs-layers 4.22 can deserialise it.
type Json = {[key: string]: unknown};

const isObj = (v: unknown): v is Json => v != null && typeof v === 'object' && !Array.isArray(v);

/** Keras 3 dtype policy object → the plain dtype string tfjs-layers expects. */
function dtypeOf(v: unknown): unknown {
  if (!isObj(v)) return v;
  const name = isObj(v['config']) ? (v['config'] as Json)['name'] : undefined;
  // Mixed policies compute in float16 in Keras; tfjs layers run float32 anyway.
  return name === 'int32' || name === 'bool' ? name : 'float32';
}

/** Strips Keras 3's `module` / `registered_name` / `build_config` wrappers from nested `{class_name, config}` objects. */
function stripWrappers(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripWrappers);
  if (!isObj(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'compile_config') continue;
    out[k] = k === 'dtype' ? dtypeOf(x) : stripWrappers(x);
  }
  return out;
}

/** Every `__keras_tensor__` of a Keras 3 call, in argument order. */
function kerasTensors(v: unknown, out: [string, number, number][] = []): [string, number, number][] {
  if (Array.isArray(v)) {
    for (const x of v) kerasTensors(x, out);
  } else if (isObj(v)) {
    if (v['class_name'] === '__keras_tensor__') {
      const h = (v['config'] as Json)['keras_history'] as [string, number, number];
      out.push([h[0], h[1], h[2]]);
    } else {
      for (const x of Object.values(v)) kerasTensors(x, out);
    }
  }
  return out;
}

/** Keras 3 inbound nodes `[{args, kwargs}]` → Keras 2 `[[[name, node, tensor, kwargs], ...]]`. */
function inboundNodes(nodes: unknown): unknown {
  if (!Array.isArray(nodes)) return nodes;
  return nodes.map((node) => {
    if (!isObj(node) || !('args' in node)) return node;
    const kwargs: Json = {};
    for (const [k, x] of Object.entries((node['kwargs'] as Json) ?? {})) {
      if (x != null && kerasTensors(x).length === 0) kwargs[k] = x;
    }
    return kerasTensors(node['args']).map(([name, n, t]) => [name, n, t, kwargs]);
  });
}

/** A single `[name, node, tensor]` input/output list → the list-of-lists form. */
function endpoints(v: unknown): unknown {
  return Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
}

/** Weight renames implied by layer conversions: `old weight name` → `[new name, new shape]`. */
export type WeightRenames = Map<string, {name: string; shape?: number[]}>;

function normaliseLayer(layer: Json, renames: WeightRenames, prefix: string): Json {
  const l = stripWrappers(layer) as Json;
  const cfg = (l['config'] ?? {}) as Json;
  if (l['class_name'] === 'InputLayer' && 'batch_shape' in cfg) {
    cfg['batch_input_shape'] = cfg['batch_shape'];
    delete cfg['batch_shape'];
    delete cfg['optional'];
  }
  // Keras writes ConvNeXt's depthwise conv as Conv2D(groups = C); tfjs-layers has no groups:
  // a DepthwiseConv2D holds the same numbers ([kh,kw,1,C] and [kh,kw,C,1] are one memory layout).
  const groups = cfg['groups'] as number | undefined;
  if (l['class_name'] === 'Conv2D' && groups != null && groups > 1) {
    const inbound = kerasTensors(layer['inbound_nodes']);
    const cin = firstInputChannels(layer);
    if (groups !== cfg['filters'] || (cin != null && cin !== groups)) {
      throw new Error(`modelFromJSON: layer '${cfg['name']}' is a grouped Conv2D (groups ${groups}, filters ${cfg['filters']}, input channels ${cin ?? 'unknown'}, inputs ${inbound.map((t) => t[0])}); tfjs-layers supports only groups = 1 or depthwise (groups = filters = input channels)`);
    }
    l['class_name'] = 'DepthwiseConv2D';
    const dw: Json = {depth_multiplier: 1, depthwise_initializer: cfg['kernel_initializer'],
      depthwise_regularizer: cfg['kernel_regularizer'], depthwise_constraint: cfg['kernel_constraint']};
    for (const k of ['filters', 'groups', 'kernel_initializer', 'kernel_regularizer', 'kernel_constraint']) delete cfg[k];
    Object.assign(cfg, dw);
    const k = cfg['kernel_size'] as number[];
    renames.set(`${prefix}${cfg['name']}/kernel`, {name: `${prefix}${cfg['name']}/depthwise_kernel`, shape: [k[0], k[1], groups, 1]});
  }
  delete cfg['groups'];
  if (Array.isArray(cfg['layers'])) {
    l['config'] = normaliseContainerConfig(cfg, renames, '');
    if (l['class_name'] === 'Sequential') foldSequentialInput(l['config'] as Json);
  }
  if ('inbound_nodes' in l) l['inbound_nodes'] = inboundNodes(layer['inbound_nodes']);
  if (l['name'] == null && cfg['name'] != null && 'inbound_nodes' in l) l['name'] = cfg['name'];
  return l;
}

/**
 * Keras 3 Sequentials start with an explicit InputLayer; nested in a functional model
 * tfjs-layers then sees a disconnected graph. Keras 2 form: the shape moves onto the
 * first real layer as `batch_input_shape` and the InputLayer goes.
 */
function foldSequentialInput(config: Json): void {
  const layers = config['layers'] as Json[];
  if (layers.length < 2 || layers[0]['class_name'] !== 'InputLayer') return;
  const shape = (layers[0]['config'] as Json)['batch_input_shape'];
  const first = layers[1]['config'] as Json;
  if (first['batch_input_shape'] == null && shape != null) first['batch_input_shape'] = shape;
  layers.shift();
}

function firstInputChannels(layer: Json): number | null {
  const nodes = layer['inbound_nodes'];
  if (!Array.isArray(nodes) || !isObj(nodes[0])) return null;
  const find = (v: unknown): number | null => {
    if (Array.isArray(v)) {
      for (const x of v) { const r = find(x); if (r != null) return r; }
    } else if (isObj(v)) {
      if (v['class_name'] === '__keras_tensor__') {
        const s = (v['config'] as Json)['shape'] as (number | null)[];
        return s?.[s.length - 1] ?? null;
      }
    }
    return null;
  };
  return find((nodes[0] as Json)['args']);
}

function normaliseContainerConfig(config: Json, renames: WeightRenames, prefix: string): Json {
  const out: Json = {...config};
  const raw = config['layers'] as Json[];
  const layers = raw.map((l) => normaliseLayer(l, renames, prefix));
  out['layers'] = layers;
  if ('input_layers' in out) out['input_layers'] = endpoints(out['input_layers']);
  if ('output_layers' in out) out['output_layers'] = endpoints(out['output_layers']);
  delete out['trainable'];
  const keras3 = raw.some((l) => Array.isArray(l['inbound_nodes']) && (l['inbound_nodes'] as unknown[]).some((n) => isObj(n) && 'args' in n));
  if (keras3) shiftNestedModelNodes(out, layers);
  return out;
}

/**
 * tfjs-layers gives a nested model built with a known input an inbound node of its own
 * (index 0), so its first call from the outer graph is node 1 (Keras 2 JSON says so too);
 * Keras 3 numbers that call 0. References to such models are shifted by one.
 */
function shiftNestedModelNodes(config: Json, layers: Json[]): void {
  const built = new Set<string>();
  for (const l of layers) {
    const cfg = (l['config'] ?? {}) as Json;
    const inner = cfg['layers'] as Json[] | undefined;
    if (!Array.isArray(inner)) continue;
    const isSequential = l['class_name'] === 'Sequential';
    if (!isSequential || (inner[0] && (inner[0]['config'] as Json)?.['batch_input_shape'] != null)) built.add(String(l['name'] ?? cfg['name']));
  }
  if (!built.size) return;
  const shift = (ref: unknown) => {
    if (Array.isArray(ref) && typeof ref[0] === 'string' && typeof ref[1] === 'number' && built.has(ref[0])) ref[1] += 1;
  };
  for (const l of layers) {
    for (const node of (l['inbound_nodes'] as unknown[][] | undefined) ?? []) for (const ref of node ?? []) shift(ref);
  }
  for (const ref of (config['output_layers'] as unknown[]) ?? []) shift(ref);
}

/**
 * Returns a Keras-2 style copy of a converted `modelTopology` (Keras 2 input is
 * returned equivalent): InputLayer `batch_shape` → `batch_input_shape`; nested
 * `{module, class_name, config, registered_name}` objects → `{class_name, config}`;
 * DTypePolicy objects → dtype strings; `{args, kwargs}` inbound nodes → node lists;
 * depthwise `Conv2D(groups)` → `DepthwiseConv2D` (its weight renamed in `renames`);
 * the training config is dropped (Keras 3 optimizer configs do not load in tfjs).
 */
export function normaliseKerasTopology(topology: Json): {topology: Json; renames: WeightRenames} {
  const renames: WeightRenames = new Map();
  const t = {...topology};
  delete t['training_config'];
  const nested = isObj(t['model_config']);
  const modelConfig = (nested ? t['model_config'] : t) as Json;
  const mc = stripWrappers({...modelConfig, config: undefined}) as Json;
  const cfg = modelConfig['config'];
  if (isObj(cfg) && Array.isArray(cfg['layers'])) mc['config'] = normaliseContainerConfig(cfg, renames, '');
  else if (Array.isArray(cfg)) mc['config'] = (cfg as Json[]).map((l) => normaliseLayer(l, renames, ''));
  else mc['config'] = cfg;
  if (!nested) return {topology: mc, renames};
  t['model_config'] = mc;
  return {topology: t, renames};
}

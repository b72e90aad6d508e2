// Graph rebuild machinery of replaceBlocks: list the (nested) layers, rewrite the serialised graph, rebuild it, copy weights.
import * as tf from '@tensorflow/tfjs-core';
import {serialization} from '@tensorflow/tfjs-core';
import {LayersModel, Sequential} from '@tensorflow/tfjs-layers';
import type {FoundLayer, Replacement, Shape} from './types';

type Layer = LayersModel['layers'][number];
type Json = serialization.ConfigDict;

const isContainer = (l: Layer): l is LayersModel => l instanceof LayersModel;

/** First input shape of a layer's first call (shared layers have several calls), or null. */
function firstInputShape(layer: Layer): Shape | null {
  const node = layer.inboundNodes[0];
  const t = node?.inputTensors?.[0];
  return t ? (t.shape as Shape) : null;
}

/** Every non-container layer, depth first, with `outer/inner` paths for nested models. */
export function flattenLayers(model: LayersModel, prefix = ''): FoundLayer[] {
  const out: FoundLayer[] = [];
  for (const layer of model.layers) {
    if (isContainer(layer)) {
      out.push(...flattenLayers(layer, `${prefix}${layer.name}/`));
      continue;
    }
    out.push({
      path: prefix + layer.name, name: layer.name, className: layer.getClassName(),
      inputShape: firstInputShape(layer), config: layer.getConfig(),
    });
  }
  return out;
}

/** Layers by path, containers excluded. */
function layersByPath(model: LayersModel, prefix = '', out = new Map<string, Layer>()): Map<string, Layer> {
  for (const layer of model.layers) {
    if (isContainer(layer)) layersByPath(layer, `${prefix}${layer.name}/`, out);
    else out.set(prefix + layer.name, layer);
  }
  return out;
}

/** Renames inbound-node / input / output references `[name, node, tensor, ...]` in place. */
function renameRefs(value: unknown, renames: Map<string, string>): void {
  if (!Array.isArray(value)) return;
  if (typeof value[0] === 'string' && typeof value[1] === 'number') {
    const to = renames.get(value[0]);
    if (to != null) value[0] = to;
    return;
  }
  for (const v of value) renameRefs(v, renames);
}

/** Applies the replacements to a container config (tfjs getConfig form) and its nested containers. */
function editContainer(config: Json, prefix: string, todo: Map<string, Replacement>): void {
  const layers = config['layers'] as Json[] | undefined;
  if (!Array.isArray(layers)) return;
  const renames = new Map<string, string>();
  for (const entry of layers) {
    const inner = entry['config'] as Json;
    const name = (entry['name'] ?? inner?.['name']) as string;
    const path = prefix + name;
    const r = todo.get(path);
    if (r) {
      entry['className'] = r.className;
      entry['config'] = {...r.config, name: r.newName, trainable: inner?.['trainable'] ?? true};
      if ('name' in entry) entry['name'] = r.newName;
      renames.set(name, r.newName);
      todo.delete(path);
    } else if (inner && Array.isArray(inner['layers'])) {
      editContainer(inner, `${path}/`, todo);
    }
  }
  if (renames.size) {
    for (const entry of layers) renameRefs(entry['inboundNodes'], renames);
    renameRefs(config['inputLayers'], renames);
    renameRefs(config['outputLayers'], renames);
  }
}

/**
 * Rebuilds `model` from its own serialised graph with `replacements` applied, and
 * copies every weight of every kept layer (cloned, so the two models share no
 * buffers). Replaced layers keep the initialisation of their config.
 */
export function rebuild(model: LayersModel, replacements: Replacement[]): {model: LayersModel; copied: number} {
  const config = JSON.parse(JSON.stringify(model.getConfig())) as Json;
  const todo = new Map(replacements.map((r) => [r.path, r]));
  editContainer(config, '', todo);
  if (todo.size) {
    throw new Error(`replaceBlocks: internal error, layers not found in the model config: ${[...todo.keys()].join(', ')}`);
  }
  const cls = model instanceof Sequential ? Sequential : LayersModel;
  const fresh = cls.fromConfig(cls as unknown as serialization.SerializableConstructor<LayersModel>, config) as LayersModel;
  const replaced = new Set(replacements.map((r) => {
    const cut = r.path.lastIndexOf('/');
    return r.path.slice(0, cut + 1) + r.newName;
  }));
  const before = layersByPath(model);
  let copied = 0;
  try {
    for (const [path, layer] of layersByPath(fresh)) {
      if (replaced.has(path)) continue;
      const old = before.get(path);
      if (!old) throw new Error(`replaceBlocks: rebuilt layer '${path}' has no counterpart in the input model`);
      const src = old.getWeights();
      if (src.length !== layer.weights.length) {
        throw new Error(`replaceBlocks: layer '${path}' has ${src.length} weights in the input model but ${layer.weights.length} after rebuilding`);
      }
      if (!src.length) continue;
      const copies = tf.tidy(() => src.map((w) => w.clone()));
      layer.setWeights(copies);
      tf.dispose(copies);
      copied += src.length;
    }
  } catch (e) {
    fresh.dispose();
    throw e;
  }
  return {model: fresh, copied};
}

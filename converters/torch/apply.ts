// Loads a checkpoint's tensors into a built tfjs model through a family key map, reporting every mismatch at once.
import * as tfl from '@tensorflow/tfjs-layers';
import {tensor, tidy} from '@tensorflow/tfjs-core';
import type {TorchKeyMap} from '../../src/models/torch_keymap';
import type {TorchTensor} from './checkpoint';
import {shapeStr} from '../../ops/util/validate';
import {applyTransform, transformedShape} from './transforms';

export interface ApplyResult {
  /** Checkpoint keys copied into the model. */
  loaded: number;
  /** Checkpoint keys the key map ignores on purpose (num_batches_tracked, residual.* aliases...). */
  ignored: string[];
  /** Number of values written into the model (trainable and non-trainable). */
  values: number;
}

/** Prefixes wrappers add to every key: DataParallel/DDP (`module.`) and torch.compile (`_orig_mod.`). */
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

/** Drops wrapper prefixes when every key carries them, so a `module.`-saved checkpoint converts unchanged. */
export function stripWrapperPrefixes(tensors: Map<string, TorchTensor>): Map<string, TorchTensor> {
  let out = tensors;
  for (let changed = true; changed;) {
    changed = false;
    for (const p of WRAPPER_PREFIXES) {
      if (out.size && [...out.keys()].every((k) => k.startsWith(p))) {
        out = new Map([...out].map(([k, v]) => [k.slice(p.length), v]));
        changed = true;
      }
    }
  }
  return out;
}

const fmt = shapeStr;
const weightName = (v: tfl.LayerVariable) => v.originalName ?? v.name;

/**
 * Copies `tensors` into `model` as directed by `keyMap`. Before touching the model it checks
 * everything and throws one error listing every missing, unexpected and wrongly shaped key
 * (with both shapes), and every model weight the map does not cover.
 */
export function applyTorchStateDict(model: tfl.LayersModel, tensors: Map<string, TorchTensor>, keyMap: TorchKeyMap, context = 'checkpoint'): ApplyResult {
  const sd = stripWrapperPrefixes(tensors);
  const vars = new Map<string, tfl.LayerVariable>();
  for (const v of model.weights) vars.set(weightName(v), v);

  const missing: string[] = [], unexpected: string[] = [], shapes: string[] = [], mapping: string[] = [];
  const planned = new Map<string, {key: string; transform: (typeof keyMap.entries)[number]['transform']; t: TorchTensor}>();
  const mapped = new Set<string>();
  for (const e of keyMap.entries) {
    mapped.add(e.torchKey);
    const t = sd.get(e.torchKey);
    const v = vars.get(e.tfjsName);
    if (!v) mapping.push(`  ${e.torchKey} -> '${e.tfjsName}': the model has no such weight`);
    else if (planned.has(e.tfjsName)) mapping.push(`  ${e.torchKey} -> '${e.tfjsName}': weight already fed by ${planned.get(e.tfjsName)!.key}`);
    if (!t) { missing.push(`  ${e.torchKey} (expected ${fmt(e.torchShape)})`); continue; }
    if (fmt(t.shape) !== fmt(e.torchShape)) { shapes.push(`  ${e.torchKey}: checkpoint ${fmt(t.shape)}, model expects ${fmt(e.torchShape)}`); continue; }
    if (!v || planned.has(e.tfjsName)) continue;
    const target = transformedShape(e.transform, t.shape, v.shape as number[]);
    if (typeof target === 'string') mapping.push(`  ${e.torchKey} -> '${e.tfjsName}': ${target}`);
    else if (fmt(target) !== fmt(v.shape)) mapping.push(`  ${e.torchKey} -> '${e.tfjsName}': ${e.transform} of ${fmt(t.shape)} gives ${fmt(target)}, the weight is ${fmt(v.shape)}`);
    else planned.set(e.tfjsName, {key: e.torchKey, transform: e.transform, t});
  }
  const ignored: string[] = [];
  for (const [k, t] of sd) {
    if (mapped.has(k)) continue;
    if (keyMap.ignore(k)) ignored.push(k);
    else unexpected.push(`  ${k} ${fmt(t.shape)}`);
  }
  const mappedNames = new Set(keyMap.entries.map((e) => e.tfjsName));
  const uncovered = [...vars.keys()].filter((n) => !mappedNames.has(n)).map((n) => `  ${n} ${fmt(vars.get(n)!.shape)}`);

  const sections: [string, string[]][] = [
    ['missing from the checkpoint', missing],
    ['unexpected in the checkpoint', unexpected],
    ['wrongly shaped', shapes],
    ['key map / model disagreements', mapping],
    ['model weights no checkpoint key maps to', uncovered],
  ];
  const problems = sections.filter(([, l]) => l.length);
  if (problems.length) {
    const total = problems.reduce((a, [, l]) => a + l.length, 0);
    throw new Error(`${context}: the state_dict does not match the model (${total} problems)\n` +
      problems.map(([title, l]) => `${l.length} ${title}:\n${l.join('\n')}`).join('\n'));
  }

  let values = 0;
  const weights = model.weights.map((v) => {
    const p = planned.get(weightName(v))!;
    values += p.t.data.length;
    return tensor(applyTransform(p.transform, p.t.data, p.t.shape), v.shape as number[], 'float32');
  });
  try {
    tidy(() => model.setWeights(weights));
  } finally {
    weights.forEach((w) => w.dispose());
  }
  return {loaded: planned.size, ignored, values};
}

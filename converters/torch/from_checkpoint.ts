// Official PyTorch checkpoint bytes -> a tfjs LayersModel of a named architecture.
import type * as tfl from '@tensorflow/tfjs-layers';
import {getModelEntry, modelNames, ModelEntry, TorchCheckpointSpec} from '../../src/models/registry';
import type {TorchKeyMap} from '../../src/models/torch_keymap';
import {applyTorchStateDict, stripWrapperPrefixes} from './apply';
import {TorchStateDict, TorchTensor, readTorchCheckpoint} from './checkpoint';

type InputShape = [number | null, number | null, number];

/** An architecture name of the model registry (an entry with a PyTorch key map), e.g. `'paccnet-s'`; aliases are accepted too. */
export type TorchArch = string;
/** The architectures `fromTorchCheckpoint` and the CLI accept: the registry entries with a PyTorch key map. */
export const TORCH_ARCHS: TorchArch[] = modelNames({torch: true});

/** The registry entry of `arch` when it has a key map, else undefined. */
function torchEntry(arch: unknown): (ModelEntry & {torch: TorchCheckpointSpec}) | undefined {
  if (typeof arch !== 'string') return undefined;
  try {
    const e = getModelEntry(arch);
    return e.torch ? e as ModelEntry & {torch: TorchCheckpointSpec} : undefined;
  } catch {
    return undefined;
  }
}

export interface FromTorchCheckpointOptions {
  arch: TorchArch;
  /** Default: the row count of `classifier.fc.weight` in the checkpoint (1000 for ImageNet). */
  numClasses?: number;
  /** Default `[null, null, 3]`: predict at any square size that is a multiple of 32. */
  inputShape?: InputShape;
  /** Called between the phases (read, build, load) for progress reporting. */
  onProgress?: (phase: 'read' | 'build' | 'load', message: string) => void;
}

export interface TorchConversion {
  model: tfl.LayersModel;
  /** State-dict entries in the file, checkpoint keys loaded and keys deliberately skipped. */
  keys: number;
  loaded: number;
  ignored: string[];
  /** Trainable parameters of the model and values copied (trainable + BN statistics). */
  params: number;
  values: number;
  /** True for a bare `dict` (released checkpoint_ema_avg.pt), false for an OrderedDict. */
  plainDict: boolean;
  wrapperKey?: string;
  warnings: string[];
}

function sameValues(a: TorchTensor, b: TorchTensor) {
  return a.data.length === b.data.length && a.data.every((v, i) => Object.is(v, b.data[i]));
}

/** Checks alias keys against the module they name and drops them, so both layouts (shared or copied storage) load. */
function resolveAliases(tensors: Map<string, TorchTensor>, aliases: [string, string][], warnings: string[], dropped: string[]): Map<string, TorchTensor> {
  const out = new Map(tensors);
  for (const [alias, real] of aliases) {
    for (const [k, t] of tensors) {
      if (!k.startsWith(alias)) continue;
      const target = tensors.get(real + k.slice(alias.length));
      if (!target) continue; // left for the key map to accept or report
      if (!sameValues(t, target)) warnings.push(`${k} differs from ${real}${k.slice(alias.length)}; the latter is used`);
      out.delete(k);
      dropped.push(k);
    }
  }
  return out;
}

/** The class count the checkpoint's shapes imply, per the entry's rule (default: rows of `classifier.fc.weight`). */
function checkpointClasses(spec: TorchCheckpointSpec, tensors: Map<string, TorchTensor>): number | undefined {
  if (spec.numClassesOf) return spec.numClassesOf(new Map([...tensors].map(([k, t]) => [k, t.shape])));
  const fc = tensors.get('classifier.fc.weight');
  return fc && fc.shape.length === 2 ? fc.shape[0] : undefined;
}

/** True when every key-map entry is present with its shape (used to suggest the right arch). */
function matchesKeyMap(tensors: Map<string, TorchTensor>, map: TorchKeyMap): boolean {
  return map.entries.every((e) => tensors.get(e.torchKey)?.shape.join() === e.torchShape.join());
}

/** Like `fromTorchCheckpoint`, returning the counts the CLI reports as well. */
export function convertTorchCheckpoint(bytes: Uint8Array | ArrayBuffer, opts: FromTorchCheckpointOptions): TorchConversion {
  const entry = torchEntry(opts?.arch);
  if (!entry) throw new Error(`fromTorchCheckpoint: arch must be one of ${modelNames({torch: true}).join(', ')}, got '${opts?.arch}'`);
  const progress = opts.onProgress ?? (() => {});
  progress('read', `reading ${(bytes.byteLength / 1e6).toFixed(1)} MB checkpoint`);
  const sd: TorchStateDict = readTorchCheckpoint(bytes);
  const warnings: string[] = [], aliased: string[] = [];
  const tensors = resolveAliases(stripWrapperPrefixes(sd.tensors), entry.torch.aliases ?? [], warnings, aliased);

  const numClasses = opts.numClasses ?? checkpointClasses(entry.torch, tensors) ?? 1000;
  const inputShape = opts.inputShape ?? entry.torch.inputShape ?? [null, null, 3];
  progress('build', `building ${opts.arch} (${numClasses} classes)`);
  const model = entry.build({numClasses, inputShape});
  progress('load', `loading ${tensors.size} tensors`);
  let res;
  try {
    res = applyTorchStateDict(model, tensors, entry.torch.keyMap(numClasses), `fromTorchCheckpoint(${opts.arch})`);
  } catch (e) {
    model.dispose();
    const fits = modelNames({torch: true}).filter((a) => a !== entry.name && matchesKeyMap(tensors, torchEntry(a)!.torch.keyMap(numClasses)));
    if (fits.length && e instanceof Error) e.message += `\nhint: the checkpoint fits arch ${fits.map((a) => `'${a}'`).join(' / ')}`;
    throw e;
  }
  const params = model.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);
  return {
    model, keys: sd.tensors.size, loaded: res.loaded, ignored: aliased.concat(res.ignored),
    params, values: res.values, plainDict: sd.plainDict, wrapperKey: sd.wrapperKey, warnings,
  };
}

/**
 * Builds the named architecture and loads an official PyTorch checkpoint into it
 * (`torch.save(model.state_dict())` or the released checkpoint_ema_avg.pt). Nothing in the
 * file is executed. A state_dict that does not fit throws one error listing every missing,
 * unexpected and wrongly shaped key. The model takes NHWC float32 in the official eval
 * convention (BGR, [0, 1]) at any square size that is a multiple of 32.
 */
export function fromTorchCheckpoint(bytes: Uint8Array | ArrayBuffer, opts: FromTorchCheckpointOptions): tfl.LayersModel {
  return convertTorchCheckpoint(bytes, opts).model;
}

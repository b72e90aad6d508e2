// Official PyTorch checkpoint bytes -> a tfjs LayersModel of a named architecture.
import type * as tf from '@tensorflow/tfjs-layers';
import {paccNet} from '../../src/models/paccnet';
import {paccNetTorchKeyMap} from '../../src/models/paccnet_torch_keys';
import {mobileViT} from '../../src/models/mobilevit';
import {mobileVitTorchKeyMap} from '../../src/models/mobilevit_torch_keys';
import type {TorchKeyMap} from '../../src/models/torch_keymap';
import {applyTorchStateDict, stripWrapperPrefixes} from './apply';
import {TorchStateDict, TorchTensor, readTorchCheckpoint} from './checkpoint';

type InputShape = [number | null, number | null, number];

interface ArchSpec {
  build(numClasses: number, inputShape: InputShape): tf.LayersModel;
  keyMap(numClasses: number): TorchKeyMap;
  /** Duplicate state_dict names of one module: [alias prefix, real prefix] (spec §7.1 for PaCC-Net). */
  aliases: [string, string][];
}

const paccnet = (variant: 'xs' | 's' | 'h'): ArchSpec => ({
  build: (numClasses, inputShape) => paccNet({variant, numClasses, inputShape}),
  keyMap: (numClasses) => paccNetTorchKeyMap(variant, numClasses),
  aliases: [['residual.', 'layer_5.0.']],
});

const mobilevit = (variant: 'xs' | 's'): ArchSpec => ({
  build: (numClasses, inputShape) => mobileViT({variant, numClasses, inputShape}),
  keyMap: (numClasses) => mobileVitTorchKeyMap(variant, numClasses),
  aliases: [],
});

const ARCHS = {
  'paccnet-xs': paccnet('xs'),
  'paccnet-s': paccnet('s'),
  'paccnet-h': paccnet('h'),
  'mobilevit-xs': mobilevit('xs'),
  'mobilevit-s': mobilevit('s'),
} satisfies Record<string, ArchSpec>;

export type TorchArch = keyof typeof ARCHS;
/** The architectures `fromTorchCheckpoint` and the CLI accept. */
export const TORCH_ARCHS = Object.keys(ARCHS) as TorchArch[];

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
  model: tf.LayersModel;
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

/** True when every key-map entry is present with its shape (used to suggest the right arch). */
function matchesKeyMap(tensors: Map<string, TorchTensor>, map: TorchKeyMap): boolean {
  return map.entries.every((e) => tensors.get(e.torchKey)?.shape.join() === e.torchShape.join());
}

/** Like `fromTorchCheckpoint`, returning the counts the CLI reports as well. */
export function convertTorchCheckpoint(bytes: Uint8Array | ArrayBuffer, opts: FromTorchCheckpointOptions): TorchConversion {
  const spec: ArchSpec | undefined = (ARCHS as Record<string, ArchSpec>)[opts?.arch];
  if (!spec) throw new Error(`fromTorchCheckpoint: arch must be one of ${TORCH_ARCHS.join(', ')}, got '${opts?.arch}'`);
  const progress = opts.onProgress ?? (() => {});
  progress('read', `reading ${(bytes.byteLength / 1e6).toFixed(1)} MB checkpoint`);
  const sd: TorchStateDict = readTorchCheckpoint(bytes);
  const warnings: string[] = [], aliased: string[] = [];
  const tensors = resolveAliases(stripWrapperPrefixes(sd.tensors), spec.aliases, warnings, aliased);

  const fc = tensors.get('classifier.fc.weight');
  const numClasses = opts.numClasses ?? (fc && fc.shape.length === 2 ? fc.shape[0] : 1000);
  const inputShape = opts.inputShape ?? [null, null, 3];
  progress('build', `building ${opts.arch} (${numClasses} classes)`);
  const model = spec.build(numClasses, inputShape);
  progress('load', `loading ${tensors.size} tensors`);
  let res;
  try {
    res = applyTorchStateDict(model, tensors, spec.keyMap(numClasses), `fromTorchCheckpoint(${opts.arch})`);
  } catch (e) {
    model.dispose();
    const fits = TORCH_ARCHS.filter((a) => a !== opts.arch && matchesKeyMap(tensors, ARCHS[a].keyMap(numClasses)));
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
export function fromTorchCheckpoint(bytes: Uint8Array | ArrayBuffer, opts: FromTorchCheckpointOptions): tf.LayersModel {
  return convertTorchCheckpoint(bytes, opts).model;
}

// Helpers shared by the surgery recipes: layer lookup, naming of new layers, official init of ParC convs.
import type {serialization} from '@tensorflow/tfjs-core';
import type {FoundLayer, Replacement} from './types';

/** The class names of the layers replaceBlocks inserts; a model holding one was surgered already. */
export const PACC_LAYER_CLASSES = new Set(['ParcSplitConv']);

export function byName(layers: FoundLayer[]): Map<string, FoundLayer> {
  return new Map(layers.map((l) => [l.name, l]));
}

/** `x_conv` → `x_parc`, anything else → `x_parc`. */
function parcName(name: string): string {
  return name.endsWith('_conv') ? `${name.slice(0, -5)}_parc` : `${name}_parc`;
}

/** Channels of a layer's input, with an error naming the layer when unknown. */
export function inputChannels(target: FoundLayer): number {
  const c = target.inputShape?.[target.inputShape.length - 1];
  if (c == null) throw new Error(`replaceBlocks: the input channels of layer '${target.path}' are unknown (input shape ${JSON.stringify(target.inputShape)})`);
  return c;
}

export interface ParcInit {
  dense: boolean;
  kernelStd: number;
  biasBound: number;
}

/** The ParcSplitConv replacement of `target`, keeping its path and giving the new layer a `_parc` name. */
export function parcReplacement(target: FoundLayer, init: ParcInit,
    opts: {pe: boolean; kernel: [number, number] | null; metaKernel: number}): Replacement {
  const config: serialization.ConfigDict = {
    kernelSize: opts.kernel, metaKernelSize: opts.metaKernel, dense: init.dense,
    usePositionEmbedding: opts.pe, useBias: true,
    kernelStd: init.kernelStd, biasBound: init.biasBound, peStd: 0.02,
  };
  return {path: target.path, newName: parcName(target.name), className: 'ParcSplitConv', config};
}

/** Kaiming-normal fan_out (ReLU gain) std of a PyTorch conv weight of `cout` outputs and K×1 taps. */
export const kaimingStd = (cout: number, k: number) => Math.sqrt(2 / (cout * k));

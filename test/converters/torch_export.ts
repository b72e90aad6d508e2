// Test helper: a tfjs model's weights as a PyTorch state_dict (the inverse of a key map), for the writer.
import type {LayersModel} from '@tensorflow/tfjs-layers';
import type {TorchKeyMap} from '../../src/models/torch_keymap';
import {applyTransform} from '../../converters/torch/transforms';
import type {WriteDtype, WriteTensor} from './torch_writer';

/**
 * Every transform is a permutation, so running it on element indices gives the map
 * tfjs[j] = torch[perm[j]]; inverting that needs no separate inverse code.
 */
export function modelToStateDict(model: LayersModel, keyMap: TorchKeyMap, dtype: WriteDtype = 'float32'): [string, WriteTensor][] {
  const vars = new Map(model.weights.map((v) => [v.originalName, v]));
  return keyMap.entries.map((e) => {
    const v = vars.get(e.tfjsName);
    if (!v) throw new Error(`modelToStateDict: model has no weight '${e.tfjsName}'`);
    const values = v.read().dataSync();
    const n = values.length;
    const perm = applyTransform(e.transform, Float32Array.from({length: n}, (_, i) => i), e.torchShape);
    const torch = new Float64Array(n);
    for (let j = 0; j < n; j++) torch[perm[j]] = values[j];
    return [e.torchKey, {dtype, storage: torch, shape: e.torchShape}];
  });
}

/** Adds the int64 `num_batches_tracked` counter torch stores beside every BatchNorm. */
export function withBatchCounters(sd: [string, WriteTensor][]): [string, WriteTensor][] {
  return sd.flatMap(([k, t]) => k.endsWith('.running_var')
    ? [[k, t], [k.replace(/running_var$/, 'num_batches_tracked'), {dtype: 'int64', storage: [12345], shape: []}]] as [string, WriteTensor][]
    : [[k, t]]);
}

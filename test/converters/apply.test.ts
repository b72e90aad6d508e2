// Generic key-map application: every transform against hand-computed layouts, and the all-at-once mismatch report.
import {describe, expect, it} from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import {memory} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type {TorchKeyMap} from '../../src/models/torch_keymap';
import {applyTorchStateDict} from '../../converters/torch/apply';
import {readTorchCheckpoint} from '../../converters/torch/checkpoint';
import {WriteTensor, f32, writeTorchCheckpoint} from './torch_writer';

/** A small model with one weight of every kind the transforms cover. */
function tinyModel() {
  const input = tfl.input({shape: [6, 6, 2], name: 'in'});
  let x = tfl.layers.conv2d({filters: 3, kernelSize: [3, 2], useBias: false, padding: 'same', name: 'stem'}).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2, useBias: false, padding: 'same', name: 'dw'}).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({name: 'bn', epsilon: 1e-5}).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({name: 'pool'}).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({units: 4, name: 'fc'}).apply(x) as tfl.SymbolicTensor;
  return tfl.model({inputs: input, outputs: x});
}

const keyMap: TorchKeyMap = {
  entries: [
    {torchKey: 'stem.weight', torchShape: [3, 2, 3, 2], tfjsName: 'stem/kernel', transform: 'conv'},
    {torchKey: 'dw.weight', torchShape: [6, 1, 3, 3], tfjsName: 'dw/depthwise_kernel', transform: 'depthwise'},
    {torchKey: 'bn.weight', torchShape: [6], tfjsName: 'bn/gamma', transform: 'identity'},
    {torchKey: 'bn.bias', torchShape: [6], tfjsName: 'bn/beta', transform: 'identity'},
    {torchKey: 'bn.running_mean', torchShape: [6], tfjsName: 'bn/moving_mean', transform: 'identity'},
    {torchKey: 'bn.running_var', torchShape: [6], tfjsName: 'bn/moving_variance', transform: 'identity'},
    {torchKey: 'fc.weight', torchShape: [4, 6], tfjsName: 'fc/kernel', transform: 'linear'},
    {torchKey: 'fc.bias', torchShape: [4], tfjsName: 'fc/bias', transform: 'identity'},
  ],
  ignore: (k) => k.endsWith('num_batches_tracked'),
};

const seq = (n: number, scale = 1) => Array.from({length: n}, (_, i) => (i + 1) * scale);
function stateDict(): Record<string, WriteTensor> {
  return {
    'stem.weight': f32([3, 2, 3, 2], seq(36)),
    'dw.weight': f32([6, 1, 3, 3], seq(54, 0.5)),
    'bn.weight': f32([6], seq(6)), 'bn.bias': f32([6], seq(6, -1)),
    'bn.running_mean': f32([6], seq(6, 0.1)), 'bn.running_var': f32([6], seq(6, 2)),
    'bn.num_batches_tracked': {dtype: 'int64', storage: [3], shape: []},
    'fc.weight': f32([4, 6], seq(24)), 'fc.bias': f32([4], seq(4)),
  };
}
const byName = (m: tfl.LayersModel) => new Map(m.weights.map((v) => [v.originalName, v.read()]));

describe('applyTorchStateDict', () => {
  it('places every transform where tfjs expects it', () => {
    const model = tinyModel();
    const before = memory().numTensors;
    const res = applyTorchStateDict(model, readTorchCheckpoint(writeTorchCheckpoint(stateDict())).tensors, keyMap);
    expect(memory().numTensors, 'no tensors leak').toBe(before);
    expect(res).toEqual({loaded: 8, ignored: ['bn.num_batches_tracked'], values: 36 + 54 + 24 + 24 + 4});
    const w = byName(model);
    const conv = w.get('stem/kernel')!.arraySync() as number[][][][]; // [kh, kw, in, out]
    // torch weight[o][i][h][w] = 1 + ((o*2 + i)*3 + h)*2 + w
    expect(conv[2][1][0][1]).toBe(1 + ((1 * 2 + 0) * 3 + 2) * 2 + 1);
    const dw = w.get('dw/depthwise_kernel')!.arraySync() as number[][][][]; // [kh, kw, C=3, m=2]
    // torch output channel o = c*m + j; weight[o][0][h][w] = 0.5 * (1 + (o*3 + h)*3 + w)
    expect(dw[1][2][2][1]).toBe(0.5 * (1 + ((2 * 2 + 1) * 3 + 1) * 3 + 2));
    const fc = w.get('fc/kernel')!.arraySync() as number[][]; // [in, out]
    expect(fc[5][3]).toBe(1 + 3 * 6 + 5);
    expect(Array.from(w.get('bn/moving_variance')!.dataSync())).toEqual(seq(6, 2));
  });

  it('strips module. prefixes', () => {
    const model = tinyModel();
    const prefixed = Object.fromEntries(Object.entries(stateDict()).map(([k, v]) => [`module.${k}`, v]));
    expect(applyTorchStateDict(model, readTorchCheckpoint(writeTorchCheckpoint(prefixed)).tensors, keyMap).loaded).toBe(8);
  });

  it('reports every missing, unexpected and wrongly shaped key in one error, and leaves the model untouched', () => {
    const model = tinyModel();
    const before = model.getWeights().map((t) => Array.from(t.dataSync()));
    const sd = stateDict();
    delete sd['bn.bias'];
    delete sd['fc.bias'];
    sd['fc.weight'] = f32([5, 6], seq(30));
    sd['dw.weight'] = f32([6, 1, 5, 5], seq(150));
    sd['extra.weight'] = f32([2], [1, 2]);
    let msg = '';
    try {
      applyTorchStateDict(model, readTorchCheckpoint(writeTorchCheckpoint(sd)).tensors, keyMap, 'tiny');
    } catch (e) { msg = (e as Error).message; }
    expect(msg).toContain('tiny: the state_dict does not match the model (5 problems)');
    expect(msg).toContain('2 missing from the checkpoint:\n  bn.bias (expected [6])\n  fc.bias (expected [4])');
    expect(msg).toContain('1 unexpected in the checkpoint:\n  extra.weight [2]');
    expect(msg).toContain('fc.weight: checkpoint [5,6], model expects [4,6]');
    expect(msg).toContain('dw.weight: checkpoint [6,1,5,5], model expects [6,1,3,3]');
    expect(model.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(before);
  });

  it('reports key-map entries the model lacks and model weights nothing maps to', () => {
    const model = tinyModel();
    const map: TorchKeyMap = {
      entries: [...keyMap.entries.filter((e) => e.torchKey !== 'fc.bias'), {torchKey: 'fc.bias', torchShape: [4], tfjsName: 'fc/biass', transform: 'identity'}],
      ignore: keyMap.ignore,
    };
    expect(() => applyTorchStateDict(model, readTorchCheckpoint(writeTorchCheckpoint(stateDict())).tensors, map))
      .toThrow(/fc\.bias -> 'fc\/biass': the model has no such weight[\s\S]*model weights no checkpoint key maps to:\n  fc\/bias \[4\]/);
  });
});

// Benchmark suite 'surgery': latency of each base model vs its replaceBlocks version (wasm, 224×224, batch 1) and params.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';
import {progress, Suite, SuiteResult, syncRun, timeit} from '../util';

/** Official PyTorch CPU latency ratios ParC / base (ParC_ConvNets README). */
const CASES: {name: string; build: () => LayersModel; official?: number}[] = [
  {name: 'MobileNetV2', build: () => pacc.zoo.mobileNetV2({classifierActivation: 'linear'}), official: 1.125},
  {name: 'ResNet50 (torchvision layout)', build: () => pacc.zoo.resNet50({convBias: false, classifierActivation: 'linear'}), official: 1.0},
  {name: 'ConvNeXt-XT', build: () => pacc.zoo.convNeXt({variant: 'xt', classifierActivation: 'linear'}), official: 1.02},
  {name: 'EdgeViT-XXS (our design)', build: () => pacc.zoo.edgeViT({variant: 'xxs', classifierActivation: 'linear'})},
];

const params = (m: LayersModel) => m.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

export const surgerySuite: Suite = async ({quick}) => {
  const backend = 'wasm';
  if (!(await tf.setBackend(backend).catch(() => false))) {
    return [{title: 'surgery: base vs replaceBlocks', headers: ['note'], rows: [[`backend ${backend} unavailable`]]}];
  }
  const rows: (string | number)[][] = [];
  const x = tf.randomNormal([1, 224, 224, 3], 0, 1, 'float32', 1);
  const opts = quick ? {warmup: 1, runs: 3} : {warmup: 2, runs: 9};
  for (const c of CASES) {
    progress(`surgery: ${c.name}`);
    const base = c.build();
    const parc = pacc.replaceBlocks(base);
    // Interleave base/ParC rounds so load changes on a shared machine hit both alike.
    const tb: number[] = [], tp: number[] = [];
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      tb.push((await timeit(syncRun(() => base.predict(x) as tf.Tensor), opts)).median);
      tp.push((await timeit(syncRun(() => parc.predict(x) as tf.Tensor), opts)).median);
    }
    const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
    const [mb, mp] = [med(tb), med(tp)];
    rows.push([c.name, params(base), params(parc), mb.toFixed(1), mp.toFixed(1), (mp / mb).toFixed(3), c.official?.toFixed(3) ?? '–']);
    base.dispose();
    parc.dispose();
  }
  x.dispose();
  const result: SuiteResult = {
    title: `surgery: base vs pacc.replaceBlocks, ${backend}, 1×224×224×3 (median ms of ${quick ? 1 : 3} interleaved rounds)`,
    headers: ['model', 'params base', 'params ParC', 'base ms', 'ParC ms', 'ratio', 'official PyTorch CPU ratio'],
    rows,
    notes: [
      'Params: trainable weights (= PyTorch parameters()). ParC blocks at the official insert locations, K = feature size at 224.',
      'ResNet50 ParC convs are dense (groups = 1): circular pad + conv2d VALID; the others use the PositionAwareCircularConv op.',
    ],
  };
  return [result];
};

// Checkpoints that are not in the shared fixtures: the released ema-average layout, PaCC-Net-S/H and MobileViT written by our torch.save writer.
import {describe, expect, it} from 'vitest';
import type * as tfl from '@tensorflow/tfjs-layers';
import {tensor} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/index';
import {paccNet} from '../../src/models/paccnet';
import {paccNetTorchKeyMap} from '../../src/models/paccnet_torch_keys';
import {mobileViT} from '../../src/models/mobilevit';
import {mobileViTTorchKeyMap} from '../../src/models/mobilevit_torch_keys';
import {readTorchCheckpoint} from '../../converters/torch/checkpoint';
import {convertTorchCheckpoint} from '../../converters/torch/from_checkpoint';
import {rng} from '../util/compare';
import {readFixture} from '../util/fixtures';
import {WriteTensor, writeTorchCheckpoint} from './torch_writer';
import {modelToStateDict, withBatchCounters} from './torch_export';

const official = new Uint8Array(await readFixture('edgeformer_xs.pt'));

const weightsOf = (m: tfl.LayersModel) => new Map(m.weights.map((v) => [v.originalName, v.read().dataSync()]));

/** Bit-identical weights, compared in a plain loop (toEqual on millions of elements is too slow). */
function expectSameWeights(a: tfl.LayersModel, b: tfl.LayersModel) {
  const wa = weightsOf(a), wb = weightsOf(b);
  expect([...wb.keys()].sort()).toEqual([...wa.keys()].sort());
  const bad: string[] = [];
  for (const [name, x] of wa) {
    const y = wb.get(name)!;
    const i = x.findIndex((v, j) => !Object.is(v, y[j]));
    if (x.length !== y.length || i >= 0) bad.push(`${name}[${i}]: ${x[i]} vs ${y[i]}`);
  }
  expect(bad).toEqual([]);
}

/** Fills every weight with seeded values (variances kept positive) so a misplaced tensor cannot go unnoticed. */
function randomise(model: tfl.LayersModel, seed: number, round: (x: number) => number = Math.fround) {
  const r = rng(seed);
  model.setWeights(model.weights.map((v) => {
    const n = v.shape.reduce((a: number, b) => a * (b as number), 1);
    const values = Float32Array.from(r.normal(n), (x) => round(v.originalName.endsWith('moving_variance') ? 0.5 + Math.abs(x) : x));
    return tensor(values, v.shape as number[]);
  }));
}

/** The official file's tensors re-laid out like checkpoint_ema_avg.pt: a plain dict, every tensor its own storage. */
function emaLayout(opts: {residual: boolean; prefix?: string; tweakResidual?: boolean}): Uint8Array {
  const entries: [string, WriteTensor][] = [];
  for (const [k, t] of readTorchCheckpoint(official).tensors) {
    if (!opts.residual && k.startsWith('residual.')) continue;
    const values = Float64Array.from(t.data);
    if (opts.tweakResidual && k === 'residual.block.red_1x1.block.norm.bias') values[0] += 1;
    entries.push([(opts.prefix ?? '') + k, {dtype: t.dtype === 'int64' ? 'int64' : 'float32', storage: values, shape: t.shape}]);
  }
  return writeTorchCheckpoint(entries, {ordered: false, archiveName: 'checkpoint_ema_avg'});
}

describe('released ema-average layout (plain dict, independent copies)', () => {
  const reference = convertTorchCheckpoint(official, {arch: 'paccnet-xs'}).model;

  it('with residual.* copies, without them, and with a module. prefix: identical weights', () => {
    for (const variant of [{residual: true}, {residual: false}, {residual: true, prefix: 'module.'}]) {
      const conv = convertTorchCheckpoint(emaLayout(variant), {arch: 'paccnet-xs'});
      try {
        expect(conv.plainDict).toBe(true);
        expect(conv.warnings).toEqual([]);
        expect(conv.ignored.filter((k) => k.startsWith('residual.')).length).toBe(variant.residual ? 18 : 0);
        expectSameWeights(reference, conv.model);
      } finally {
        conv.model.dispose();
      }
    }
  });

  it('a residual.* copy that differs from layer_5.0.* is reported as a warning', () => {
    const conv = convertTorchCheckpoint(emaLayout({residual: true, tweakResidual: true}), {arch: 'paccnet-xs'});
    conv.model.dispose();
    expect(conv.warnings).toEqual(['residual.block.red_1x1.block.norm.bias differs from layer_5.0.block.red_1x1.block.norm.bias; the latter is used']);
  });
});

describe('model -> torch.save -> fromTorchCheckpoint gives back identical weights', () => {
  const cases = [
    {arch: 'paccnet-s', variant: 's', numClasses: 10},
    {arch: 'paccnet-h', variant: 'h', numClasses: 1000},
  ] as const;
  for (const c of cases) {
    it(`${c.arch} (${c.numClasses} classes, plain dict, residual.* sharing layer_5.0.* storages)`, () => {
      const src = paccNet({variant: c.variant, numClasses: c.numClasses, inputShape: [null, null, 3]});
      randomise(src, 11);
      const sd = withBatchCounters(modelToStateDict(src, paccNetTorchKeyMap(c.variant, c.numClasses)));
      // torch.save stores one storage for both names of the aliased layer_5.0 module (docs/op.md §5.5).
      const shared: [string, WriteTensor][] = sd.map(([k, t]) => [k, k.startsWith('layer_5.0.') ? {...t, storageKey: k} : t]);
      const aliases: [string, WriteTensor][] = shared.filter(([k]) => k.startsWith('layer_5.0.')).map(([k, t]) => [k.replace('layer_5.0.', 'residual.'), t]);
      const conv = convertTorchCheckpoint(writeTorchCheckpoint([...shared, ...aliases], {ordered: false}), {arch: c.arch});
      try {
        expect(conv.model.outputs[0].shape).toEqual([null, c.numClasses]);
        expect(conv.ignored.filter((k) => k.startsWith('residual.')).length).toBe(aliases.length);
        expectSameWeights(src, conv.model);
      } finally {
        conv.model.dispose();
        src.dispose();
      }
    }, 300_000); // H has 20M parameters; the 2-core CI box is shared
  }

  it('mobilevit-xs from a float16 (model.half()) checkpoint', () => {
    const src = mobileViT({variant: 'xs', inputShape: [null, null, 3]});
    // Values representable in half precision, so the float16 round trip is exact.
    randomise(src, 5, (x) => Math.round(x * 256) / 256);
    const sd = withBatchCounters(modelToStateDict(src, mobileViTTorchKeyMap('xs'), 'float16'));
    const conv = convertTorchCheckpoint(writeTorchCheckpoint(sd), {arch: 'mobilevit-xs'});
    try {
      expect(conv.params).toBe(2_317_848);
      expectSameWeights(src, conv.model);
    } finally {
      conv.model.dispose();
      src.dispose();
    }
  });
});

// edgeformer_xs.pt (official state_dict) -> paccnet-xs: stage outputs and logits against the float64 PyTorch forward.
import {beforeAll, describe, expect, it} from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import {Tensor, tensor4d, tidy, memory} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/index';
import {convertTorchCheckpoint, TorchConversion} from '../../converters/torch/from_checkpoint';
import {loadFixture, nchwToNhwc, readFixture} from '../util/fixtures';
import {relError} from '../util/compare';

const STAGES = ['layer_3', 'layer_4', 'layer_5', 'conv_1x1_exp'];

/** The official model's logits are compared in the inf-norm, relative to the largest reference logit. */
const RTOL = 1e-4;

export function top5(v: ArrayLike<number>): number[] {
  return Array.from(v, (x, i) => [x, i]).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, i]) => i);
}

/** The model with each stage's last layer exposed too, so a mismatch can be located. */
export function withStageOutputs(model: tfl.LayersModel, stages: string[]): tfl.LayersModel {
  const outs = stages.map((s) => {
    const layers = model.layers.filter((l) => l.name.startsWith(`${s}.`));
    if (!layers.length) throw new Error(`no layer named ${s}.* in ${model.name}`);
    return layers[layers.length - 1].output as tfl.SymbolicTensor;
  });
  return tfl.model({inputs: model.inputs, outputs: [...outs, model.outputs[0]]});
}

describe('edgeformer_xs.pt -> paccnet-xs', () => {
  let conv: TorchConversion;
  beforeAll(async () => {
    conv = convertTorchCheckpoint(new Uint8Array(await readFixture('edgeformer_xs.pt')), {arch: 'paccnet-xs'});
  });

  it('loads all 487 keys: every parameter, the residual.* aliases and counters ignored', () => {
    expect(conv.keys).toBe(487);
    expect(conv.params).toBe(2_185_384);
    expect(conv.ignored.filter((k) => k.startsWith('residual.')).length).toBe(18);
    expect(conv.ignored.every((k) => k.startsWith('residual.') || k.endsWith('num_batches_tracked'))).toBe(true);
    expect(conv.loaded + conv.ignored.length).toBe(487);
    expect(conv.warnings).toEqual([]);
  });

  it('256x256: stage outputs and logits match the float64 reference; top-5 identical', async () => {
    const fx = await loadFixture('model_edgeformer_xs_256');
    const probe = withStageOutputs(conv.model, STAGES);
    const x = nchwToNhwc(fx.tensors.input);
    const before = memory().numTensors;
    const outs = tidy(() => (probe.predict(tensor4d(x.data, x.shape as [number, number, number, number])) as Tensor[]).map((t) => t.dataSync()));
    expect(memory().numTensors).toBe(before);
    const errors = STAGES.map((s, i) => [s, relError(outs[i], nchwToNhwc(fx.tensors[`inter_${s}`]).data)] as const);
    const first = errors.find(([, e]) => !(e <= RTOL));
    expect(first, `stage outputs diverge first at ${first?.[0]}: ${errors.map(([s, e]) => `${s} ${e.toExponential(2)}`).join(', ')}`).toBeUndefined();
    const logits = outs[STAGES.length];
    const err = relError(logits, fx.tensors.logits.data);
    expect(err, `logits relative error ${err.toExponential(2)}`).toBeLessThanOrEqual(RTOL);
    expect(top5(logits)).toEqual(top5(fx.tensors.logits.data));
  });

  it('224x224 (interpolated instance kernels) with the same model: logits and top-5', async () => {
    const fx = await loadFixture('model_edgeformer_xs_224');
    const x = nchwToNhwc(fx.tensors.input);
    const logits = tidy(() => (conv.model.predict(tensor4d(x.data, x.shape as [number, number, number, number])) as Tensor).dataSync());
    const err = relError(logits, fx.tensors.logits.data);
    expect(err, `logits relative error ${err.toExponential(2)}`).toBeLessThanOrEqual(RTOL);
    expect(top5(logits)).toEqual(top5(fx.tensors.logits.data));
  });
});

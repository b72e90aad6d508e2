// Whole DeepLabV3-EdgeFormer-S vs the official code: the formula state_dict of scripts/oracle/deeplab_oracle.py, written as checkpoint_ema_avg.pt, converted and run at 256 and 512.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../../converters/cli_main';
import * as pacc from '../../src/index';
import {FixtureCase, fixtureReader, loadFixture, nchwToNhwc, readFixtureText} from '../util/fixtures';
import {expectClose} from '../util/compare';
import {WriteTensor, writeTorchCheckpoint} from '../converters/torch_writer';

const read = fixtureReader('seg');
const KEYS = await readFixtureText('deeplabv3_edgeformer_s_state_dict_keys.txt', read);
const MOBILEVIT_KEYS = await readFixtureText('deeplabv3_mobilevit_s_state_dict_keys.txt', read);

// ---- the oracle's formulas, transcribed from scripts/oracle/deeplab_oracle.py ----
function keyHash(key: string): number {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) % 2147483647;
  return h;
}
function sinusoid(key: string, n: number): Float64Array {
  const h = keyHash(key);
  const omega = 0.7 + 1.3 * ((h % 1009) / 1009);
  const phi = 2 * Math.PI * ((h % 997) / 997);
  return Float64Array.from({length: n}, (_, i) => Math.sin(i * omega + phi));
}
function formulaTensor(key: string, shape: number[], bnStats: Record<string, [number, number]>): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const s = sinusoid(key, n);
  let f: (v: number) => number;
  if (key.endsWith('running_mean') || key.endsWith('running_var')) {
    const [m, c] = bnStats[key.slice(0, key.lastIndexOf('.'))];
    f = key.endsWith('running_mean') ? (v) => m + 0.1 * Math.sqrt(c) * v : (v) => c * (0.75 + 0.25 * (1 + v));
  } else if (key.includes('meta_kernel')) {
    const d = Math.sqrt(n / shape[0]);
    f = (v) => v / d;
  } else if (key.includes('meta_pe')) {
    f = (v) => 0.5 * v;
  } else if (shape.length === 1 && key.endsWith('.weight')) {
    f = (v) => 1 + 0.2 * v;
  } else if (shape.length === 1) {
    f = (v) => 0.1 * v;
  } else {
    const fanIn = Math.floor(n / shape[0]);
    f = (v) => 1.5 * v / Math.sqrt(fanIn);
  }
  return Float32Array.from(s, f);
}
/** NHWC [1, S, S, 3] of the oracle's NCHW input x = 0.5 + 0.5·sin(0.05·(c+1)·y + 0.07·x + c). */
function inputImage(size: number): tf.Tensor4D {
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
    out[(y * size + x) * 3 + c] = 0.5 + 0.5 * Math.sin(0.05 * (c + 1) * y + 0.07 * x + c);
  }
  return tf.tensor4d(out, [1, size, size, 3]);
}

/**
 * The released checkpoint_ema_avg.pt layout (plain dict, encoder.residual.* as separate copies, int64
 * counters), or with `shared` the `torch.save(model.state_dict())` layout (OrderedDict, residual.* sharing
 * layer_5.0's storage).
 */
function oracleCheckpoint(bnStats: Record<string, [number, number]>, shared = false, keys = KEYS): Uint8Array {
  const lines = keys.split('\n').filter((l) => l && !l.startsWith('#'));
  const entries: [string, WriteTensor][] = lines.map((l) => {
    const [key, shapeStr, dtype] = l.split('\t');
    const shape = shapeStr === 'scalar' ? [] : shapeStr.split('x').map(Number);
    if (dtype === 'int64') return [key, {dtype: 'int64', storage: [0], shape}];
    const real = key.replace('encoder.residual.', 'encoder.layer_5.0.');
    return [key, {dtype: 'float32', storage: formulaTensor(real, shape, bnStats), shape, storageKey: shared ? real : undefined}];
  });
  return writeTorchCheckpoint(entries, {ordered: shared});
}

describe('DeepLabV3-EdgeFormer-S: converted formula checkpoint vs the official forward (wasm)', () => {
  let fx: FixtureCase;
  let model: tf.LayersModel;
  let low: tf.LayersModel;
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    fx = await loadFixture(read, 'deeplab_oracle');
    const bytes = oracleCheckpoint(fx.attrs.bn_stats as Record<string, [number, number]>);
    const conv = pacc.converters.convertTorchCheckpoint(bytes, {arch: 'deeplabv3-paccnet-s'});
    expect(conv.plainDict).toBe(true);
    expect(conv.keys).toBe(587);
    expect(conv.params).toBe(5_816_397);
    expect(conv.warnings).toEqual([]);
    expect(conv.ignored.filter((k) => k.startsWith('encoder.residual.')).length).toBe(18);
    model = conv.model;
    expect(model.outputs[0].shape).toEqual([null, null, null, 21]);
    low = tf.model({inputs: model.inputs, outputs: model.getLayer('seg_head.classifier.classifier.block.conv').output as tf.SymbolicTensor});
  }, 120_000);
  afterAll(() => model?.dispose());

  for (const size of [256, 512]) {
    it(`${size}×${size}: logits before upsampling and the sampled ×16 logits equal the official float64 forward`, () => {
      const before = tf.memory().numTensors;
      const x = inputImage(size);
      const [lo, full] = [low.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor];
      expect(full.shape).toEqual([1, size, size, 21]);
      const step = fx.attrs[`sample_step_${size}`] as number;
      const n = Math.ceil(size / step);
      const idx = tf.range(0, size, step, 'int32');
      const sampled = tf.tidy(() => tf.gather(tf.gather(full, idx, 1), idx, 2));
      expect(sampled.shape).toEqual([1, n, n, 21]);
      const wantLow = nchwToNhwc(fx.tensors[`logits_low_${size}`]).data;
      const wantSampled = nchwToNhwc(fx.tensors[`logits_sampled_${size}`]).data;
      // float32 alone lands 2.3e-4 (256) / 1.4e-4 (512) from the float64 reference in the official code
      // (attrs fp32_vs_fp64_rel_err_low_*: this formula network is deep and not trained); we allow 1e-3.
      const gap = fx.attrs[`fp32_vs_fp64_rel_err_low_${size}`] as number;
      expect(gap).toBeGreaterThan(0);
      expectClose(lo.dataSync(), wantLow, 1e-3, `logits_low_${size} (official float32 gap ${gap.toExponential(2)})`);
      expectClose(sampled.dataSync(), wantSampled, 1e-3, `logits_sampled_${size}`);
      // the argmax histogram over all pixels
      const hist = tf.tidy(() => tf.bincount(tf.argMax(full, -1).flatten() as tf.Tensor1D, tf.tensor1d([], 'float32'), 21).dataSync());
      const wantHist = fx.attrs[`argmax_histogram_${size}`] as number[];
      const moved = Array.from(hist).reduce((a, v, i) => a + Math.abs(v - wantHist[i]), 0) / 2;
      expect(moved / (size * size), `argmax histogram ${Array.from(hist)} vs ${wantHist}`).toBeLessThan(1e-3);
      tf.dispose([x, lo, full, idx, sampled]);
      expect(tf.memory().numTensors).toBe(before);
    }, 120_000);
  }
});

describe('DeepLabV3 checkpoints through the CLI (wasm)', () => {
  let fx: FixtureCase;
  let tmp: string;
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    fx = await loadFixture(read, 'deeplab_oracle');
    tmp = mkdtempSync(join(tmpdir(), 'pacc-seg-cli-'));
  });
  afterAll(() => rmSync(tmp, {recursive: true, force: true}));

  it('tfjs-pacc convert x.pt --arch deeplabv3-paccnet-s (state_dict layout with shared residual storage), then loadLayersModel equals the official logits at 256', async () => {
    const pt = join(tmp, 'deeplab.pt');
    writeFileSync(pt, oracleCheckpoint(fx.attrs.bn_stats as Record<string, [number, number]>, true));
    const out: string[] = [], err: string[] = [];
    const code = await runCli(['convert', pt, '--arch', 'deeplabv3-paccnet-s', '--out', join(tmp, 'seg'), '--quiet'],
      {out: (s) => out.push(s), err: (s) => err.push(s)});
    expect(code, err.join('\n')).toBe(0);
    const m = await tf.loadLayersModel(pacc.io.fileSystem(join(tmp, 'seg', 'model.json')));
    const x = inputImage(256);
    const full = m.predict(x) as tf.Tensor;
    const idx = tf.range(0, 256, fx.attrs.sample_step_256 as number, 'int32');
    const sampled = tf.tidy(() => tf.gather(tf.gather(full, idx, 1), idx, 2));
    expectClose(sampled.dataSync(), nchwToNhwc(fx.tensors.logits_sampled_256).data, 1e-3, 'CLI-converted logits_sampled_256');
    tf.dispose([x, full, idx, sampled]);
    m.dispose();
  }, 180_000);

  it('a DeepLabV3-EdgeFormer-S checkpoint given the MobileViT arch is refused, with a hint naming the right one', () => {
    const bytes = oracleCheckpoint(fx.attrs.bn_stats as Record<string, [number, number]>);
    expect(() => pacc.converters.fromTorchCheckpoint(bytes, {arch: 'deeplabv3-mobilevit-s'})).toThrow(/does not match the model[\s\S]*hint: the checkpoint fits arch 'deeplabv3-paccnet-s'/);
  }, 60_000);
});

describe('DeepLabV3-MobileViT-S: converted formula checkpoint vs the official forward (wasm)', () => {
  it('256×256: logits before upsampling and the sampled ×16 logits equal the official float64 forward', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const fx = await loadFixture(read, 'deeplab_oracle_mobilevit_s');
    const bytes = oracleCheckpoint(fx.attrs.bn_stats as Record<string, [number, number]>, true, MOBILEVIT_KEYS);
    const conv = pacc.converters.convertTorchCheckpoint(bytes, {arch: 'deeplabv3-mobilevit-s'});
    expect(conv.keys).toBe(341);
    expect(conv.params).toBe(6_357_941);
    const model = conv.model;
    const low = tf.model({inputs: model.inputs, outputs: model.getLayer('seg_head.classifier.classifier.block.conv').output as tf.SymbolicTensor});
    const before = tf.memory().numTensors;
    const x = inputImage(256);
    const [lo, full] = [low.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor];
    const idx = tf.range(0, 256, fx.attrs.sample_step_256 as number, 'int32');
    const sampled = tf.tidy(() => tf.gather(tf.gather(full, idx, 1), idx, 2));
    const gap = fx.attrs.fp32_vs_fp64_rel_err_low_256 as number;
    // measured 5.9e-5; the official float32 forward is 4.0e-5 from float64 here
    expectClose(lo.dataSync(), nchwToNhwc(fx.tensors.logits_low_256).data, 2e-4, `logits_low_256 (official float32 gap ${gap.toExponential(2)})`);
    expectClose(sampled.dataSync(), nchwToNhwc(fx.tensors.logits_sampled_256).data, 2e-4, 'logits_sampled_256');
    tf.dispose([x, lo, full, idx, sampled]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  }, 180_000);
});

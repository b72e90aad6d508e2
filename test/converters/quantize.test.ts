// `tfjs-pacc convert --quantize uint8|uint16|float16`: tfjs's own quantised weight format, loaded by tf.loadLayersModel unchanged.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as pacc from '../../src/index';
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {runCli} from '../../converters/cli_main';
import {affineRange, quantizeWeights} from '../../converters/quantize';
import {fromTorchCheckpoint} from '../../converters/torch/from_checkpoint';
import {DEMO_CONFIG} from '../../examples/shared/demo_config';
import {relError, rng} from '../util/compare';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ckpt = join(root, 'test/fixtures/edgeformer_xs.pt');
const tmp = mkdtempSync(join(tmpdir(), 'tfjs-pacc-quant-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

async function run(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await runCli(argv, {out: (s) => out.push(s), err: (s) => err.push(s)});
  return {code, out: out.join('\n'), err: err.join('\n')};
}

const dirBytes = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin')).reduce((a, f) => a + readFileSync(join(dir, f)).length, 0);

describe('quantizeWeights', () => {
  const r = rng(11);
  const w = Float32Array.from({length: 1000}, () => (r.next() - 0.3) * 4);
  w[17] = 0;
  const ints = Int32Array.from([3, -7, 11]);
  const data = new Uint8Array(w.byteLength + ints.byteLength);
  data.set(new Uint8Array(w.buffer), 0);
  data.set(new Uint8Array(ints.buffer), w.byteLength);
  const specs: tf.io.WeightsManifestEntry[] = [{name: 'w', shape: [10, 100], dtype: 'float32'}, {name: 'i', shape: [3], dtype: 'int32'}];

  for (const [dtype, bytesPer, bound] of [['uint8', 1, 0.5 * 4 / 255], ['uint16', 2, 0.5 * 4 / 65535], ['float16', 2, 4 * 2 ** -11]] as const) {
    it(`${dtype}: ${bytesPer} byte(s) per weight, decoded by tf.io.decodeWeights within the step, 0 exact, int32 untouched`, () => {
      const q = quantizeWeights(specs, data.slice().buffer, dtype);
      expect(q.data.length).toBe(1000 * bytesPer + 12);
      expect(q.specs[0].quantization?.dtype).toBe(dtype);
      expect(q.specs[1]).toEqual(specs[1]);
      const decoded = tf.io.decodeWeights(q.data.slice().buffer, q.specs);
      const got = decoded.w.dataSync();
      let maxErr = 0;
      for (let i = 0; i < w.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - w[i]));
      expect(maxErr).toBeLessThanOrEqual(bound * 1.0001);
      expect(maxErr).toBeGreaterThan(0);
      expect(got[17]).toBe(0);
      expect(Array.from(decoded.i.dataSync())).toEqual([3, -7, 11]);
      tf.dispose(Object.values(decoded));
    });
  }

  it('nudges the affine range so that 0 is a level, and handles constant weights', () => {
    const {min, scale} = affineRange(-1, 3, 255);
    expect(Number.isInteger(-min / scale)).toBe(true);
    expect(affineRange(2, 5, 255).min).toBe(0); // positive-only weights: range extended to 0
    expect(affineRange(0, 0, 255)).toEqual({min: 0, scale: 1});
  });

  it('refuses unknown dtypes, non-finite weights and truncated data, naming the weight', () => {
    expect(() => quantizeWeights(specs, data.slice().buffer, 'int4' as never)).toThrow(/dtype must be one of uint8, uint16, float16, got 'int4'/);
    const bad = new Float32Array([1, NaN]);
    expect(() => quantizeWeights([{name: 'n', shape: [2], dtype: 'float32'}], bad.buffer, 'uint8')).toThrow(/finite weights, found NaN/);
    expect(() => quantizeWeights([{name: 'big', shape: [9], dtype: 'float32'}], new ArrayBuffer(8), 'uint8')).toThrow(/'big' \[9\] ends at byte 36, past the 8 bytes/);
  });
});

describe('convert --quantize', () => {
  let direct: tfl.LayersModel;
  let x: tf.Tensor;
  let expected: Float32Array;
  beforeAll(() => {
    direct = fromTorchCheckpoint(new Uint8Array(readFileSync(ckpt)), {arch: 'paccnet-xs'});
    x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 7);
    expected = tf.tidy(() => (direct.predict(x) as tf.Tensor).dataSync() as Float32Array);
  });
  afterAll(() => { direct.dispose(); x.dispose(); });

  // The fixture is a random init with randomised BN: its near-flat logits move a lot under uint8 rounding
  // (~0.8 relative), so uint8 is only checked for loading here; its accuracy is measured on a trained model below.
  for (const [dtype, bytesPer, tol] of [['uint8', 1, Infinity], ['uint16', 2, 1e-2]] as const) {
    it(`a .pt checkpoint to ${dtype}: ${bytesPer}/4 of the float32 size, loadable by tf.loadLayersModel`, async () => {
      const out = join(tmp, `xs_${dtype}`);
      const r = await run('convert', ckpt, '--arch', 'paccnet-xs', '--out', out, '--quantize', dtype, '-q');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`of ${dtype} weights`));
      expect(dirBytes(out)).toBe(2_203_896 * bytesPer);
      const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).weightsManifest[0].weights;
      expect(manifest.every((s: tf.io.WeightsManifestEntry) => s.quantization?.dtype === dtype && typeof s.quantization.scale === 'number')).toBe(true);
      const loaded = await tfl.loadLayersModel(pacc.io.fileSystem(out));
      try {
        const got = tf.tidy(() => (loaded.predict(x) as tf.Tensor).dataSync());
        const err = relError(got, expected);
        expect(err).toBeGreaterThan(0);
        expect(err).toBeLessThan(tol);
        expect(got.every(Number.isFinite)).toBe(true);
      } finally {
        loaded.dispose();
      }
    });
  }

  it('re-encodes a saved tfjs model.json (the demo network) and keeps its predictions', async () => {
    const model = pacc.models.paccNet({config: DEMO_CONFIG, numClasses: 10, inputShape: [32, 32, 1]});
    const src = join(tmp, 'demo_f32');
    await model.save(pacc.io.fileSystem(src));
    const xs = tf.randomUniform([4, 32, 32, 1], 0, 1, 'float32', 3);
    const want = tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync());
    for (const dtype of ['float16', 'uint8'] as const) {
      const out = join(tmp, `demo_${dtype}`);
      const r = await run('convert', join(src, 'model.json'), '--out', out, '--quantize', dtype, '-q');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/weights: 0\.\d\d MiB -> 0\.\d\d MiB/);
      expect(dirBytes(out)).toBeLessThan(readFileSync(join(src, 'weights.bin')).length / (dtype === 'uint8' ? 3.5 : 1.9));
      const loaded = await tfl.loadLayersModel(pacc.io.fileSystem(out));
      const got = tf.tidy(() => (loaded.predict(xs) as tf.Tensor).dataSync());
      expect(relError(got, want)).toBeLessThan(dtype === 'uint8' ? 0.2 : 1e-2);
      loaded.dispose();
    }
    xs.dispose();
    model.dispose();
  });

  it('usage errors exit 2 with a reason', async () => {
    const cases: [string[], RegExp][] = [
      [['convert', ckpt, '--arch', 'paccnet-xs', '--out', tmp, '--quantize', 'int8'], /--quantize must be one of uint8, uint16, float16, got 'int8'/],
      [['convert', ckpt, '--arch', 'paccnet-xs', '--out', tmp, '--quantize', 'uint8', '--dtype', 'float16'], /contradict/],
      [['convert', join(tmp, 'm/model.json'), '--out', tmp], /model\.json input needs --quantize/],
      [['convert', join(tmp, 'm/model.json'), '--arch', 'paccnet-xs', '--out', tmp, '--quantize', 'uint8'], /--arch applies to \.pt checkpoints only/],
    ];
    for (const [argv, msg] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out + r.err, argv.join(' ')).toMatch(msg);
    }
  });
});

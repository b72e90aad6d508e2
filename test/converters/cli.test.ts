// The tfjs-pacc convert CLI: usage and failure exit codes, and the round trip convert -> save -> tf.loadLayersModel -> same logits.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import {Tensor, randomUniform, tidy} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as pacc from '../../src/index';
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {runCli} from '../../converters/cli_main';
import {fromTorchCheckpoint} from '../../converters/torch/from_checkpoint';
import {relError} from '../util/compare';
import {PickleAsm, zipWithPickle} from './torch_writer';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ckpt = join(root, 'test/fixtures/edgeformer_xs.pt');
const tmp = mkdtempSync(join(tmpdir(), 'tfjs-pacc-cli-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

async function run(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await runCli(argv, {out: (s) => out.push(s), err: (s) => err.push(s)});
  return {code, out: out.join('\n'), err: err.join('\n')};
}

describe('usage', () => {
  it('--help documents every option and arch', async () => {
    const r = await run('convert', '--help');
    expect(r.code).toBe(0);
    for (const s of ['--arch', '--out', '--dtype', '--num-classes', '--input-size', '--shard-mb', '--quiet', 'paccnet-xs', 'paccnet-s', 'paccnet-h', 'mobilevit-xs', 'mobilevit-s', 'Exit status']) {
      expect(r.out).toContain(s);
    }
    expect((await run('--help')).code).toBe(0);
  });

  it('usage errors exit 2 with a reason', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['convert', ckpt, '--out', tmp], /--arch is required/],
      [['convert', ckpt, '--arch', 'resnet', '--out', tmp], /--arch must be one of paccnet-xs, .*got 'resnet'/],
      [['convert', ckpt, '--arch', 'paccnet-xs'], /--out <dir> is required/],
      [['convert', '--arch', 'paccnet-xs', '--out', tmp], /exactly one checkpoint path, got 0/],
      [['convert', ckpt, '--arch', 'paccnet-xs', '--out', tmp, '--dtype', 'int8'], /--dtype must be float32 or float16/],
      [['convert', ckpt, '--arch', 'paccnet-xs', '--out', tmp, '--input-size', '100'], /multiple of 32, got 100/],
      [['convert', ckpt, '--arch', 'paccnet-xs', '--out', tmp, '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, msg] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out + r.err, argv.join(' ')).toMatch(msg);
    }
  });

  it('conversion failures exit 1 with a clear message and write nothing', async () => {
    const hostile = join(tmp, 'hostile.pt');
    writeFileSync(hostile, zipWithPickle(new PickleAsm().proto(2).global('os', 'system').str('id').op(0x85).reduce().op(0x2e).bytes()));
    const cases: [string[], RegExp][] = [
      [['convert', join(tmp, 'nope.pt'), '--arch', 'paccnet-xs', '--out', join(tmp, 'o1')], /cannot read '.*nope\.pt': no such file/],
      [['convert', hostile, '--arch', 'paccnet-xs', '--out', join(tmp, 'o2')], /refusing global 'os\.system'/],
      [['convert', ckpt, '--arch', 'paccnet-s', '--out', join(tmp, 'o3'), '-q'], /does not match the model[\s\S]*layer_3.1.dim_adaptive.0.block.conv.weight: checkpoint \[96,1,3,3\], model expects \[192,1,3,3\][\s\S]*hint: the checkpoint fits arch 'paccnet-xs'/],
    ];
    for (const [argv, msg] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err, argv.join(' ')).toMatch(/^tfjs-pacc convert: error: /m);
      expect(r.err, argv.join(' ')).toMatch(msg);
    }
    expect(readdirSync(tmp).filter((f) => f.startsWith('o'))).toEqual([]);
  });

  it('the real entry point sets the process exit code', () => {
    const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
    const help = spawnSync(process.execPath, [tsx, join(root, 'converters/cli.ts'), '--help'], {encoding: 'utf8'});
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('tfjs-pacc convert <checkpoint.pt>');
    const bad = spawnSync(process.execPath, [tsx, join(root, 'converters/cli.ts'), 'convert', join(tmp, 'nope.pt'), '--arch', 'paccnet-xs', '--out', tmp], {encoding: 'utf8'});
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('no such file');
  });
});

describe('round trip: convert -> CLI save -> tfl.loadLayersModel', () => {
  let direct: tfl.LayersModel;
  let x: Tensor;
  let expected: Float32Array;
  beforeAll(() => {
    direct = fromTorchCheckpoint(new Uint8Array(readFileSync(ckpt)), {arch: 'paccnet-xs'});
    x = randomUniform([2, 96, 96, 3], 0, 1, 'float32', 7);
    expected = tidy(() => (direct.predict(x) as Tensor).dataSync() as Float32Array);
  });
  afterAll(() => { direct.dispose(); x.dispose(); });

  for (const dtype of ['float32', 'float16'] as const) {
    it(`${dtype}: summary, shards, and the loaded model's logits`, async () => {
      const out = join(tmp, `xs_${dtype}`);
      // A shard left by an earlier conversion into the same folder must not survive.
      mkdirSync(out, {recursive: true});
      writeFileSync(join(out, 'group1-shard9of9.bin'), 'stale');
      const r = await run('convert', ckpt, '--arch', 'paccnet-xs', '--out', out, '--dtype', dtype, '--shard-mb', '1');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/parameters: 2,185,384 trainable/);
      expect(r.out).toMatch(/487 keys \(OrderedDict\), 399 loaded, 88 ignored/);
      expect(r.out).toMatch(/time: \d+\.\d s/);
      expect(r.err).toMatch(/reading 9\.0 MB checkpoint[\s\S]*building paccnet-xs[\s\S]*loading[\s\S]*saving/);
      const shards = readdirSync(out).filter((f) => f.endsWith('.bin'));
      const bytes = shards.reduce((a, f) => a + readFileSync(join(out, f)).length, 0);
      expect(bytes).toBe(2_203_896 * (dtype === 'float16' ? 2 : 4));
      expect(shards.length).toBe(Math.ceil(bytes / 2 ** 20));

      const loaded = await tfl.loadLayersModel(pacc.io.fileSystem(out));
      try {
        const got = tidy(() => (loaded.predict(x) as Tensor).dataSync());
        if (dtype === 'float32') expect(Array.from(got)).toEqual(Array.from(expected));
        else expect(relError(got, expected)).toBeLessThan(2e-2);
      } finally {
        loaded.dispose();
      }
    });
  }
});

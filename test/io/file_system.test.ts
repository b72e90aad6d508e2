// pacc.io.fileSystem: save/load round trip, and weight paths from a model.json confined to its folder ('..', absolute, symlinks out).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';

describe('pacc.io.fileSystem', () => {
  let root: string;
  let model: tfl.LayersModel;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = mkdtempSync(join(tmpdir(), 'pacc-fs-'));
    model = tfl.sequential({layers: [tfl.layers.dense({units: 2, inputShape: [3]})]});
    await model.save(pacc.io.fileSystem(join(root, 'model')));
    // A file outside the model folder that a hostile model.json points at.
    writeFileSync(join(root, 'secret.bin'), readFileSync(join(root, 'model/weights.bin')));
  });
  afterAll(() => rmSync(root, {recursive: true, force: true}));

  /** Writes model/<name>.json listing `paths` as its weight files. */
  function withPaths(name: string, paths: string[]): string {
    const json = JSON.parse(readFileSync(join(root, 'model/model.json'), 'utf8'));
    json.weightsManifest[0].paths = paths;
    const p = join(root, 'model', `${name}.json`);
    writeFileSync(p, JSON.stringify(json));
    return p;
  }

  it('round-trips a model and keeps tensors stable', async () => {
    const before = tf.memory().numTensors;
    const back = await tfl.loadLayersModel(pacc.io.fileSystem(join(root, 'model')));
    const w = back.getWeights();
    expect(Array.from(await w[0].data())).toEqual(Array.from(await model.getWeights()[0].data()));
    back.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads weight files in a subfolder of the model folder', async () => {
    mkdirSync(join(root, 'model/shards'), {recursive: true});
    writeFileSync(join(root, 'model/shards/w.bin'), readFileSync(join(root, 'model/weights.bin')));
    const back = await tfl.loadLayersModel(pacc.io.fileSystem(withPaths('sub', ['shards/w.bin'])));
    expect(back.getWeights().length).toBe(2);
    back.dispose();
  });

  const cases: [string, () => string, RegExp][] = [
    ["'..'", () => '../secret.bin', /contains '\.\.'/],
    ["'..' in the middle", () => 'shards/../../secret.bin', /contains '\.\.'/],
    ['an absolute path', () => join(root, 'secret.bin'), /is absolute/],
    ['a Windows drive path', () => 'C:\\secret.bin', /is absolute/],
    ['a symlink out of the folder', () => {
      symlinkSync(join(root, 'secret.bin'), join(root, 'model/link.bin'));
      return 'link.bin';
    }, /outside the model folder .*symlink/],
  ];
  for (const [what, file, message] of cases) {
    it(`rejects a weight path that is ${what}, naming the model file and the path`, async () => {
      const f = file();
      const modelPath = withPaths(`bad${cases.findIndex((c) => c[0] === what)}`, [f]);
      const err = await tfl.loadLayersModel(pacc.io.fileSystem(modelPath)).then(() => null, (e: Error) => e);
      expect(err, 'load must fail').toBeInstanceOf(Error);
      expect(err!.message).toMatch(message);
      expect(err!.message).toContain(JSON.stringify(f));
      expect(err!.message).toContain(modelPath);
    });
  }

  it('a missing weight file is an error naming it', async () => {
    const p = withPaths('missing', ['nope.bin']);
    await expect(tfl.loadLayersModel(pacc.io.fileSystem(p))).rejects.toThrow(/"nope\.bin".*missing\.json/);
  });
});

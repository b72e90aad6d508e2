// pacc.models.ssd: official parameter counts, key map = the official state_dict key list, output shapes = anchor counts, save/load, leaks, errors.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {readFixtureText} from '../util/fixtures';
import {saveToMemory} from '../util/model_checks';

const count = (m: tf.LayersModel) => m.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);

describe('ssd model', () => {
  beforeAll(async () => { expect(await tf.setBackend('wasm')).toBe(true); });

  it('official trainable parameter counts at 81 classes (SSD-EdgeFormer-S 5,197,282; SSD-MobileViT-S 5,738,826)', () => {
    for (const [backbone, n] of [['paccnet-s', 5197282], ['mobilevit-s', 5738826]] as const) {
      const m = pacc.models.ssd({backbone});
      expect(count(m), backbone).toBe(n);
      expect(m.outputs.map((o) => o.shape)).toEqual([[null, 3232, 81], [null, 3232, 4]]);
      m.dispose();
    }
  }, 60_000);

  it('the PyTorch key map covers exactly the official SSD-EdgeFormer-S state_dict (640 keys, shapes)', async () => {
    const rows = (await readFixtureText('det/ssd_edgeformer_s_state_dict_keys.txt')).split('\n')
      .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
    expect(rows.length).toBe(640);
    const map = pacc.models.ssdTorchKeyMap('paccnet-s', 81);
    const mine = new Map(map.entries.map((e) => [e.torchKey, e.torchShape.join('x')]));
    const official = new Set(rows.map((r) => r[0]));
    const wrong = rows.filter(([k, s]) => !map.ignore(k) && mine.get(k) !== s).map((r) => r.join(' '));
    expect(wrong, 'official keys not mapped (or with another shape)').toEqual([]);
    expect(map.entries.filter((e) => !official.has(e.torchKey)).map((e) => e.torchKey), 'mapped keys the official model lacks').toEqual([]);
    const ignored = rows.filter(([k]) => map.ignore(k)).map((r) => r[0]);
    expect(ignored.every((k) => k.endsWith('.num_batches_tracked') || k.startsWith('encoder.residual.'))).toBe(true);
    // The class count is read back from the head shapes.
    expect(pacc.models.ssdNumClassesOf(new Map(rows.map(([k, s]) => [k, s === 'scalar' ? [] : s.split('x').map(Number)])))).toBe(81);
    // Every tfjs weight is fed by exactly one key.
    const m = pacc.models.ssd({backbone: 'paccnet-s'});
    expect(map.entries.map((e) => e.tfjsName).sort()).toEqual(m.weights.map((w) => w.originalName).sort());
    m.dispose();
  }, 60_000);

  it('key maps of every backbone feed every weight of their model', () => {
    for (const backbone of pacc.models.TASK_BACKBONES) {
      const m = pacc.models.ssd({backbone, numClasses: 5, inputShape: [null, null, 3]});
      const map = pacc.models.ssdTorchKeyMap(backbone, 5);
      expect(map.entries.map((e) => e.tfjsName).sort(), backbone).toEqual(m.weights.map((w) => w.originalName).sort());
      m.dispose();
    }
  }, 60_000);

  describe('forward at several sizes (free input size)', () => {
    let m: tf.LayersModel;
    beforeAll(() => { m = pacc.models.ssd({backbone: 'paccnet-xs', numClasses: 7, inputShape: [null, null, 3]}); });
    afterAll(() => m.dispose());

    // EdgeFormer's PaCC blocks need square maps (the official block takes H for both directions),
    // MobileViT also runs non-square inputs.
    it('prior count = the anchor generator\'s at 320, 256, 100 and 33 (PaCC-Net), 96×160 and 100×75 (MobileViT); finite outputs', () => {
      const mv = pacc.models.ssd({backbone: 'mobilevit-xs', numClasses: 7, inputShape: [null, null, 3]});
      for (const [h, w, net] of [[320, 320, m], [256, 256, m], [100, 100, m], [33, 33, m], [96, 160, mv], [100, 75, mv]] as const) {
        const [conf, loc] = tf.tidy(() => net.predict(tf.randomUniform([1, h, w, 3])) as tf.Tensor[]);
        const p = pacc.detection.ssdAnchors(h, w).length / 4;
        expect(conf.shape, `${h}x${w}`).toEqual([1, p, 7]);
        expect(loc.shape).toEqual([1, p, 4]);
        expect(conf.dataSync().every(Number.isFinite) && loc.dataSync().every(Number.isFinite)).toBe(true);
        tf.dispose([conf, loc]);
      }
      mv.dispose();
    }, 120_000);

    it('leaks: predict keeps tf.memory().numTensors stable', () => {
      const x = tf.randomUniform([1, 64, 64, 3]);
      tf.dispose(m.predict(x) as tf.Tensor[]);
      const before = tf.memory().numTensors;
      tf.dispose(m.predict(x) as tf.Tensor[]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });

    it('save/load (memory) gives identical outputs and names', async () => {
      const x = tf.randomUniform([1, 64, 64, 3]);
      const want = m.predict(x) as tf.Tensor[];
      const saved = await saveToMemory(m);
      const back = await tf.loadLayersModel(tf.io.fromMemory(saved));
      const got = back.predict(x) as tf.Tensor[];
      for (let i = 0; i < 2; i++) expect(Array.from(got[i].dataSync())).toEqual(Array.from(want[i].dataSync()));
      expect(back.weights.map((w) => w.originalName)).toEqual(m.weights.map((w) => w.originalName));
      tf.dispose([x, ...want, ...got]);
      back.dispose();
    }, 60_000);
  });

  it('registry counts = the official code\'s for every SSD entry (ssd_oracle_counts.json, incl. the xs backbones)', async () => {
    const official = JSON.parse(await readFixtureText('det/ssd_oracle_counts.json')).counts as Record<string, number>;
    for (const name of pacc.models.modelNames({task: 'detection'})) expect(pacc.models.getModelEntry(name).params, name).toBe(official[name]);
  });

  it('extra layers and heads get the official xavier-uniform init (PyTorch fans), zero biases', () => {
    const m = pacc.models.ssd({backbone: 'paccnet-xs', numClasses: 5, inputShape: [64, 64, 3]});
    const w = (n: string) => m.weights.find((v) => v.originalName === n)!.read().dataSync();
    const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
    // Head 0 predictor: 1×1 from the 512-channel projection to 6·(4+5) = 54: bound sqrt(6 / (512 + 54)).
    const pw = w('ssd_heads.0.loc_cls_layer.pw_conv.block.conv/kernel');
    expect(maxAbs(pw)).toBeLessThanOrEqual(Math.sqrt(6 / (512 + 54)));
    expect(maxAbs(pw)).toBeGreaterThan(0.9 * Math.sqrt(6 / (512 + 54)));
    const dw = w('ssd_heads.0.loc_cls_layer.dw_conv.block.conv/depthwise_kernel'); // torch (512, 1, 3, 3): fans 9 and 4608
    expect(maxAbs(dw)).toBeLessThanOrEqual(Math.sqrt(6 / (9 + 4608)));
    expect(maxAbs(dw)).toBeGreaterThan(0.9 * Math.sqrt(6 / (9 + 4608)));
    expect(maxAbs(w('ssd_heads.0.loc_cls_layer.pw_conv.block.conv/bias'))).toBe(0);
    m.dispose();
  });

  it('registry entries build the detectors and count them', () => {
    const names = pacc.models.modelNames({task: 'detection'});
    expect(names).toEqual(['ssd-paccnet-s', 'ssd-paccnet-xs', 'ssd-mobilevit-s', 'ssd-mobilevit-xs']);
    expect(pacc.models.getModelEntry('ssd-edgeformer-s').name).toBe('ssd-paccnet-s');
    for (const n of names) expect(pacc.converters.TORCH_ARCHS).toContain(n);
  });

  it('bad options name the argument', () => {
    expect(() => pacc.models.ssd({backbone: 'resnet'})).toThrow(/backbone must be one of/);
    expect(() => pacc.models.ssd({numClasses: 1})).toThrow(/numClasses/);
    expect(() => pacc.models.ssd({inputShape: [320, 320, 1]})).toThrow(/inputShape/);
    expect(() => pacc.models.ssd({inputShape: [0, 320, 3]})).toThrow(/inputShape/);
  });
});

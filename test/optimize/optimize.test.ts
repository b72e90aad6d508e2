// optimizeForInference on every registered model (random weights and BN statistics): equal outputs, save/load, input untouched, no leaks.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';
import * as pacc from '../../src/index';
import {randomizeNorms, relDiff} from './util';
import {saveToMemory} from '../util/model_checks';

const SIZE = 32;
const TOL = 1e-4;
const outputsOf = (y: tf.Tensor | tf.Tensor[]) => (Array.isArray(y) ? y : [y]);

/** Saves to memory and loads back through tf.loadLayersModel (the registered layer classes are all it needs). */
async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
}

function compare(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): number {
  return tf.tidy(() => {
    const ya = outputsOf(a.predict(x) as tf.Tensor | tf.Tensor[]), yb = outputsOf(b.predict(x) as tf.Tensor | tf.Tensor[]);
    expect(yb.length).toBe(ya.length);
    return Math.max(...ya.map((t, i) => {
      expect(yb[i].shape).toEqual(t.shape);
      return relDiff(t, yb[i]);
    }));
  });
}

const entries = () => pacc.models.MODEL_REGISTRY;
/** The full checks run on one light model per family; the others get the equality check only (suite time). */
// One model per family: its first light entry; for detection / segmentation (every entry is heavy) the one with
// the fewest parameters. (The surgered zoo families stay equality-only: their full checks live in test/surgery.)
const smallest = (e: pacc.models.ModelEntry, all: pacc.models.ModelEntry[]) => e.task !== 'classification'
  && all.filter((o) => o.family === e.family).every((o) => o.heavy && o.params >= e.params);
const light = (e: pacc.models.ModelEntry, all: pacc.models.ModelEntry[]) => !e.heavy || smallest(e, all);
const full = () => entries().filter((e, i, all) => light(e, all) && all.findIndex((o) => light(o, all) && o.family === e.family) === i);
/** Test input size: 32×32, detection 64×64 (six SSD feature maps down to stride 256 plus a global pool). */
const sizeOf = (e: pacc.models.ModelEntry) => (e.task === 'detection' ? 64 : SIZE);
const rest = () => entries().filter((e) => !full().includes(e));

describe('optimizeForInference on every registered model (wasm)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  for (const entry of full()) {
    it(`${entry.name}: predict equals the original's within ${TOL} relative; fewer layers; original untouched; no leaks`, async () => {
      const start = tf.memory().numTensors;
      const s = sizeOf(entry);
      const model = entry.build({numClasses: 10, inputShape: [s, s, 3]});
      randomizeNorms(model, 7);
      const x = tf.randomUniform([1, s, s, 3], 0, 1, 'float32', 3);
      const before = model.getWeights().map((w) => w.dataSync().slice());
      const nodesBefore = model.layers.map((l) => l.inboundNodes.length);
      const fast = pacc.optimizeForInference(model);
      expect(fast.layers.length).toBeLessThan(model.layers.length);
      expect(compare(model, fast, x)).toBeLessThan(TOL);
      // The input model is unchanged: same weight values, same graph, and it still runs after its copy is gone.
      model.getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(before[i]));
      expect(model.layers.map((l) => l.inboundNodes.length)).toEqual(nodesBefore);
      // Predict keeps the tensor count stable.
      tf.dispose(fast.predict(x) as tf.Tensor | tf.Tensor[]);
      const n = tf.memory().numTensors;
      tf.dispose(fast.predict(x) as tf.Tensor | tf.Tensor[]);
      expect(tf.memory().numTensors).toBe(n);
      // The copy owns its variables: disposing the original leaves it working.
      const ref = outputsOf(fast.predict(x) as tf.Tensor | tf.Tensor[]);
      model.dispose();
      const again = outputsOf(fast.predict(x) as tf.Tensor | tf.Tensor[]);
      ref.forEach((r, i) => expect(relDiff(r, again[i])).toBe(0));
      tf.dispose([...ref, ...again, x]);
      fast.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }, 120_000);
  }

  // Every other model (PaCC-Net-S/H, MobileViT-S, ResNet50, ConvNeXt, EdgeViT, ...): equality only, at 32×32.
  it(`other models (${rest().map((e) => e.name).join(', ')}): predict equal within ${TOL} at 32×32 (detection 64×64)`, () => {
    for (const entry of rest()) {
      const s = sizeOf(entry);
      const model = entry.build({numClasses: 10, inputShape: [s, s, 3]});
      randomizeNorms(model, 13);
      const fast = pacc.optimizeForInference(model);
      const x = tf.randomUniform([1, s, s, 3], 0, 1, 'float32', 4);
      expect(compare(model, fast, x), entry.name).toBeLessThan(TOL);
      [model, fast, x].forEach((m) => m.dispose());
    }
  }, 240_000);

  it('save / load round trip of optimised PaCC-Net-XS, MobileViT-XS, SSD- and DeepLabV3-PaCC-Net-XS (fused layers deserialise, same outputs)', async () => {
    const cases: [string, number[]][] = [['paccnet-xs', [64, SIZE]], ['mobilevit-xs', [64, SIZE]], ['ssd-paccnet-xs', [64, 96]], ['deeplabv3-paccnet-xs', [64]]];
    for (const [name, sizes] of cases) {
      const model = pacc.models.getModelEntry(name).build({numClasses: 10, inputShape: [null, null, 3]});
      randomizeNorms(model, 11);
      const fast = pacc.optimizeForInference(model);
      const loaded = await roundTrip(fast);
      expect(loaded.layers.map((l) => l.getClassName())).toEqual(fast.layers.map((l) => l.getClassName()));
      // A free input size survives the folding: the meta kernels are still resized at run time.
      for (const s of sizes) {
        const x = tf.randomUniform([2, s, s, 3], 0, 1, 'float32', s);
        expect(compare(fast, loaded, x)).toBeLessThan(1e-6);
        expect(compare(model, loaded, x)).toBeLessThan(TOL);
        x.dispose();
      }
      [model, fast, loaded].forEach((m) => m.dispose());
    }
  }, 120_000);
});

describe('optimizeForInference rules on small graphs (cpu)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });
  const L = tf.layers;
  const classes = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName());

  function check(build: (x: tf.SymbolicTensor) => tf.SymbolicTensor | tf.SymbolicTensor[], shape = [9, 9, 6]) {
    const input = tf.input({shape});
    const model = tf.model({inputs: input, outputs: build(input)});
    randomizeNorms(model, 5);
    const fast = pacc.optimizeForInference(model);
    const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', 9);
    expect(compare(model, fast, x)).toBeLessThan(TOL);
    x.dispose();
    return {model, fast};
  }

  it('conv → BN → relu6 / swish / hardswish fuse into one layer each, also strided with a ZeroPadding2D and depthwise', () => {
    const {fast} = check((x) => {
      let y = L.zeroPadding2d({padding: [[1, 2], [0, 1]]}).apply(x) as tf.SymbolicTensor;
      y = L.conv2d({filters: 8, kernelSize: 3, strides: 2, padding: 'valid'}).apply(y) as tf.SymbolicTensor;
      y = L.batchNormalization({epsilon: 1e-5}).apply(y) as tf.SymbolicTensor;
      y = L.reLU({maxValue: 6}).apply(y) as tf.SymbolicTensor;
      y = L.depthwiseConv2d({kernelSize: 3, padding: 'same', depthMultiplier: 2}).apply(y) as tf.SymbolicTensor;
      y = L.batchNormalization().apply(y) as tf.SymbolicTensor;
      y = L.activation({activation: 'swish'}).apply(y) as tf.SymbolicTensor;
      y = new pacc.GroupedConv2D({filters: 8, kernelSize: 3, groups: 4}).apply(y) as tf.SymbolicTensor;
      y = L.batchNormalization().apply(y) as tf.SymbolicTensor;
      return new pacc.HardSwish({}).apply(y) as tf.SymbolicTensor;
    });
    expect(classes(fast)).toEqual(['InputLayer', 'PaccFusedConv2D', 'PaccFusedConv2D', 'PaccFusedConv2D']);
  });

  it('a BN before a 1×1 conv folds into it; before a padded 3×3 conv it is kept (zero padding is not affine)', () => {
    const {fast} = check((x) => {
      let y = L.batchNormalization().apply(x) as tf.SymbolicTensor;
      y = L.conv2d({filters: 5, kernelSize: 1, useBias: true, activation: 'relu'}).apply(y) as tf.SymbolicTensor;
      y = L.batchNormalization().apply(y) as tf.SymbolicTensor;
      return L.conv2d({filters: 4, kernelSize: 3, padding: 'same'}).apply(y) as tf.SymbolicTensor;
    });
    expect(classes(fast)).toEqual(['InputLayer', 'PaccFusedConv2D', 'BatchNormalization', 'PaccFusedConv2D']);
  });

  it('a conv output read twice (or a model output) keeps its BN separate', () => {
    const {fast} = check((x) => {
      const c = L.conv2d({filters: 6, kernelSize: 3, padding: 'same'}).apply(x) as tf.SymbolicTensor;
      const b = L.batchNormalization().apply(c) as tf.SymbolicTensor;
      return [L.add().apply([c, b]) as tf.SymbolicTensor, b];
    });
    expect(classes(fast)).toContain('BatchNormalization');
  });

  it('DeepLabV3 ASPP branch: AtrousConv2D → BN → relu fuses into one dilated conv; the pooling branch folds too', () => {
    const {fast} = check((x) => {
      const a = new pacc.segmentation.AtrousConv2D({filters: 5, kernelSize: 3, dilationRate: 2}).apply(x) as tf.SymbolicTensor;
      const b = L.batchNormalization({epsilon: 1e-5}).apply(a) as tf.SymbolicTensor;
      return L.activation({activation: 'relu'}).apply(b) as tf.SymbolicTensor;
    });
    expect(classes(fast)).toEqual(['InputLayer', 'PaccFusedConv2D']);
    expect((fast.layers[1].getConfig() as {dilationRate: number[]}).dilationRate).toEqual([2, 2]);
  });

  it('dense + activation fuse, dropout disappears, unknown layers are copied', () => {
    const {fast} = check((x) => {
      let y = L.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
      y = L.dense({units: 7}).apply(y) as tf.SymbolicTensor;
      y = L.activation({activation: 'relu'}).apply(y) as tf.SymbolicTensor;
      y = L.dropout({rate: 0.5}).apply(y) as tf.SymbolicTensor;
      return L.dense({units: 3, activation: 'softmax'}).apply(y) as tf.SymbolicTensor;
    });
    expect(classes(fast)).toEqual(['InputLayer', 'GlobalAveragePooling2D', 'PaccFusedDense', 'PaccFusedDense']);
  });

  it('a PaccBlock with a zero pre-norm scale is copied unfolded (its shift cannot move in front of the conv), still equal', () => {
    const input = tf.input({shape: [8, 8, 8]});
    const block = new pacc.PaccBlock({dim: 4, metaSize: 8, ffnDim: 16, usePe: true});
    const model = tf.model({inputs: input, outputs: block.apply(input) as tf.SymbolicTensor});
    randomizeNorms(model, 2);
    const x = tf.randomNormal([1, 8, 8, 8]);
    const folded = pacc.optimizeForInference(model);
    expect(classes(folded)).toEqual(['InputLayer', 'PaccFusedPaccBlock']);
    expect(compare(model, folded, x)).toBeLessThan(TOL);
    const gamma = model.weights.find((w) => w.originalName.endsWith('pre_Norm_1/gamma'))!;
    tf.tidy(() => { gamma.write(tf.zeros([4])); });
    const kept = pacc.optimizeForInference(model);
    expect(classes(kept)).toEqual(['InputLayer', 'PaccBlock']);
    expect(compare(model, kept, x)).toBeLessThan(TOL);
    [model, folded, kept].forEach((m) => m.dispose());
    x.dispose();
  });

  it('rejects what is not a LayersModel, naming the argument', () => {
    expect(() => pacc.optimizeForInference({} as tf.LayersModel)).toThrow(/model must be a tf.LayersModel/);
  });
});

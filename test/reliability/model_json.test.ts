// Hostile model.json files: each ends in an Error from modelFromJSON naming the file, the layer or weight, and the problem.
import {describe, expect, it} from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {modelFromJSON} from '../../src/io/model_from_json';

/** A tiny functional model: input -> d1 (Dense 2) -> d2 (Dense 1), with its manifest. */
function tiny(): any {
  const dense = (name: string, units: number, from: string) => ({
    class_name: 'Dense', name, inbound_nodes: [[[from, 0, 0, {}]]],
    config: {name, units, activation: 'linear', use_bias: true, kernel_initializer: {class_name: 'Zeros', config: {}}, bias_initializer: {class_name: 'Zeros', config: {}}},
  });
  return {
    format: 'layers-model',
    modelTopology: {model_config: {class_name: 'Functional', config: {
      name: 'tiny',
      layers: [
        {class_name: 'InputLayer', name: 'in', inbound_nodes: [], config: {name: 'in', batch_input_shape: [null, 3], dtype: 'float32'}},
        dense('d1', 2, 'in'), dense('d2', 1, 'd1'),
      ],
      input_layers: [['in', 0, 0]], output_layers: [['d2', 0, 0]],
    }}},
    weightsManifest: [{paths: ['w.bin'], weights: [
      {name: 'd1/kernel', shape: [3, 2], dtype: 'float32'}, {name: 'd1/bias', shape: [2], dtype: 'float32'},
      {name: 'd2/kernel', shape: [2, 1], dtype: 'float32'}, {name: 'd2/bias', shape: [1], dtype: 'float32'},
    ]}],
  };
}
const layers = (j: any) => j.modelTopology.model_config.config.layers;
const WEIGHTS = new Uint8Array(new Float32Array(11).fill(0.5).buffer);

describe('modelFromJSON refuses hostile model files with its own errors', () => {
  it('loads the untouched tiny model (the base case works)', async () => {
    const m = await modelFromJSON(tiny(), WEIGHTS);
    const y = m.predict(tf.ones([1, 3])) as tf.Tensor;
    expect(Array.from(await y.data())[0]).toBeCloseTo(0.5 * 3 * 0.5 * 2 + 0.5 * 2 * 0.5 + 0.5, 5);
    tf.dispose(y); m.dispose();
  });

  it('a cycle (d1 <- d2 <- d1) is refused instead of hanging', async () => {
    const j = tiny();
    layers(j)[1].inbound_nodes = [[['d2', 0, 0, {}]]];
    await expect(modelFromJSON(j, undefined, 'cycle.json')).rejects.toThrow(/modelFromJSON\(cycle\.json\): the layers form a cycle .*'d1'.*'d2'/);
  });

  it('an unknown inbound layer names the layer and the missing one', async () => {
    const j = tiny();
    layers(j)[2].inbound_nodes = [[['ghost', 0, 0, {}]]];
    await expect(modelFromJSON(j)).rejects.toThrow(/layer 'd2' takes its input from 'ghost', which is not a layer/);
  });

  it('a layer without inbound_nodes in a functional model is refused (tfjs-layers would throw a TypeError)', async () => {
    const j = tiny();
    delete layers(j)[2].inbound_nodes;
    await expect(modelFromJSON(j, undefined, 'm.json')).rejects.toThrow(/modelFromJSON\(m\.json\): layer 'd2' of the model has no 'inbound_nodes' list/);
  });

  it('an inbound node index past the inbound layer\'s nodes is refused instead of hanging', async () => {
    const j = tiny();
    layers(j)[2].inbound_nodes = [[['d1', 3, 0, {}]]];
    await expect(modelFromJSON(j)).rejects.toThrow(/layer 'd2' inbound node 0 input 0 asks for node 3 of layer 'd1', which has 1/);
  });

  it('a malformed inbound entry or endpoint names where it is', async () => {
    const j = tiny();
    layers(j)[1].inbound_nodes = [[['in', 'x', 0, {}]]];
    await expect(modelFromJSON(j)).rejects.toThrow(/layer 'd1' inbound node 0 input 0 is \["in","x",0,\{\}\]; expected \[layer name, node index, tensor index, kwargs\?\]/);
    const k = tiny();
    k.modelTopology.model_config.config.output_layers = [['nope', 0, 0]];
    await expect(modelFromJSON(k)).rejects.toThrow(/the model output_layers\[0\] names 'nope', which is not a layer/);
    const o = tiny();
    layers(o)[2].inbound_nodes = [[['d1', 0, 1, {}]]];
    await expect(modelFromJSON(o)).rejects.toThrow(/layer 'd2' inbound node 0 input 0 asks for output 1 of layer 'd1', which has one/);
    const e = tiny();
    e.modelTopology.model_config.config.input_layers = [['in', 1, 0]];
    await expect(modelFromJSON(e)).rejects.toThrow(/input_layers\[0\] asks for node 1 of layer 'in', which has 1/);
  });

  it('a huge depth_multiplier is refused by name; sizes that only multiply past memory end in our error too', async () => {
    const j = tiny();
    layers(j)[1].config.depth_multiplier = 1e12;
    await expect(modelFromJSON(j)).rejects.toThrow(/layer 'd1' depth_multiplier is 1000000000000; an integer in \[0, 1048576\] is required/);
    const k = tiny();
    layers(k)[1].config.units = 1 << 20;
    layers(k)[2].config.units = 1 << 20;
    await expect(modelFromJSON(k, undefined, 'big.json')).rejects.toThrow(/modelFromJSON\(big\.json\): the layer sizes in the file make weights too large to allocate/);
  });

  it('a model class without its config is refused', async () => {
    const j = tiny();
    j.modelTopology.model_config.con_fig = j.modelTopology.model_config.config;
    delete j.modelTopology.model_config.config;
    await expect(modelFromJSON(j)).rejects.toThrow(/the model is a Functional without a 'config' object/);
  });

  it('duplicate layer names are refused', async () => {
    const j = tiny();
    layers(j)[2].name = 'd1'; layers(j)[2].config.name = 'd1';
    await expect(modelFromJSON(j)).rejects.toThrow(/two layers are named 'd1'/);
  });

  it('deeply nested JSON text ends in our depth error, not a stack overflow', async () => {
    const text = JSON.stringify(tiny()).replace('"format"', `"x": ${'['.repeat(200000)}${']'.repeat(200000)}, "format"`);
    await expect(modelFromJSON(text, undefined, 'deep.json')).rejects.toThrow(/modelFromJSON\(deep\.json\): JSON nests deeper than 100 levels/);
  });

  it('deeply nested parsed objects end in our depth error', async () => {
    const j = tiny();
    let v: any = {};
    j.extra = v;
    for (let i = 0; i < 5000; i++) { v.a = {}; v = v.a; }
    await expect(modelFromJSON(j)).rejects.toThrow(/JSON nests deeper than 100 levels \(at \.extra\.a/);
  });

  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`a '${key}' key is refused before it reaches any object`, async () => {
      const text = JSON.stringify(tiny()).replace('"units":2', `"units":2,"${key}":{"polluted":true}`);
      await expect(modelFromJSON(text)).rejects.toThrow(new RegExp(`key '${key}' at .*layers\\[1\\]\\.config is refused`));
      expect(({} as any).polluted).toBeUndefined();
    });
  }

  it('a Keras Lambda layer (carries Python code) is refused by name', async () => {
    const j = tiny();
    layers(j)[1].class_name = 'Lambda';
    layers(j)[1].config.function = ['4wEAAAAAAAAA', null, null];
    await expect(modelFromJSON(j)).rejects.toThrow(/layer 'd1' is a Lambda layer, which carries Python code/);
  });

  it('negative and non-integer shapes are refused', async () => {
    const a = tiny();
    layers(a)[0].config.batch_input_shape = [null, -3];
    await expect(modelFromJSON(a)).rejects.toThrow(/layer 'in' batch_input_shape \[null,-3\] has a size -3/);
    const b = tiny();
    layers(b)[1].config.units = 2.5;
    await expect(modelFromJSON(b)).rejects.toThrow(/layer 'd1' units is 2.5/);
    const c = tiny();
    c.weightsManifest[0].weights[0].shape = [3, 1.5];
    await expect(modelFromJSON(c, WEIGHTS)).rejects.toThrow(/weight 'd1\/kernel' shape \[3,1.5\] has a size 1.5/);
  });

  it('absurd declared weight sizes are refused before any allocation', async () => {
    const j = tiny();
    j.weightsManifest[0].weights[0].shape = [2 ** 26, 2 ** 26];
    await expect(modelFromJSON(j, WEIGHTS)).rejects.toThrow(/weight 'd1\/kernel' shape \[67108864,67108864\] has 4503599627370496 elements, more than the limit/);
    const k = tiny();
    k.weightsManifest[0].weights[0].shape = [3, 200];
    await expect(modelFromJSON(k, WEIGHTS)).rejects.toThrow(/weight data has 44 bytes but the manifest's 4 weights need 2420/);
  });

  it('an unknown weight dtype is refused', async () => {
    const j = tiny();
    j.weightsManifest[0].weights[1].dtype = 'complex64';
    await expect(modelFromJSON(j, WEIGHTS)).rejects.toThrow(/weight 'd1\/bias' has dtype "complex64"/);
  });

  it('invalid JSON text is our error', async () => {
    await expect(modelFromJSON('{"modelTopology": ', undefined, 'cut.json')).rejects.toThrow(/modelFromJSON\(cut\.json\): not valid JSON/);
  });
});

// The 'tensorflow' (tfjs-node) kernels: the shared op spec on real tfjs-node where it loads, and always on a recording stand-in.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {positionAwareCircularConv} from '../../src/index';
import {tensorflowKernels} from '../../ops/pacc/kernels/tensorflow';
import {paccOpSpec} from '../op/pacc.spec';
import {expectPaccMatchesReference, randomPaccCase} from '../util/pacc_check';
import {skipSuite} from '../skips';
import {registerStandIn, StandInTensorflowBackend} from './standin_backend';

// Real libtensorflow: only where @tensorflow/tfjs-node is installed (an optional peer).
const tfjsNodeError = await import(/* @vite-ignore */ ['@tensorflow', 'tfjs-node'].join('/')).then(() => null, (e: Error) => e);
if (tfjsNodeError == null) {
  paccOpSpec('tensorflow');
} else {
  skipSuite('PositionAwareCircularConv on tensorflow (tfjs-node)', 'shared op spec',
      `@tensorflow/tfjs-node is not installed here (${tfjsNodeError.message.split('\n')[0]}); ` +
      'to run the shared op spec against libtensorflow: npm i --no-save @tensorflow/tfjs-node@4.22.0 && npx vitest run test/tensorflow');
}

// The stand-in: the same kernels, every TensorFlow op call checked against its op
// definition and computed by tfjs-core on cpu, so the kernels' math meets the fixtures.
const STANDIN = 'tensorflow-standin';
registerStandIn(STANDIN, tensorflowKernels);
paccOpSpec(STANDIN);

describe('op-and-attribute sequence emitted by the tensorflow kernels', () => {
  let backend: StandInTensorflowBackend;
  beforeAll(async () => {
    expect(await tf.setBackend(STANDIN)).toBe(true);
    backend = tf.backend() as StandInTensorflowBackend;
  });
  afterAll(() => tf.setBackend('cpu'));

  const record = (fn: () => unknown) => {
    backend.calls.length = 0;
    tf.tidy(() => { fn(); });
    return backend.calls.map((c) => c.op);
  };
  const conv = {T: 'float32', strides: [1, 1, 1, 1], padding: 'VALID', data_format: 'NHWC', dilations: [1, 1, 1, 1]};

  it('forward, h, bias + pe: pe add, circular pad, VALID depthwise conv, BiasAdd', () => {
    const x = tf.randomNormal([2, 5, 3, 4]) as tf.Tensor4D;
    const ops = record(() => positionAwareCircularConv(x, tf.randomNormal([5, 4]) as tf.Tensor2D,
        {direction: 'h', bias: tf.randomNormal([4]) as tf.Tensor1D, positionEmbedding: tf.randomNormal([5, 4]) as tf.Tensor2D}));
    expect(ops).toEqual(['Reshape', 'AddV2', 'Slice', 'ConcatV2', 'Reshape', 'DepthwiseConv2dNative', 'BiasAdd']);
    const c = backend.calls;
    expect(c[0].inputShapes).toEqual([[5, 4], [4]]); // pe -> [1, L, 1, C]
    expect(c[2].inputShapes).toEqual([[2, 5, 3, 4], [4], [4]]);
    expect(c[3].attrs).toEqual({N: 2, T: 'float32', Tidx: 'int32'});
    expect(c[3].inputShapes).toEqual([[2, 5, 3, 4], [2, 4, 3, 4], []]);
    expect(c[5].attrs).toEqual(conv);
    expect(c[5].inputShapes).toEqual([[2, 9, 3, 4], [5, 1, 4, 1]]);
    expect(c[6].attrs).toEqual({T: 'float32', data_format: 'NHWC'});
    x.dispose();
  });

  it('forward, w, no bias, no pe: no add ops; filter laid out [1, L, C, 1]', () => {
    const ops = record(() => positionAwareCircularConv(tf.randomNormal([1, 2, 6, 3]) as tf.Tensor4D, tf.randomNormal([6, 3]) as tf.Tensor2D, {direction: 'w'}));
    expect(ops).toEqual(['Slice', 'ConcatV2', 'Reshape', 'DepthwiseConv2dNative']);
    expect(backend.calls[1].inputShapes[1]).toEqual([1, 2, 5, 3]);
    expect(backend.calls[3].inputShapes).toEqual([[1, 2, 11, 3], [1, 6, 3, 1]]);
  });

  it('forward with L = 1: no slice or concat', () => {
    const ops = record(() => positionAwareCircularConv(tf.randomNormal([1, 1, 4, 2]) as tf.Tensor4D, tf.randomNormal([1, 2]) as tf.Tensor2D, {direction: 'h'}));
    expect(ops).toEqual(['Reshape', 'DepthwiseConv2dNative']);
  });

  it('gradients: depthwise backprop ops on the padded length 2L-1, wrap-around folded back', () => {
    const x = tf.randomNormal([2, 3, 4, 5]), f = tf.randomNormal([4, 5]), pe = tf.randomNormal([4, 5]);
    const ops = record(() => tf.grads((x: tf.Tensor, f: tf.Tensor) =>
      tf.sum(positionAwareCircularConv(x as tf.Tensor4D, f as tf.Tensor2D, {direction: 'w', positionEmbedding: pe as tf.Tensor2D})))([x, f]));
    // The x gradient's input backprop (the pe gradient's one runs on the [1, 1, L, C] row sums).
    const bi = backend.calls.find((c) => c.op === 'DepthwiseConv2dNativeBackpropInput' && c.inputShapes[2][0] === 2)!;
    const bf = backend.calls.find((c) => c.op === 'DepthwiseConv2dNativeBackpropFilter')!;
    expect(bi.attrs).toEqual(conv);
    expect(bi.inputShapes).toEqual([[4], [1, 4, 5, 1], [2, 3, 4, 5]]);
    expect(bf.attrs).toEqual(conv);
    expect(bf.inputShapes).toEqual([[2, 3, 7, 5], [4], [2, 3, 4, 5]]);
    expect(ops.slice(ops.indexOf('DepthwiseConv2dNativeBackpropInput'))).toEqual(
        expect.arrayContaining(['Slice', 'Slice', 'Pad', 'AddV2']));
    tf.dispose([x, f, pe]);
  });

  it('bias + pe gradients: Sum over N, W to [L, C], Sum over L for dbias, input backprop of the row sums for dpe', () => {
    const x = tf.randomNormal([2, 3, 4, 5]), f = tf.randomNormal([3, 5]), b = tf.randomNormal([5]), pe = tf.randomNormal([3, 5]);
    record(() => tf.grads((b: tf.Tensor, pe: tf.Tensor) => tf.sum(positionAwareCircularConv(
        x as tf.Tensor4D, f as tf.Tensor2D, {direction: 'h', bias: b as tf.Tensor1D, positionEmbedding: pe as tf.Tensor2D})))([b, pe]));
    const sums = backend.calls.filter((c) => c.op === 'Sum');
    // The loss' own tf.sum runs on the stand-in's cpu kernels, not through TensorFlow ops.
    expect(sums.map((c) => c.inputShapes)).toEqual([[[2, 3, 4, 5], [2]], [[3, 5], [1]]]);
    expect(sums[0].attrs).toEqual({T: 'float32', Tidx: 'int32', keep_dims: false});
    const bi = backend.calls.find((c) => c.op === 'DepthwiseConv2dNativeBackpropInput')!;
    expect(bi.inputShapes).toEqual([[4], [3, 1, 5, 1], [1, 3, 1, 5]]);
    tf.dispose([x, f, b, pe]);
  });

  it('matches reference.ts on a shape with H != W, both directions, all inputs', () => {
    for (const direction of ['h', 'w'] as const) expectPaccMatchesReference(randomPaccCase([2, 7, 3, 6], direction, 42));
  });

  it('the stand-in rejects what TensorFlow would reject (so the checks above can fail)', () => {
    const x = tf.zeros([1, 2, 2, 1]);
    const f = tf.zeros([2, 1, 1, 1]);
    const bad: [Parameters<StandInTensorflowBackend['executeSingleOutput']>, RegExp][] = [
      [['DepthwiseConv2dNative', [{name: 'T', type: 4, value: 1}, {name: 'strides', type: 1, value: [1, 1, 1, 1]}], [x, f]], /missing required attr 'padding'/],
      [['DepthwiseConv2dNative', [{name: 'T', type: 4, value: 1}, {name: 'strides', type: 1, value: [1, 1]}, {name: 'padding', type: 0, value: 'VALID'}], [x, f]], /strides must be/],
      [['DepthwiseConv2dNative', [{name: 'T', type: 4, value: 1}, {name: 'strides', type: 1, value: [1, 1, 1, 1]}, {name: 'padding', type: 0, value: 'valid'}], [x, f]], /not in/],
      [['BiasAdd', [{name: 'T', type: 4, value: 1}, {name: 'axis', type: 1, value: 3}], [x, x]], /no attr 'axis'/],
      [['Slice', [{name: 'T', type: 4, value: 1}, {name: 'Index', type: 4, value: 3}], [x, x, x]], /input 1 is float32/],
      [['Relu6', [], [x]], /not in the stand-in's op registry/],
    ];
    for (const [args, msg] of bad) expect(() => backend.executeSingleOutput(...args), String(msg)).toThrow(msg);
    tf.dispose([x, f]);
  });
});

// The shared op spec on webgl with half-float textures (what tf.webgl.forceHalfFloat() sets), at f16 tolerances.
import * as tf from '@tensorflow/tfjs-core';
import {describe, expect, it} from 'vitest';
import {paccOpSpec} from '../op/pacc.spec';
import {F16_TOLERANCE} from '../util/tolerances';

// Before the backend exists: the texture format is chosen when webgl initialises
// (this file has its own page, so the other files keep float32 textures).
tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);

paccOpSpec('webgl', {variant: 'webgl-f16', tolerance: F16_TOLERANCE});

describe('webgl-f16 page', () => {
  it('really stores half floats', async () => {
    expect(await tf.setBackend('webgl')).toBe(true);
    expect(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'), 'float32 render targets must be off').toBe(false);
    // A value f16 cannot hold exactly comes back rounded to 11 significant bits
    // (256 values: small CPU-resident inputs would be added on the CPU instead).
    const back = tf.tidy(() => tf.add(tf.fill([256], 1 + 2 ** -12), tf.zeros([256])).dataSync()[0]);
    expect(back).toBe(1);
  });
});

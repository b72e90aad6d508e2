// The shared op spec on webgl with the unpacked (one value per texel) programs, the path WebGL 1 takes.
import * as tf from '@tensorflow/tfjs-core';
import {PACC_WEBGL_PACKED} from '../../ops/pacc/kernels/webgl';
import {paccOpSpec} from '../op/pacc.spec';

tf.env().set(PACC_WEBGL_PACKED, false);

paccOpSpec('webgl', {variant: 'webgl-unpacked'});

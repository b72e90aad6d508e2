// The script-tag entry (dist/tfjs-pacc.min.js, global `pacc`): the public API, plus the GraphModel op registered with the page's tf.
import * as tf from '@tensorflow/tfjs-core';
import {registerGraphOp} from '../converters/graph/register_op';

export * from './index';

// In this build '@tensorflow/tfjs-core' is the global `tf`; after tf.min.js it also carries
// tfjs-converter's registerOp, which no import can find in a classic script.
const registerOp = (tf as unknown as {registerOp?: Parameters<typeof registerGraphOp>[0]}).registerOp;
if (typeof registerOp === 'function') registerGraphOp(registerOp);

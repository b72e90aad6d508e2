// The app esbuild, webpack and Vite bundle: tfjs from npm, tfjs-pacc from the packed package (named imports, so tree-shaking runs).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-webgl';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import {models, positionAwareCircularConv, PositionAwareCircularConv} from 'tfjs-pacc';
import {runChecks} from './checks.js';

runChecks(tf, tfl, {models, positionAwareCircularConv, PositionAwareCircularConv}, setWasmPaths);

// Browser suite of the shared op spec: webgl (float32 textures), wasm and cpu, all inside Chromium.
import {paccOpSpec} from '../op/pacc.spec';

for (const backend of ['webgl', 'wasm', 'cpu']) paccOpSpec(backend);

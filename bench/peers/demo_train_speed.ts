// Images/s of the demo's training loop (examples/shared/trainer.ts, `npm run demo`'s PaCC-Net) on wasm, with our fast training kernels and with tfjs-wasm's stock ones.
// Usage: npx tsx bench/peers/demo_train_speed.ts [batches per run, default 12]. Two rounds of each mode, interleaved;
// prints images/s per run as wall time and as this process's CPU time (what a shared machine distorts least).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as pacc from '../../src/index';
import {BUNDLED_FASHION_MNIST, fashionMnist} from '../../examples/shared/datasets';
import {DEMO_CONFIG, DEMO_DEFAULTS, demoTrainConfig} from '../../examples/shared/demo_config';
import {seedEverything} from '../../examples/shared/seed';
import {train} from '../../examples/shared/trainer';
(async () => {
  await tf.setBackend('wasm'); await tf.ready();
  const batches = Number(process.argv[2] ?? 12);
  const trainSet = fashionMnist(BUNDLED_FASHION_MNIST, 'train', 1, 3000);
  const testSet = fashionMnist(BUNDLED_FASHION_MNIST, 'test', 1, 64);
  const res: Record<string, number[]> = {fast: [], stock: []};
  // Each run trains a fresh model for `batches` batches of the demo's size (32×32×1, batch 32): the first run includes warm-up.
  for (let round = 0; round < 2; round++) {
    for (const mode of ['fast', 'stock']) {
      pacc.useFastWasmTrainingKernels(mode === 'fast');
      seedEverything(42);
      const model = pacc.models.paccNet({config: DEMO_CONFIG, mixer: 'pacc', numClasses: 10, inputShape: [32, 32, 1], name: 'demo_paccnet'});
      const cfg = demoTrainConfig({epochs: 1, batchSize: DEMO_DEFAULTS.batch, lr: DEMO_DEFAULTS.lr, maxBatches: batches});
      const t0 = performance.now(), c0 = process.cpuUsage();
      await train(model, trainSet, testSet, cfg, {title: mode});
      const s = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
      res[mode].push(batches * DEMO_DEFAULTS.batch / s);
      res[`${mode}Cpu`] = [...(res[`${mode}Cpu`] ?? []), batches * DEMO_DEFAULTS.batch / ((c.user + c.system) / 1e6)];
      model.dispose();
    }
  }
  pacc.useFastWasmTrainingKernels(true);
  console.log(JSON.stringify(res));
})();

// `npm run demo`: trains a small PaCC-Net and the same network with 3×3 depthwise convs on Fashion-MNIST, then compares them.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {mkdirSync, writeFileSync} from 'node:fs';
import {resolve} from 'node:path';
import * as pacc from '../src/index';
import {parseArgs, runMain} from './shared/args';
import {BUNDLED_FASHION_MNIST, fashionMnist} from './shared/datasets';
import {lineChart, svgDocument} from './shared/plot';
import {DEMO_CONFIG, DEMO_DEFAULTS, DEMO_NETS, demoTrainConfig} from './shared/demo_config';
import {seedEverything} from './shared/seed';
import {evaluate, EpochStats, train, TrainConfig} from './shared/trainer';

const SPEC = {
  epochs: {type: 'number', default: DEMO_DEFAULTS.epochs, help: 'training epochs per network'},
  'train-images': {type: 'number', default: DEMO_DEFAULTS.trainImages, help: 'training images used (the bundled subset has 6000)'},
  'test-images': {type: 'number', default: DEMO_DEFAULTS.testImages, help: 'test images used (the bundled subset has 2000)'},
  batch: {type: 'number', default: DEMO_DEFAULTS.batch, help: 'batch size'},
  lr: {type: 'number', default: DEMO_DEFAULTS.lr, help: 'peak learning rate (AdamW, cosine schedule)'},
  backend: {type: 'string', default: 'wasm', choices: ['wasm', 'cpu'], help: 'tfjs backend'},
  data: {type: 'string', default: BUNDLED_FASHION_MNIST, help: 'folder with Fashion-MNIST IDX files (the bundled subset by default)'},
  out: {type: 'string', default: 'out/demo', help: 'output folder for the plot, results and trained models'},
  'tfjs-kernels': {type: 'boolean', help: "train with tfjs-wasm's own kernels, gradients and Adam instead of tfjs-pacc's fast ones (for comparison)"},
  seed: {type: 'number', default: DEMO_DEFAULTS.seed, help: 'random seed (same seed, same numbers)'},
  'max-batches': {type: 'number', default: 0, help: 'stop each epoch after this many batches (0 = all)'},
} as const;

interface Result { name: string; params: number; history: EpochStats[]; testAcc: number; msPerImage: number; trainSeconds: number; }

runMain(async () => {
  const args = parseArgs(process.argv.slice(2), SPEC, 'usage: npm run demo -- [options]');
  if (args.epochs < 1 || args.batch < 1) throw new Error(`--epochs and --batch must be >= 1, got ${args.epochs} and ${args.batch}`);
  await tf.setBackend(args.backend);
  // tfjs-wasm 4.22's own conv input gradient is a scalar loop; ours is SIMD (same results, ~2x faster steps).
  // The fast wasm training kernels are on from the import; this flag is the way back to tfjs's.
  if (args['tfjs-kernels']) pacc.useFastWasmTrainingKernels(false);
  await tf.ready();
  const trainSet = fashionMnist(args.data, 'train', 1, args['train-images']);
  const testSet = fashionMnist(args.data, 'test', 1, args['test-images']);
  console.log(`tfjs-pacc demo: Fashion-MNIST ${trainSet.count} train / ${testSet.count} test images (28×28 padded to 32×32), backend ${tf.getBackend()}, seed ${args.seed}`);
  const cfg: TrainConfig = demoTrainConfig({epochs: args.epochs, batchSize: args.batch, lr: args.lr, maxBatches: args['max-batches']});
  const out = resolve(args.out);
  mkdirSync(out, {recursive: true});
  const results: Result[] = [];
  for (const {name, mixer, modelName, dir} of DEMO_NETS) {
    seedEverything(args.seed);
    const model = pacc.models.paccNet({config: DEMO_CONFIG, mixer, numClasses: 10, inputShape: [32, 32, 1], name: modelName});
    const params = model.countParams();
    console.log(`\n== ${name}: ${params.toLocaleString('en')} parameters`);
    const t0 = performance.now();
    // Accuracy every 1/4 epoch on a test subset, so the curve has points within epochs.
    const {history} = await train(model, trainSet, testSet, cfg, {title: name, evalEvery: 0.25, evalImages: Math.min(500, testSet.count)});
    const trainSeconds = (performance.now() - t0) / 1000;
    const evalRes = evaluate(model, testSet, 32, 100, cfg.maxBatches ? 2 : 0);
    await model.save(pacc.io.fileSystem(`${out}/${dir}`));
    results.push({name, params, history, testAcc: evalRes.acc, msPerImage: evalRes.msPerImage, trainSeconds});
    model.dispose();
  }
  const rows = results.map((r) => `| ${r.name.padEnd(22)} | ${r.params.toLocaleString('en').padStart(10)} | ${(100 * r.testAcc).toFixed(2).padStart(8)}% | ${r.msPerImage.toFixed(3).padStart(10)} | ${r.trainSeconds.toFixed(1).padStart(9)} |`);
  console.log(`\n| network                |     params | test acc  | ms / image | train (s) |\n|------------------------|-----------:|----------:|-----------:|----------:|\n${rows.join('\n')}`);
  const lossCurves = results.map((r) => ({name: r.name, points: r.history.flatMap((h) => h.lossCurve)}));
  const accCurves = results.map((r) => ({name: r.name, dots: true, points: r.history.flatMap((h) => h.accCurve ?? [])}));
  writeFileSync(`${out}/curves.svg`, svgDocument([
    lineChart('training loss (per ~1/10 epoch)', 'epoch', 'loss', lossCurves),
    lineChart(`test accuracy (every 1/4 epoch, first ${Math.min(500, testSet.count)} test images)`, 'epoch', 'accuracy', accCurves),
  ]));
  writeFileSync(`${out}/results.json`, JSON.stringify({backend: tf.getBackend(), seed: args.seed, config: cfg, results}, null, 1));
  console.log(`\nwrote ${out}/curves.svg, ${out}/results.json and the trained models (${out}/paccnet, ${out}/depthwise)`);
});

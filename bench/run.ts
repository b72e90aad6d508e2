// `npm run bench`: runs every benchmark suite (or those named with --only) and prints tables; --json FILE writes them.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {writeFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {table, progress, Suite, SuiteResult} from './util';
import {opsSuite} from './suites/ops';
import {wasmSuite} from './suites/wasm';
import {modelsSuite} from './suites/models';
import {graphSuite} from './suites/graph';
import {surgerySuite} from './suites/surgery';
import {wasmTrainingSuite, wasmTrainingVsTorchSuite} from './suites/wasm_training';
import {vsOrtSuite} from './suites/vs_ort';
import {trainProfileSuite} from './suites/train_profile';
import {metricsSuite} from './suites/metrics';
import {segmentationSuite} from './suites/segmentation';
import {detectionSuite} from './suites/detection';

/** Suites by name; each file in bench/suites/ adds one entry here. */
const SUITES: Record<string, Suite> = {
  ops: opsSuite,
  wasm: wasmSuite,
  models: modelsSuite,
  graph: graphSuite,
  surgery: surgerySuite,
  wasm_training: wasmTrainingSuite,
  'vs-ort': vsOrtSuite,
  train_profile: trainProfileSuite,
  train_vs_torch: wasmTrainingVsTorchSuite,
  metrics: metricsSuite,
  segmentation: segmentationSuite,
  detection: detectionSuite,
};

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(`usage: npm run bench -- [--only ${Object.keys(SUITES).join(',')}] [--quick] [--json out.json]`);
    console.log('       npm run bench -- --browser [--quick] [--backends webgl,wasm] [--unpacked] [--json out.json]   (op benchmark in headless Chromium)');
    console.log('       npm run bench -- --browser --vs-ort [--threads 1,2] [--runs 9] [--quick] [--json out.json]   (PaCC-Net-XS/S vs onnxruntime-web in headless Chromium)');
    console.log('       npm run bench -- --browser --train [--threads 1,2] [--models paccnet-xs,paccnet-s] [--steps 8] [--rounds 2] [--quick] [--json out.json]   (training steps in headless Chromium, our kernels on 1 and n threads)');
    return;
  }
  if (args.includes('--browser')) {
    // The browser runner reads its own options (bench/browser/run.ts).
    const {runBrowserBench} = await import('./browser/run');
    await runBrowserBench(args);
    return;
  }
  const {values} = parseArgs({args, strict: true, options: {only: {type: 'string'}, quick: {type: 'boolean'}, json: {type: 'string'}}});
  const only = values.only?.split(',');
  const unknown = only?.filter((n) => !(n in SUITES)) ?? [];
  if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`);
  const quick = values.quick ?? false;
  const results: SuiteResult[] = [];
  for (const [name, suite] of Object.entries(SUITES)) {
    if (only && !only.includes(name)) continue;
    progress(`suite ${name}`);
    for (const r of await suite({quick})) {
      results.push(r);
      console.log(`\n## ${r.title}\n\n${table(r.headers, r.rows)}`);
      for (const n of r.notes ?? []) console.log(`\n${n}`);
    }
  }
  const json = values.json;
  if (json) {
    writeFileSync(json, JSON.stringify({date: new Date().toISOString(), node: process.version, results}, null, 1));
    progress(`wrote ${json}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

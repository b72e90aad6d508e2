// npm run soak [-- --predicts N --steps N --conversions N --backends cpu,wasm]: long loops checking that tensors, the wasm heap and RSS stop growing after warm-up.
import * as tf from '@tensorflow/tfjs-core';
import {parseArgs} from 'node:util';
import {LoopResult, soakConvert, soakPredict, soakTrain} from './soak';

const {values} = parseArgs({options: {
  predicts: {type: 'string', default: '1000'}, steps: {type: 'string', default: '200'}, conversions: {type: 'string', default: '100'},
  backends: {type: 'string', default: 'cpu,wasm'}, checkpoint: {type: 'string', default: 'test/fixtures/edgeformer_xs.pt'}, arch: {type: 'string', default: 'paccnet-xs'},
}, strict: true});
const num = (k: keyof typeof values) => {
  const n = Number(values[k]);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${k} must be a non-negative integer, got '${values[k]}'`);
  return n;
};

const mb = (b: number) => (b / 2 ** 20).toFixed(1);
function report(r: LoopResult): boolean {
  const tensorsOk = r.tensors[0] === r.tensors[1];
  const heapOk = r.heap[0] === r.heap[1];
  console.log(`| ${r.backend.padEnd(4)} | ${r.what.padEnd(26)} | ${String(r.iterations).padStart(5)} | ${(r.ms / Math.max(1, r.iterations - r.warmup)).toFixed(1).padStart(8)} | ${`${r.tensors[0]} → ${r.tensors[1]}`.padStart(13)} | ${`${mb(r.heap[0])} → ${mb(r.heap[1])}`.padStart(15)} | ${`${r.rssMb[0].toFixed(0)} → ${r.rssMb[1].toFixed(0)}`.padStart(13)} |`);
  return tensorsOk && heapOk;
}

async function main() {
  console.log('| backend | loop | iterations | ms / iteration | tensors (after warm-up → end) | wasm heap MB | RSS MB |\n|---|---|---:|---:|---:|---:|---:|');
  let ok = true;
  const rss: number[] = [];
  for (const backend of values.backends!.split(',')) {
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
    if (num('predicts')) ok = report(await soakPredict(num('predicts'))) && ok;
    if (num('steps')) ok = report(await soakTrain(num('steps'))) && ok;
  }
  if (num('conversions')) {
    await tf.setBackend('cpu');
    const r = await soakConvert(num('conversions'), values.checkpoint!, values.arch!);
    ok = report(r) && ok;
    rss.push(...r.samples.rssMb);
    console.log(`\nconversion RSS samples (MB, every ${r.samples.at[1] - r.samples.at[0]}): ${r.samples.rssMb.map((v) => v.toFixed(0)).join(' ')}`);
  }
  console.log(ok ? '\nsoak: tensor counts and wasm heap constant after warm-up' : '\nsoak: GROWTH (see the table)');
  process.exitCode = ok ? 0 : 1;
}
void main();

// The published package: rollup builds ESM + CJS + .d.ts, both load in Node 20, registration is idempotent.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {beforeAll, describe, expect, it} from 'vitest';
import {buildDist} from './util/build_dist';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a snippet in a fresh Node process from the package root; returns stdout and stderr. */
function node(args: string[], code: string) {
  const r = spawnSync(process.execPath, [...args, '-e', code], {cwd: root, encoding: 'utf8', timeout: 120_000});
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return {out: r.stdout, err: r.stderr};
}

// The snippet both module systems run: two registrations, one op call on cpu.
const body = `
  await tf.setBackend('cpu');
  pacc.registerKernels(); pacc.registerKernels();
  const y = pacc.positionAwareCircularConv(tf.ones([1, 3, 2, 1]), tf.tensor2d([[1], [2], [3]]), {direction: 'h', bias: tf.tensor1d([0.5])});
  console.log(JSON.stringify({y: Array.from(y.dataSync()), name: pacc.PositionAwareCircularConv}));
`;

describe('package build', () => {
  // Shared with test/bundlers/: one build per source state, never two rollups into dist at once.
  beforeAll(buildDist, 300_000);

  it('writes ESM, CJS and type declarations', () => {
    for (const f of ['dist/index.mjs', 'dist/index.cjs', 'dist/index.d.ts']) expect(existsSync(root + f), f).toBe(true);
  });

  it('require("tfjs-pacc") works and registers without duplicate warnings', () => {
    const {out, err} = node([], `(async () => {
      const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
      const pacc = require('tfjs-pacc'); require('tfjs-pacc');
      ${body}
    })().catch((e) => { console.error(e); process.exit(1); });`);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({y: [6.5, 6.5, 6.5, 6.5, 6.5, 6.5], name: 'PositionAwareCircularConv'});
    expect(err).not.toMatch(/already registered|Overriding/);
  });

  it('import * as pacc from "tfjs-pacc" works, also when a backend was set before the import', () => {
    const {out, err} = node(['--input-type=module'], `
      import * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-backend-cpu';
      await tf.setBackend('cpu');
      const pacc = await import('tfjs-pacc'); await import('tfjs-pacc');
      ${body}`);
    expect(JSON.parse(out.trim().split('\n').pop()!).y).toEqual([6.5, 6.5, 6.5, 6.5, 6.5, 6.5]);
    expect(err).not.toMatch(/already registered|Overriding/);
  });
});

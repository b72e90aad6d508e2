// The built entries in Node: tfjs-pacc/node (ESM + CJS) saves and loads models; dist/index.* reach no Node built-in; the UMD needs only tf.
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {builtinModules} from 'node:module';
import {dirname, join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {buildDist, ROOT} from '../util/build_dist';

function node(args: string[], code: string) {
  const r = spawnSync(process.execPath, [...args, '-e', code], {cwd: ROOT, encoding: 'utf8', timeout: 120_000});
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** Bare specifiers and relative files every `import … from` / `import()` / `require()` of a file names. */
function specifiers(code: string): string[] {
  const out: string[] = [];
  const re = /\b(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of code.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

/** Every module specifier reachable from a dist entry through its relative imports (chunks). */
function reachable(entry: string): {files: string[]; external: Set<string>} {
  const files: string[] = [];
  const external = new Set<string>();
  const todo = [join(ROOT, entry)];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (files.includes(f)) continue;
    files.push(f);
    for (const s of specifiers(readFileSync(f, 'utf8'))) {
      if (s.startsWith('.')) todo.push(join(dirname(f), s));
      else external.add(s);
    }
  }
  return {files, external};
}

const isBuiltin = (s: string) => s.startsWith('node:') || builtinModules.includes(s.split('/')[0]);

// Saves a small model with fileSystem, loads it back and compares the weights.
const roundTrip = (fsExpr: string) => `{
  await tf.setBackend('cpu');
  const dir = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'pacc-'));
  const m = tfl.sequential({layers: [tfl.layers.dense({units: 3, inputShape: [4]})]});
  await m.save(${fsExpr}(dir));
  const back = await tfl.loadLayersModel(${fsExpr}(dir));
  const same = m.getWeights().every((w, i) => tf.max(tf.abs(tf.sub(w, back.getWeights()[i]))).dataSync()[0] === 0);
  require('node:fs').rmSync(dir, {recursive: true});
  console.log(JSON.stringify({same, n: back.getWeights().length}));
}`;

describe('dist entries', () => {
  beforeAll(buildDist, 300_000);

  for (const entry of ['dist/index.mjs', 'dist/index.cjs']) {
    it(`${entry} reaches no Node built-in, pngjs or jpeg-js (bundlers for the browser must resolve all of it)`, () => {
      const {files, external} = reachable(entry);
      expect(files.length).toBeGreaterThan(1);
      const bad = [...external].filter((s) => isBuiltin(s) || ['pngjs', 'jpeg-js'].includes(s));
      expect(bad, `${entry} imports`).toEqual([]);
      expect([...external].sort()).toContain('@tensorflow/tfjs-core');
    });
  }

  it('dist/node.mjs is where the Node built-ins are (the check above can see imports)', () => {
    expect([...reachable('dist/node.mjs').external].filter(isBuiltin)).toContain('node:fs/promises');
  });

  it('the script-tag build requires nothing but tfjs (the global tf) and embeds the wasm module', () => {
    const umd = readFileSync(join(ROOT, 'dist/tfjs-pacc.min.js'), 'utf8');
    const required = new Set([...umd.matchAll(/\brequire\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]));
    expect(required).toEqual(new Set(['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']));
    // The one dynamic import is the optional tfjs-converter probe (caught; src/umd.ts registers with the global tf instead).
    expect([...umd.matchAll(/\bimport\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1])).toEqual(['@tensorflow/tfjs-converter']);
    expect(umd).toMatch(/\.pacc\s*=\s*\{\}/);
    expect(umd).toMatch(/AGFzbQ/);   // base64 of "\0asm": the embedded WebAssembly module
  });

  it('import("tfjs-pacc/node"): fileSystem and the model-folder writer', () => {
    const out = node(['--input-type=module'], `
      import {createRequire} from 'node:module'; const require = createRequire(import.meta.url);
      import * as tf from '@tensorflow/tfjs-core'; import * as tfl from '@tensorflow/tfjs-layers'; import '@tensorflow/tfjs-backend-cpu';
      const pn = await import('tfjs-pacc/node');
      if (typeof pn.saveLayersModelToDir !== 'function' || typeof pn.positionAwareCircularConv !== 'function') throw new Error('exports missing');
      const f1 = pn.fileSystem;
      ${roundTrip('f1')}`);
    expect(JSON.parse(out)).toEqual({same: true, n: 2});
  });

  it('the default entry alone: pacc.io.fileSystem works in Node (process.getBuiltinModule, no import of node:fs)', () => {
    const out = node(['--input-type=module'], `
      import {createRequire} from 'node:module'; const require = createRequire(import.meta.url);
      import * as tf from '@tensorflow/tfjs-core'; import * as tfl from '@tensorflow/tfjs-layers'; import '@tensorflow/tfjs-backend-cpu';
      const pacc = await import('tfjs-pacc'); const f2 = pacc.io.fileSystem;
      ${roundTrip('f2')}`);
    expect(JSON.parse(out)).toEqual({same: true, n: 2});
  });

  it('require("tfjs-pacc/node") works', () => {
    const out = node([], `(async () => {
      const tf = require('@tensorflow/tfjs-core'); const tfl = require('@tensorflow/tfjs-layers'); require('@tensorflow/tfjs-backend-cpu');
      const pn = require('tfjs-pacc/node');
      ${roundTrip('pn.fileSystem')}
    })().catch((e) => { console.error(e); process.exit(1); });`);
    expect(JSON.parse(out)).toEqual({same: true, n: 2});
  });

  it('types: dist/node.d.ts declares the Node helpers and the whole API', () => {
    const dts = readFileSync(join(ROOT, 'dist/node.d.ts'), 'utf8');
    for (const name of ['fileSystem', 'saveLayersModelToDir', 'saveArtifactsToDir', 'positionAwareCircularConv']) expect(dts).toContain(name);
  });
});

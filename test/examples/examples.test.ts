// The demo and classification examples on a tiny budget: they train, write their files, and fail clearly on bad input.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as pacc from '../../src/index';
import {DEMO_CONFIG} from '../../examples/shared/demo_config';
import {fashionMnist, BUNDLED_FASHION_MNIST} from '../../examples/shared/datasets';
import {parseIdx} from '../../examples/shared/idx';
import {seedEverything} from '../../examples/shared/seed';
import {train} from '../../examples/shared/trainer';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [tsx, join(root, script), ...args], {cwd: root, encoding: 'utf8', timeout: 600_000});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

describe('training loop', () => {
  it('lowers the loss of the demo PaCC-Net on a fixed batch (wasm)', async () => {
    await tf.setBackend('wasm');
    seedEverything(3);
    const data = fashionMnist(BUNDLED_FASHION_MNIST, 'train', 1, 32);
    const model = pacc.models.paccNet({config: DEMO_CONFIG, numClasses: 10, inputShape: [32, 32, 1]});
    const before = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const {history, optimizer} = await train(model, data, data, {
      epochs: 4, batchSize: 32, lr: 0.01, weightDecay: 0.025, warmupEpochs: 0, labelSmoothing: 0.1, emaDecay: 0, numClasses: 10, size: 32,
    }, {onEpoch: () => { perEpoch.push(tf.memory().numTensors); }});
    expect(history[3].loss).toBeLessThan(history[0].loss);
    // Optimizer slots appear in the first step; after that every step is leak-free.
    expect(new Set(perEpoch).size, `tensors per epoch ${perEpoch}`).toBe(1);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('IDX reader', () => {
  it('rejects corrupt and truncated files with a clear error', () => {
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]), 'f.idx')).toThrow(/f\.idx: not an IDX file/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 7]), 'g.idx')).toThrow(/g\.idx: IDX header says dims \[2,2,2\]/);
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 'h.gz')).toThrow(/h\.gz: corrupt gzip/);
  });
});

describe('command lines', () => {
  const out = mkdtempSync(join(tmpdir(), 'pacc-examples-'));

  it('npm run demo trains both networks, prints the table and writes plot, results and models', () => {
    const r = run('examples/demo.ts', ['--epochs', '1', '--max-batches', '2', '--train-images', '64', '--test-images', '200', '--out', join(out, 'demo')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/\| PaCC-Net\s+\|/);
    expect(r.out).toMatch(/\| depthwise 3×3 baseline\s+\|/);
    for (const f of ['curves.svg', 'results.json', 'paccnet/model.json', 'depthwise/model.json']) expect(existsSync(join(out, 'demo', f)), f).toBe(true);
    expect(readFileSync(join(out, 'demo', 'curves.svg'), 'utf8')).toMatch(/^<svg[^>]*>.*<polyline/s);
  });

  it('train.ts trains, checkpoints and resumes; eval.ts reports top-1/top-5 and a confusion matrix', () => {
    const ck = join(out, 'train');
    const common = ['--model', 'paccnet-xs', '--data', BUNDLED_FASHION_MNIST, '--batch', '8', '--max-batches', '2', '--train-limit', '32', '--test-limit', '50', '--out', ck];
    const first = run('examples/classification/train.ts', [...common, '--epochs', '1']);
    expect(first.code, first.err).toBe(0);
    expect(existsSync(join(ck, 'state.json'))).toBe(true);
    const second = run('examples/classification/train.ts', [...common, '--epochs', '2', '--resume']);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/resumed .* at epoch 1/);
    expect(JSON.parse(readFileSync(join(ck, 'state.json'), 'utf8')).epoch).toBe(2);
    const ev = run('examples/classification/eval.ts', ['--model', join(ck, 'model'), '--data', BUNDLED_FASHION_MNIST, '--limit', '50']);
    expect(ev.code, ev.err).toBe(0);
    expect(ev.out).toMatch(/50 images: top-1 [\d.]+%\s+top-5 [\d.]+%/);
    expect(ev.out).toMatch(/confusion matrix/);
  });

  it('bad arguments give a clear message and a non-zero exit', () => {
    const unknown = run('examples/classification/train.ts', ['--model', 'vgg16']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/--model: 'vgg16' is not one of paccnet-xs/);
    const missing = run('examples/classification/train.ts', ['--data', join(out, 'nowhere')]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/Fashion-MNIST not found at .*nowhere/);
    const bad = join(out, 'corrupt');
    spawnSync('mkdir', ['-p', bad]);
    writeFileSync(join(bad, 't10k-images-idx3-ubyte'), new Uint8Array([0, 0, 8, 3, 0, 0, 0, 9]));
    writeFileSync(join(bad, 't10k-labels-idx1-ubyte'), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9]));
    writeFileSync(join(bad, 'train-images-idx3-ubyte'), new Uint8Array([0, 0, 8, 3, 0, 0, 0, 9]));
    writeFileSync(join(bad, 'train-labels-idx1-ubyte'), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9]));
    const corrupt = run('examples/demo.ts', ['--data', bad]);
    expect(corrupt.code).not.toBe(0);
    expect(corrupt.err).toMatch(/truncated IDX header/);
  });
});

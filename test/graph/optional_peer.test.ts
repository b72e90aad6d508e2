// Without @tensorflow/tfjs-converter (an optional peer) tfjs-pacc still imports and runs; graph-op registration reports false and explains itself.
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {expect, it} from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hook = new URL('./hide_converter.mjs', import.meta.url).href;

it('src/index.ts imports, runs the op and fuses graphs where tfjs-converter cannot be resolved', () => {
  const code = `
    import {register} from 'node:module';
    register(${JSON.stringify(hook)});
    const converterVisible = await import('@tensorflow/tfjs-converter').then(() => true, () => false);
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const pacc = await import('./src/index.ts');
    await tf.setBackend('cpu');
    const y = pacc.positionAwareCircularConv(tf.ones([1, 2, 2, 1]), tf.ones([2, 1]), {direction: 'h'});
    let explicit = '';
    try { pacc.converters.registerGraphOp(); } catch (e) { explicit = e.message; }
    console.log(JSON.stringify({converterVisible, ready: await pacc.converters.graphOpReady, y: Array.from(y.dataSync()),
      fuse: typeof pacc.converters.fuseCircularConvs, explicit}));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {cwd: root, encoding: 'utf8', timeout: 120_000});
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  expect(out.converterVisible, 'the hook hides tfjs-converter').toBe(false);
  expect(out.ready).toBe(false);
  expect(out.y).toEqual([2, 2, 2, 2]);
  expect(out.fuse).toBe('function');
  expect(out.explicit).toMatch(/tfjs-converter was not found automatically; pass its registerOp/);
}, 120_000);

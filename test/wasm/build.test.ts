// The committed wasm binary (ops/wasm/module.generated.ts) must be what ops/wasm/assembly/ compiles to today.
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('wasm module build', () => {
  it('module.generated.ts matches a fresh AssemblyScript build of ops/wasm/assembly/', () => {
    let output = '';
    try {
      output = execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {cwd: root, encoding: 'utf8', stdio: 'pipe'});
    } catch (e) {
      const err = e as {stdout?: string; stderr?: string};
      expect.fail(`build-wasm --check failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
    expect(output).toMatch(/up to date/);
  }, 120_000);
});

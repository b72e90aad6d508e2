// The one list of per-backend skips of the shared specs, and the only way a test of ours is skipped; every entry states its reason.
import {describe, it} from 'vitest';

export interface Skip { test: RegExp; reason: string; }

export const SKIPS: Record<string, Skip[]> = {
  cpu: [],
  wasm: [],
  webgl: [],
  // webgl with half-float textures (test/browser/pacc_f16.browser.test.ts).
  'webgl-f16': [
    {
      test: /^x\[/,
      reason: 'finite differences need the loss to ~1e-6 relative; f16 textures store ~1e-3, so the numeric derivative is noise (gradients are checked against the PyTorch fixtures and reference.ts at f16 tolerance here, and at the default tolerances in the float32 webgl run)',
    },
  ],
  tensorflow: [],
};

/** The reason a test is skipped on a backend, or undefined when it runs. */
export function skipReason(backend: string, testName: string): string | undefined {
  return (SKIPS[backend] ?? []).find((s) => s.test.test(testName))?.reason;
}

/** Says why a test or suite does not run, on the console and in its title. */
function skipLoudly(where: string, name: string, reason: string, fn: () => unknown = () => {}) {
  console.log(`[skip] ${where}: ${name}: ${reason}`);
  it.skip(`${name} (skipped: ${reason})`, fn);
}

/**
 * `it` for the shared specs of one backend variant: a test named in SKIPS[variant]
 * is registered as skipped with its reason (and printed), any other runs.
 */
export function testOn(variant: string) {
  return (name: string, fn: () => unknown, timeout?: number) => {
    const reason = skipReason(variant, name);
    if (reason) skipLoudly(variant, name, reason, fn);
    else it(name, fn, timeout);
  };
}

/**
 * A whole suite that cannot run in this environment (an optional dependency is
 * missing): one skipped test under `title` that names the reason and the fix.
 */
export function skipSuite(title: string, what: string, reason: string): void {
  describe(title, () => skipLoudly(title, what, reason));
}

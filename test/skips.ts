// The one list of per-backend skips of the shared specs; every entry states its reason.
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

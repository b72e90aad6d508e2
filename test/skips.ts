// The one list of per-backend skips of the shared specs; every entry states its reason.
export interface Skip { test: RegExp; reason: string; }

export const SKIPS: Record<string, Skip[]> = {
  cpu: [],
  wasm: [
    {
      test: /^(op_|opinst_|seed ([1-9]|1\d|2[0-4]): .*|x\[.*|no tensors leak)/,
      reason: 'needs gradients on wasm: no native wasm kernel yet (issue 3), and the composite fallback needs DepthwiseConv2dNativeBackpropInput, which tfjs-backend-wasm 4.22 lacks',
    },
  ],
  webgl: [],
  tensorflow: [],
};

/** The reason a test is skipped on a backend, or undefined when it runs. */
export function skipReason(backend: string, testName: string): string | undefined {
  return (SKIPS[backend] ?? []).find((s) => s.test.test(testName))?.reason;
}

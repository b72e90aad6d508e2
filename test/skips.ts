// The one list of per-backend skips of the shared specs; every entry states its reason.
export interface Skip { test: RegExp; reason: string; }

export const SKIPS: Record<string, Skip[]> = {
  cpu: [],
  wasm: [],
  webgl: [],
  tensorflow: [],
};

/** The reason a test is skipped on a backend, or undefined when it runs. */
export function skipReason(backend: string, testName: string): string | undefined {
  return (SKIPS[backend] ?? []).find((s) => s.test.test(testName))?.reason;
}

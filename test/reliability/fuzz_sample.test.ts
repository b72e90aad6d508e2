// CI sample of `npm run fuzz`: 500 seeded cases of each kind, in-process with a per-case time check of 20 s (a hang; building ResNet50 alone takes ~5 s on a busy machine).
import {describe, expect, it} from 'vitest';
import {runCase, Kind} from '../../scripts/fuzz/cases';

describe('fuzz sample: every mutant is loaded or rejected with our error', () => {
  for (const kind of ['pt', 'json'] as Kind[]) {
    it(`${kind}: 500 cases, none crashed or slow`, async () => {
      const bad: string[] = [];
      for (let seed = 1; seed <= 500; seed++) {
        const t0 = performance.now();
        const r = await runCase(kind, seed);
        const ms = performance.now() - t0;
        if (r.outcome === 'crashed' || ms > 20_000) bad.push(`--replay ${kind}:${seed} ${r.outcome} ${ms.toFixed(0)} ms ${r.what} :: ${r.message}`);
      }
      expect(bad).toEqual([]);
    }, 240_000); // ~30 s alone; minutes when the machine is shared
  }
});

// Checks the SSD box coder against the official ssd_box_coder fixture.
import {readFileSync} from 'fs';
import {expect, it} from 'vitest';
import {decodeBoxes, encodeBoxes} from '../../src/detection/box_coder';

const dir = new URL('../fixtures/det/', import.meta.url).pathname;
const load = (n: string) => { const b = readFileSync(dir + `ssd_box_coder.${n}.bin`); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

it('encode equals the official coder', () => {
  expect(maxErr(encodeBoxes(load('gt_center'), load('priors_center')), load('encoded'))).toBeLessThan(1e-5);
});
it('batched decode equals the official coder', () => {
  const got = decodeBoxes(load('locations_batched'), load('priors_center'));
  expect(got.length).toBe(64);
  expect(maxErr(got, load('decoded_batched_center'))).toBeLessThan(1e-5);
});
it('rejects mismatched lengths', () => expect(() => decodeBoxes(new Float32Array(12), new Float32Array(8))).toThrow(/multiple/));

// Checks the SSD box coder against the official ssd_box_coder fixture.
import {expect, it} from 'vitest';
import {decodeBoxes, encodeBoxes} from '../../src/detection/box_coder';
import {readFixtureF32} from '../util/fixtures';

const load = (n: string) => readFixtureF32(`det/ssd_box_coder.${n}.bin`);
const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

it('encode equals the official coder', async () => {
  expect(maxErr(encodeBoxes(await load('gt_center'), await load('priors_center')), await load('encoded'))).toBeLessThan(1e-5);
});
it('batched decode equals the official coder', async () => {
  const got = decodeBoxes(await load('locations_batched'), await load('priors_center'));
  expect(got.length).toBe(64);
  expect(maxErr(got, await load('decoded_batched_center'))).toBeLessThan(1e-5);
});
it('rejects mismatched lengths', () => expect(() => decodeBoxes(new Float32Array(12), new Float32Array(8))).toThrow(/multiple/));

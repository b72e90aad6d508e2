// Checks the SSD prior matcher against the official ssd_match_320 fixture.
import {expect, it} from 'vitest';
import {ssdAnchors} from '../../src/detection/anchors';
import {matchPriors} from '../../src/detection/matcher';
import {readFixtureF32} from '../util/fixtures';

const load = (n: string) => readFixtureF32(`det/ssd_match_320.${n}.bin`);

it('equals ssd_match_320', async () => {
  const {labels, locations} = matchPriors(await load('gt_boxes_corner'), await load('gt_labels'), ssdAnchors(320, 320));
  const refL = await load('target_labels'), refT = await load('target_locations');
  expect(Array.from(labels)).toEqual(Array.from(refL));
  let m = 0; for (let i = 0; i < refT.length; i++) m = Math.max(m, Math.abs(locations[i] - refT[i]));
  expect(m).toBeLessThan(1e-4);
});
it('no gt: all background; bad box throws', () => {
  expect(matchPriors([], [], ssdAnchors(128, 128)).labels.every((v) => v === 0)).toBe(true);
  expect(() => matchPriors([0.5, 0.5, 0.1, 0.9], [1], ssdAnchors(128, 128))).toThrow(/x2<x1/);
});

// Checks the SSD prior matcher against the official ssd_match_320 fixture.
import {readFileSync} from 'fs';
import {expect, it} from 'vitest';
import {ssdAnchors} from '../../src/detection/anchors';
import {matchPriors} from '../../src/detection/matcher';

const dir = new URL('../fixtures/det/', import.meta.url).pathname;
const load = (n: string) => { const b = readFileSync(dir + `ssd_match_320.${n}.bin`); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };

it('equals ssd_match_320', () => {
  const {labels, locations} = matchPriors(load('gt_boxes_corner'), load('gt_labels'), ssdAnchors(320, 320));
  const refL = load('target_labels'), refT = load('target_locations');
  expect(Array.from(labels)).toEqual(Array.from(refL));
  let m = 0; for (let i = 0; i < refT.length; i++) m = Math.max(m, Math.abs(locations[i] - refT[i]));
  expect(m).toBeLessThan(1e-4);
});
it('no gt: all background; bad box throws', () => {
  expect(matchPriors([], [], ssdAnchors(128, 128)).labels.every((v) => v === 0)).toBe(true);
  expect(() => matchPriors([0.5, 0.5, 0.1, 0.9], [1], ssdAnchors(128, 128))).toThrow(/x2<x1/);
});

// Checks SSD priors against the official generator's fixture (128x128 input).
import {describe, expect, it} from 'vitest';
import {ssdAnchors} from '../../src/detection/anchors';
import {readFixtureF32} from '../util/fixtures';

describe('ssdAnchors', () => {
  it('equals ssd_anchors_128', async () => {
    const ref = await readFixtureF32('det/ssd_anchors_128.anchors_center.bin');
    const got = ssdAnchors(128, 128);
    expect(got.length).toBe(ref.length);
    let maxErr = 0;
    for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - ref[i]));
    expect(maxErr).toBeLessThan(1e-6);
  });
  it('rejects bad sizes', () => expect(() => ssdAnchors(0, 10)).toThrow(/height/));
});

// SSD box coder (center/size variances 0.1/0.2) on plain arrays of [P,4] center-form boxes; see docs/detection.md.
export const CENTER_VARIANCE = 0.1;
export const SIZE_VARIANCE = 0.2;

function check(name: string, a: ArrayLike<number>) {
  if (a.length % 4 !== 0) throw new Error(`${name}: length must be a multiple of 4, got ${a.length}`);
}

/** Encode center-form gt boxes against priors (same count): official t = (offset/size/cv, ln(ratio)/sv). */
export function encodeBoxes(gt: ArrayLike<number>, priors: ArrayLike<number>, cv = CENTER_VARIANCE, sv = SIZE_VARIANCE): Float32Array {
  check('gt', gt); check('priors', priors);
  if (gt.length !== priors.length) throw new Error(`encodeBoxes: gt length ${gt.length} != priors length ${priors.length}`);
  const out = new Float32Array(gt.length);
  for (let i = 0; i < gt.length; i += 4) {
    out[i] = (gt[i] - priors[i]) / priors[i + 2] / cv;
    out[i + 1] = (gt[i + 1] - priors[i + 1]) / priors[i + 3] / cv;
    out[i + 2] = Math.log(gt[i + 2] / priors[i + 2]) / sv;
    out[i + 3] = Math.log(gt[i + 3] / priors[i + 3]) / sv;
  }
  return out;
}

/** Decode locations [B*P*4] (any batch count) against priors [P*4]; priors broadcast over the batch. */
export function decodeBoxes(loc: ArrayLike<number>, priors: ArrayLike<number>, cv = CENTER_VARIANCE, sv = SIZE_VARIANCE): Float32Array {
  check('locations', loc); check('priors', priors);
  if (loc.length % priors.length !== 0) throw new Error(`decodeBoxes: locations length ${loc.length} is not a multiple of priors length ${priors.length}`);
  const out = new Float32Array(loc.length);
  for (let i = 0; i < loc.length; i += 4) {
    const p = i % priors.length;
    out[i] = loc[i] * cv * priors[p + 2] + priors[p];
    out[i + 1] = loc[i + 1] * cv * priors[p + 3] + priors[p + 1];
    out[i + 2] = Math.exp(loc[i + 2] * sv) * priors[p + 2];
    out[i + 3] = Math.exp(loc[i + 3] * sv) * priors[p + 3];
  }
  return out;
}

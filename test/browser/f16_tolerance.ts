// Tolerances that hold on webgl with half-float (f16) textures; measured maxima in docs/webgl.md.
/** Relative (inf-norm) error bounds; f16 keeps 11 significant bits (≈4.9e-4 per stored value). */
export const F16_TOLERANCE = {fwd: 3e-3, grad: 3e-3};

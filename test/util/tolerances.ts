// The tests' error bounds in one place (CONTRIBUTING.md): op outputs, gradients, logits, finite differences, f16 textures.

/** Relative error (inf-norm, see relError in compare.ts) of an op's output. */
export const FWD_RTOL = 1e-5;
/** Relative error of a gradient (sums of many products round more than one output). */
export const GRAD_RTOL = 1e-4;
/** Absolute error of a model's logits against the reference backend / framework. */
export const LOGITS_ATOL = 1e-4;
/**
 * Finite differences in float32: the loss is evaluated to ~1e-7 relative, and a
 * central difference with eps 1e-2 divides that rounding by 2·eps.
 */
export const FD_RTOL = 2e-3;

/** Per-run bounds of the shared op spec: forward, gradients, finite differences. */
export interface Tolerance { fwd: number; grad: number; fd: number; }
export const DEFAULT_TOLERANCE: Tolerance = {fwd: FWD_RTOL, grad: GRAD_RTOL, fd: FD_RTOL};

/**
 * webgl with half-float textures: f16 keeps 11 significant bits (≈4.9e-4 per
 * stored value), and every intermediate texture rounds again; measured maxima in
 * docs/webgl.md. Finite differences are skipped there (test/skips.ts).
 */
export const F16_TOLERANCE: Pick<Tolerance, 'fwd' | 'grad'> = {fwd: 3e-3, grad: 3e-3};

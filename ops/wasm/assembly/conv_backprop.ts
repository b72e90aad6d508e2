// Convolution backprop kernels (issue 10) — placeholder until that work lands; replace this file freely.

/** Placeholder so the module layout (index.ts re-exports this file) is in place; not used by any kernel. */
export function convBackpropPlaceholder(): i32 {
  return 0;
}

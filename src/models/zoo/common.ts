// Options shared by the zoo builders.
export interface ZooOptions {
  /** `[H, W, C]`; H and W may be null for a size-agnostic model. Default `[224, 224, 3]`. */
  inputShape?: (number | null)[];
  /** Classes of the head. Default 1000. */
  numClasses?: number;
  /** Keras's name of `numClasses` (alias). */
  classes?: number;
  /** Build the classification head (default true); without it the model ends at the last feature map. */
  includeTop?: boolean;
  /** Activation of the last Dense layer (Keras default `'softmax'`; `'linear'` for logits). */
  classifierActivation?: 'softmax' | 'linear';
  /** Model name. */
  name?: string;
}

export function inputShapeOf(opts: ZooOptions, fn: string): (number | null)[] {
  const s = opts.inputShape ?? [224, 224, 3];
  if (!Array.isArray(s) || s.length !== 3 || s[2] == null || !s.every((d) => d == null || (Number.isInteger(d) && d > 0))) {
    throw new Error(`${fn}: option 'inputShape' must be [H, W, C] with positive integers (H, W may be null), got ${JSON.stringify(opts.inputShape)}`);
  }
  return s;
}

export function numClassesOf(opts: ZooOptions, fn: string): number {
  const n = opts.numClasses ?? opts.classes ?? 1000;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${fn}: option 'numClasses' must be a positive integer, got ${n}`);
  return n;
}

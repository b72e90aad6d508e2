// GraphModel custom op: runs `PositionAwareCircularConv` nodes of a tfjs-converter graph through our op.
import type {Tensor, Tensor1D, Tensor2D, Tensor4D} from '@tensorflow/tfjs-core';
import {positionAwareCircularConv} from '../../ops/pacc/op';
import {PositionAwareCircularConv} from '../../ops/pacc/kernel_names';

/** What tfjs-converter passes a custom op: input tensors in graph order and decoded attributes. */
export interface GraphNodeLike { inputs: Tensor[]; attrs: {[name: string]: unknown}; }
/** tfjs-converter's `registerOp` (also re-exported by `@tensorflow/tfjs` as `tf.registerOp`). */
export type RegisterOpFn = (name: string, opFunc: (node: GraphNodeLike) => Tensor | Tensor[]) => void;

const WHERE = `${PositionAwareCircularConv} graph node`;

function optionalBool(attrs: GraphNodeLike['attrs'], name: string): boolean | undefined {
  const v = attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new Error(`${WHERE}: attribute '${name}' must be a bool (AttrValue {b: ...}), got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Executes one graph node. Node format (also in docs/tfjs-node-and-graph-models.md):
 * inputs `x [N,H,W,C]`, `filter [L,C]`, then the optional `bias [C]` and
 * `positionEmbedding [L,C]` in that order; attributes `direction` (string 'h' or
 * 'w', required), `has_bias` and `has_position_embedding` (bool, optional: without
 * them a third input is the bias and a fourth the position embedding). Other
 * attributes (e.g. `T`) are ignored.
 */
export function executePaccGraphNode(node: GraphNodeLike): Tensor4D {
  const {inputs, attrs} = node;
  const direction = attrs.direction;
  if (typeof direction !== 'string') {
    throw new Error(`${WHERE}: attribute 'direction' (string 'h' or 'w') is ${direction === undefined ? 'missing' : `not a string: ${JSON.stringify(direction)}`}`);
  }
  if (inputs.length < 2 || inputs.length > 4) {
    throw new Error(`${WHERE}: expects inputs (x, filter, bias?, positionEmbedding?), got ${inputs.length} input(s)`);
  }
  const flagBias = optionalBool(attrs, 'has_bias'), flagPe = optionalBool(attrs, 'has_position_embedding');
  const extra = inputs.length - 2;
  const hasBias = flagBias ?? (flagPe === true ? extra === 2 : extra >= 1);
  const hasPe = flagPe ?? (flagBias === false ? extra === 1 : extra === 2);
  if (Number(hasBias) + Number(hasPe) !== extra) {
    throw new Error(`${WHERE}: has_bias=${hasBias} and has_position_embedding=${hasPe} need ${Number(hasBias) + Number(hasPe) + 2} inputs, got ${inputs.length}`);
  }
  return positionAwareCircularConv(inputs[0] as Tensor4D, inputs[1] as Tensor2D, {
    direction: direction as 'h' | 'w',
    bias: hasBias ? inputs[2] as Tensor1D : undefined,
    positionEmbedding: hasPe ? inputs[hasBias ? 3 : 2] as Tensor2D : undefined,
  });
}

let registeredWith: RegisterOpFn | null = null;

/**
 * Registers `PositionAwareCircularConv` as a GraphModel op with the given
 * tfjs-converter `registerOp` (pass `tf.registerOp`). Without an argument it uses
 * the tfjs-converter that was found automatically on import (see `graphOpReady`).
 * Idempotent per `registerOp` function.
 */
export function registerGraphOp(registerOp?: RegisterOpFn): void {
  const fn = registerOp ?? autoRegisterOp;
  if (fn == null) {
    throw new Error(`registerGraphOp: @tensorflow/tfjs-converter was not found automatically; pass its registerOp, e.g. ` +
      `pacc.converters.registerGraphOp(tf.registerOp) with tf from '@tensorflow/tfjs' or '@tensorflow/tfjs-converter'`);
  }
  if (typeof fn !== 'function') throw new Error(`registerGraphOp: argument 'registerOp' must be a function, got ${typeof fn}`);
  if (registeredWith === fn) return;
  fn(PositionAwareCircularConv, executePaccGraphNode);
  registeredWith = fn;
}

let autoRegisterOp: RegisterOpFn | null = null;

/**
 * Resolves to true once the op is registered with an automatically found
 * @tensorflow/tfjs-converter, false where it cannot be imported (it is an optional
 * peer). The specifier is hidden from bundlers so that apps without tfjs-converter
 * still build; in bundled browser apps call `registerGraphOp(tf.registerOp)`.
 */
export const graphOpReady: Promise<boolean> = (async () => {
  const specifier = '@tensorflow/tfjs-converter';
  try {
    const mod = await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as {registerOp?: RegisterOpFn};
    if (typeof mod.registerOp !== 'function') return false;
    autoRegisterOp = mod.registerOp;
    if (registeredWith == null) registerGraphOp(autoRegisterOp);
    return true;
  } catch {
    return false;
  }
})();

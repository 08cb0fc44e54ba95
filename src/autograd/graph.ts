/**
 * Define-by-run graph recording. An op computes its result eagerly, then calls `record` with its
 * inputs and its backward rule — a closure that maps the gradient of the output to the gradients
 * of the inputs. Only results of inputs that require gradients get a node, so inference and
 * constant subexpressions cost nothing extra.
 */
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';

/** Gradients of the inputs, in input order; null/undefined for an input that needs none. */
export type BackwardRule = (grad: Tensor) => ReadonlyArray<Tensor | null | undefined>;

export interface GraphNode {
  /** The op's name, for error messages and graph inspection. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardRule;
}

/** Attach `out` to the graph if gradients are on and any input needs one. Returns `out`. */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], backward: BackwardRule): Tensor {
  if (!isGradEnabled()) return out;
  let needed = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.requiresGrad) needed = true;
  if (!needed) return out;
  out.requiresGrad = true;
  out._node = { op, inputs, backward };
  return out;
}

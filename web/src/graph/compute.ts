/**
 * Everything the page shows, computed with the library exactly as a user would: scalar tensors with
 * `{ requiresGrad: true }` for the variables, the library's ops for the nodes, `bp.gradients()` for the
 * gradient at every node and along every edge, `backward()` for the variables' `.grad`, and — as the
 * independent check — central differences of the forward pass, (g(v + h) − g(v − h)) / 2h.
 */

import type { Tensor } from 'backprop-js';
import * as bp from 'backprop-js';
import { type Graph, OPS } from './graph.js';

export interface Computed {
  /** Each node's value (forward pass). */
  values: number[];
  /** ∂output/∂node, or null where no gradient flows (numbers, and results made from numbers only). */
  grads: Array<number | null>;
  /** ∂node/∂input for each input of each node (the local derivative on that edge), or null. */
  local: Array<Array<number | null>>;
  /** Per variable: `.grad` after `backward()`, and the central-difference estimate with its step h. */
  /** `agrees` is null where g is not defined around v (log of a negative number…): nothing to compare. */
  checks: Array<{ name: string; backprop: number; numerical: number; h: number; agrees: boolean | null }>;
}

/** Run the graph's ops on the given leaves; returns every node's tensor. */
function forward(graph: Graph, leaf: (name: string) => Tensor): Tensor[] {
  const tensors: Tensor[] = [];
  for (const node of graph.nodes) {
    if (node.kind === 'variable') tensors.push(leaf(node.key));
    else if (node.kind === 'number') tensors.push(bp.tensor(Number(node.key)));
    else tensors.push(OPS[node.key]!.apply(...node.inputs.map((i) => tensors[i]!)));
  }
  return tensors;
}

/**
 * Tensors hold float32, so the difference step trades rounding error (≈ 6e-8·|g| / h) against
 * truncation error (≈ h²·g‴ / 6): h = 1e-2 · max(1, |v|) keeps both near 1e-5 for these functions.
 */
function differenceStep(v: number): number {
  return 1e-2 * Math.max(1, Math.abs(v));
}

/** Backprop's gradient and the numerical one agree when they match to float32's accuracy here. */
export function agree(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(a), Math.abs(b));
}

export function compute(graph: Graph, values: Record<string, number>): Computed {
  const leaves = new Map<string, Tensor>();
  const tensors = forward(graph, (name) => {
    const t = bp.tensor(values[name] ?? 0, { requiresGrad: true, name });
    leaves.set(name, t);
    return t;
  });
  const out = tensors[graph.output]!;
  const result: Computed = {
    values: tensors.map((t) => t.item()),
    grads: tensors.map(() => null),
    local: graph.nodes.map((n) => n.inputs.map(() => null)),
    checks: [],
  };
  if (!out.requiresGrad) return result; // no variables: nothing to differentiate

  // Local derivatives ∂node/∂input along each edge (retainGraph: the graph is used again below).
  for (const node of graph.nodes) {
    // An input used twice (x · x) is one tensor: ask once, the answer covers both uses (2x).
    const from = [...new Set(node.inputs.filter((i) => tensors[i]!.requiresGrad))];
    if (!from.length) continue;
    const d = bp.gradients(
      tensors[node.id]!,
      from.map((i) => tensors[i]!),
      { retainGraph: true },
    );
    node.inputs.forEach((i, k) => {
      const at = from.indexOf(i);
      if (at >= 0) result.local[node.id]![k] = d[at]!.item();
    });
  }
  // ∂g/∂node for every node gradients flow through: what the backward pass computes at each node.
  const through = graph.nodes.filter((n) => tensors[n.id]!.requiresGrad);
  const g = bp.gradients(
    out,
    through.map((n) => tensors[n.id]!),
    { retainGraph: true },
  );
  through.forEach((n, k) => {
    result.grads[n.id] = g[k]!.item();
  });
  // The ordinary way: backward() fills each variable's .grad (and frees the graph).
  out.backward();

  // The check: central differences of the forward pass only (no autodiff), under noGrad.
  const at = (name: string, v: number) =>
    bp.noGrad(() =>
      forward(graph, (n) => bp.tensor(n === name ? v : (values[n] ?? 0)))[graph.output]!.item(),
    );
  for (const name of graph.variables) {
    const v = values[name] ?? 0;
    const h = differenceStep(v);
    const numerical = (at(name, v + h) - at(name, v - h)) / (2 * h);
    const backprop = leaves.get(name)!.grad?.item() ?? 0;
    const agrees = Number.isFinite(numerical) ? agree(backprop, numerical) : null;
    result.checks.push({ name, backprop, numerical, h, agrees });
  }
  return result;
}

/**
 * Reverse-mode differentiation. From the outputs, collect every tensor that needs a gradient in
 * topological order, then walk that order backwards: each node's backward rule turns the gradient
 * of its output into gradients of its inputs, which are summed where a tensor feeds several ops.
 *
 * Two front ends share the walk: `backward()` accumulates into the `.grad` of the leaves (tensors
 * made by the user with requiresGrad), `gradients()` (functional.ts) returns the gradients of chosen
 * tensors and touches no `.grad`.
 *
 * Higher order: the rules are written with ordinary ops, so running them with recording on
 * (`createGraph`) builds a graph of the gradient computation itself, which can be differentiated
 * again. Without it they run under noGrad, where each rule may take a fused backend kernel instead
 * (a rule checks `isGradEnabled()` to choose).
 */
import { GraphError } from '../errors.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { enableGrad, noGrad } from './grad-mode.js';

export interface BackwardOptions {
  /**
   * Keep the graph after this pass so backward can run through it again. Default false — or true
   * with `createGraph`, whose gradient graph still refers to the forward graph (as in PyTorch).
   */
  retainGraph?: boolean;
  /**
   * Record the gradient computation, so the gradients (`.grad`, or what gradients() returns) are
   * themselves differentiable: Hessian-vector products, gradient penalties. Default false.
   */
  createGraph?: boolean;
}

export const FREED_HELP =
  'its graph was freed by an earlier backward(). Recompute the forward pass, or pass { retainGraph: true } ' +
  'to the first backward() if you need to differentiate the same graph twice.';

export function backward(root: Tensor, grad: Tensor | undefined, options: BackwardOptions = {}): void {
  if (root._freed) throw new GraphError(`backward(): cannot differentiate this tensor: ${FREED_HELP}`);
  if (!root.requiresGrad) {
    throw new GraphError(
      'backward(): this tensor does not require a gradient. None of the tensors it was computed from has ' +
        'requiresGrad: true, or it was computed inside noGrad().',
    );
  }
  const seed = seedGradient('backward()', root, grad);
  propagate([root], [seed], options, null);
}

/** The upstream gradient of one output: given (checked against the output's shape), or 1 for a scalar. */
export function seedGradient(caller: string, root: Tensor, grad: Tensor | undefined): Tensor {
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new GraphError(
        `${caller}: the output has shape ${formatShape(root.shape)}, not a scalar, so it needs an explicit ` +
          'upstream gradient of that shape: y.backward(onesLike(y)), or reduce it first: y.sum().backward().',
      );
    }
    return noGrad(() => root.onesLike());
  }
  if (!shapesEqual(grad.shape, root.shape)) {
    throw new GraphError(
      `${caller}: the upstream gradient has shape ${formatShape(grad.shape)} but the output has shape ` +
        `${formatShape(root.shape)}; they must match.`,
    );
  }
  return grad;
}

/**
 * Run the rules from `roots` (with upstream gradients `seeds`) down the graph. With `targets`,
 * return the total gradient of each target that was reached and leave `.grad` alone, skipping the
 * rules of nodes that lead to no target; without, accumulate into the leaves' `.grad`.
 */
export function propagate(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  options: BackwardOptions,
  targets: ReadonlySet<Tensor> | null,
): Map<Tensor, Tensor> {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const order = topologicalOrder(roots);
  const needed = targets === null ? null : leadingTo(order, targets);
  const grads = new Map<Tensor, Tensor>();
  roots.forEach((r, i) => {
    const prev = grads.get(r);
    grads.set(r, prev === undefined ? seeds[i]! : prev.add(seeds[i]!));
  });
  const found = new Map<Tensor, Tensor>();

  // Recording on: the rules' ops build the graph of the gradients. Off: nothing is recorded and the
  // rules take their fused kernels. (An unnamed closure: tsx names each const-held one at run time.)
  (createGraph ? enableGrad : noGrad)((): void => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      grads.delete(t); // release intermediate gradients as soon as they are consumed
      if (g === undefined) continue;
      if (targets?.has(t)) found.set(t, g);
      const node = t._node;
      if (node === null) {
        if (targets === null) t.grad = t.grad === null ? g : t.grad.add(g);
        continue;
      }
      // Only rules that lead on to a target are worth running (gradients() of one input of many).
      if (needed !== null && !node.inputs.some((input) => needed.has(input))) continue;
      const inputGrads = node.backward(g);
      const inputs = node.inputs;
      for (let k = 0; k < inputs.length; k++) {
        const input = inputs[k]!;
        const gi = inputGrads[k];
        if (!input.requiresGrad || gi === null || gi === undefined) continue;
        if (!shapesEqual(gi.shape, input.shape)) {
          throw new GraphError(
            `backward(): the rule of '${node.op}' returned a gradient of shape ${formatShape(gi.shape)} for an ` +
              `input of shape ${formatShape(input.shape)} (a bug in that op's backward).`,
          );
        }
        const prev = grads.get(input);
        grads.set(input, prev === undefined ? gi : prev.add(gi));
      }
    }
  });

  if (!retainGraph) {
    // Drop every node's closure (and the tensors it saved) so a training loop holds no memory from
    // earlier steps; mark the tensors so a second backward explains itself instead of doing nothing.
    for (let i = 0; i < order.length; i++) {
      const t = order[i]!;
      if (t._node !== null) {
        t._node = null;
        t._freed = true;
      }
    }
  }
  return found;
}

/** The tensors of `order` (inputs before outputs) from which some target can be reached. */
function leadingTo(order: readonly Tensor[], targets: ReadonlySet<Tensor>): Set<Tensor> {
  const leads = new Set<Tensor>();
  for (const t of order) {
    if (targets.has(t) || t._node?.inputs.some((input) => leads.has(input))) leads.add(t);
  }
  return leads;
}

/** Tensors reachable from the roots that require a gradient, each after all of its inputs. */
export function topologicalOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: deep graphs (long RNN unrolls) would overflow the call stack when recursing.
  for (const root of roots) {
    if (visited.has(root) || !root.requiresGrad) continue;
    const stack: Array<{ t: Tensor; next: number }> = [{ t: root, next: 0 }];
    visited.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = top.t._node?.inputs ?? [];
      if (top.next < inputs.length) {
        const input = inputs[top.next++]!;
        if (!input.requiresGrad || visited.has(input)) continue;
        if (input._freed) {
          throw new GraphError(
            `backward(): a tensor this output depends on cannot be differentiated: ${FREED_HELP}`,
          );
        }
        visited.add(input);
        stack.push({ t: input, next: 0 });
      } else {
        order.push(top.t);
        stack.pop();
      }
    }
  }
  return order;
}

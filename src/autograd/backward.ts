/**
 * Reverse-mode differentiation. From the output, collect every tensor that needs a gradient in
 * topological order, then walk that order backwards: each node's backward rule turns the gradient
 * of its output into gradients of its inputs, which are summed where a tensor feeds several ops.
 * Leaves (tensors made by the user with requiresGrad) accumulate into `.grad`.
 */
import { GraphError } from '../errors.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

export interface BackwardOptions {
  /** Keep the graph after this pass so backward can run through it again. Default false. */
  retainGraph?: boolean;
}

const FREED_HELP =
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
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new GraphError(
        `backward(): the output has shape ${formatShape(root.shape)}, not a scalar, so it needs an explicit ` +
          'upstream gradient of that shape: y.backward(onesLike(y)), or reduce it first: y.sum().backward().',
      );
    }
    grad = noGrad(() => root.onesLike());
  } else if (!shapesEqual(grad.shape, root.shape)) {
    throw new GraphError(
      `backward(): the upstream gradient has shape ${formatShape(grad.shape)} but the output has shape ` +
        `${formatShape(root.shape)}; they must match.`,
    );
  }

  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, grad]]);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      grads.delete(t); // release intermediate gradients as soon as they are consumed
      if (g === undefined) continue;
      const node = t._node;
      if (node === null) {
        t.grad = t.grad === null ? g : t.grad.add(g);
        continue;
      }
      const inputGrads = node.backward(g);
      node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!input.requiresGrad || gi === null || gi === undefined) return;
        if (!shapesEqual(gi.shape, input.shape)) {
          throw new GraphError(
            `backward(): the rule of '${node.op}' returned a gradient of shape ${formatShape(gi.shape)} for an ` +
              `input of shape ${formatShape(input.shape)} (a bug in that op's backward).`,
          );
        }
        const prev = grads.get(input);
        grads.set(input, prev === undefined ? gi : prev.add(gi));
      });
    }
  });

  if (!options.retainGraph) {
    // Drop every node's closure (and the tensors it saved) so a training loop holds no memory from
    // earlier steps; mark the tensors so a second backward explains itself instead of doing nothing.
    for (const t of order) {
      if (t._node !== null) {
        t._node = null;
        t._freed = true;
      }
    }
  }
}

/** Tensors reachable from root that require a gradient, each after all of its inputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: deep graphs (long RNN unrolls) would overflow the call stack when recursing.
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
  return order;
}

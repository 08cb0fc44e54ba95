/**
 * The graph between a model's inputs and outputs: walk back from the outputs through the nodes
 * that made them (symbolic-tensor.ts) to the inputs, in an order where every node comes after the
 * nodes whose outputs it takes — the order a forward pass replays them in.
 */
import { ArgumentError, GraphError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import { isSymbolic, type Node, type SymbolicTensor } from '../../nn/symbolic-tensor.js';

export interface Graph {
  /** Nodes to run, dependencies first (the nodes that make the model's inputs are not in it). */
  nodes: Node[];
  /** Every module the graph calls, in first-call order (input layers of the inputs first). */
  modules: Module[];
}

/** `what` ('Model: inputs') must be a symbolic tensor or a non-empty list of them. */
export function symbolicList(value: unknown, what: string): SymbolicTensor[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new ArgumentError(`${what} is empty`);
  list.forEach((t, i) => {
    if (!isSymbolic(t)) {
      throw new ArgumentError(
        `${what}${Array.isArray(value) ? `[${i}]` : ''} must be a symbolic tensor (from input() or a layer called on one), ` +
          `got ${t === null ? 'null' : typeof t === 'object' ? (t.constructor?.name ?? 'an object') : typeof t}`,
      );
    }
  });
  return list as SymbolicTensor[];
}

export function traceGraph(
  model: string,
  inputs: readonly SymbolicTensor[],
  outputs: readonly SymbolicTensor[],
): Graph {
  const isInput = new Set(inputs);
  if (isInput.size !== inputs.length) throw new ArgumentError(`Model '${model}': an input is listed twice`);
  const nodes: Node[] = [];
  const state = new Map<Node, 'open' | 'done'>();
  const visit = (t: SymbolicTensor, from: string): void => {
    if (isInput.has(t)) return;
    const node = t.node;
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open')
      throw new GraphError(`Model '${model}': the graph has a cycle through '${node.module.name}'`);
    if (node.inputs.length === 0) {
      throw new GraphError(
        `Model '${model}': the graph is disconnected: ${from} needs '${t.name}' ${shapeOf(t)}, ` +
          `which is not among the model's inputs (${inputs.map((i) => `'${i.name}'`).join(', ')})`,
      );
    }
    state.set(node, 'open');
    for (const x of node.inputs) visit(x, `layer '${node.module.name}'`);
    state.set(node, 'done');
    nodes.push(node);
  };
  outputs.forEach((t, i) => {
    visit(t, `output ${i}`);
  });
  const modules: Module[] = [];
  const seen = new Set<Module>();
  const add = (m: Module) => {
    if (!seen.has(m)) {
      seen.add(m);
      modules.push(m);
    }
  };
  for (const t of inputs) add(t.node.module);
  for (const n of nodes) add(n.module);
  const names = new Map<string, Module>();
  for (const m of modules) {
    const other = names.get(m.name);
    if (other && other !== m) {
      throw new ArgumentError(
        `Model '${model}': two different layers are named '${m.name}' (${other.className} and ${m.className}); names must be unique`,
      );
    }
    names.set(m.name, m);
  }
  return { nodes, modules };
}

function shapeOf(t: SymbolicTensor): string {
  return `[${t.shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}

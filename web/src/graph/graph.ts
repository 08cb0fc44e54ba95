/**
 * The computational graph of a parsed expression: one node per input variable (a variable used twice
 * is one node with two outgoing edges — where backprop sums gradients), one per number, one per
 * operation. Nodes are listed in evaluation order (every node after its inputs), which is the forward
 * pass's order; the backward pass walks it in reverse.
 */
import type { Tensor } from 'backprop-js';
import type { Expr } from './parse.js';

/** How each operation looks on the page and what it does to tensors (the library's ops). */
export const OPS: Record<string, { label: string; infix?: string; apply: (...a: Tensor[]) => Tensor }> = {
  add: { label: '+', infix: '+', apply: (a, b) => a!.add(b!) },
  sub: { label: '−', infix: '−', apply: (a, b) => a!.sub(b!) },
  mul: { label: '×', infix: '·', apply: (a, b) => a!.mul(b!) },
  div: { label: '÷', infix: '/', apply: (a, b) => a!.div(b!) },
  pow: { label: '^', infix: '^', apply: (a, b) => a!.pow(b!) },
  neg: { label: 'neg', apply: (a) => a!.neg() },
  exp: { label: 'exp', apply: (a) => a!.exp() },
  log: { label: 'log', apply: (a) => a!.log() },
  sqrt: { label: 'sqrt', apply: (a) => a!.sqrt() },
  abs: { label: 'abs', apply: (a) => a!.abs() },
  square: { label: 'x²', apply: (a) => a!.square() },
  sin: { label: 'sin', apply: (a) => a!.sin() },
  cos: { label: 'cos', apply: (a) => a!.cos() },
  tan: { label: 'tan', apply: (a) => a!.tan() },
  tanh: { label: 'tanh', apply: (a) => a!.tanh() },
  sigmoid: { label: 'σ', apply: (a) => a!.sigmoid() },
  relu: { label: 'relu', apply: (a) => a!.relu() },
  softplus: { label: 'softplus', apply: (a) => a!.softplus() },
  max: { label: 'max', apply: (a, b) => a!.maximum(b!) },
  min: { label: 'min', apply: (a, b) => a!.minimum(b!) },
};

export interface GraphNode {
  id: number;
  kind: 'variable' | 'number' | 'op';
  /** Variable name, number text, or op key of OPS. */
  key: string;
  /** What the node is called in the step-by-step text: the variable, or p, q, r… for results. */
  name: string;
  inputs: number[];
  /** Longest path from an input: the column it is drawn in. */
  depth: number;
}

export interface Graph {
  nodes: GraphNode[];
  /** Input variables in order of first appearance. */
  variables: string[];
  /** The last node: the expression's value. */
  output: number;
}

/** Beyond this the drawing stops being readable, so the page refuses with a message. */
export const MAX_NODES = 40;

/** Names for intermediate results, in the tutorial's spirit (p = x + y, g = p · z). */
const RESULT_NAMES = 'pqrstuvabcdehkmn'.split('');

export function buildGraph(tree: Expr): Graph {
  const nodes: GraphNode[] = [];
  const variableNodes = new Map<string, number>();
  const add = (node: Omit<GraphNode, 'id' | 'depth' | 'name'>): number => {
    const depth = node.inputs.length ? Math.max(...node.inputs.map((i) => nodes[i]!.depth)) + 1 : 0;
    nodes.push({ ...node, id: nodes.length, depth, name: node.key });
    return nodes.length - 1;
  };
  const visit = (e: Expr): number => {
    if (e.kind === 'number') return add({ kind: 'number', key: e.text, inputs: [] });
    if (e.kind === 'variable') {
      const known = variableNodes.get(e.name);
      if (known !== undefined) return known;
      const id = add({ kind: 'variable', key: e.name, inputs: [] });
      variableNodes.set(e.name, id);
      return id;
    }
    const inputs = e.args.map(visit);
    return add({ kind: 'op', key: e.op, inputs });
  };
  const output = visit(tree);
  const variables = [...variableNodes.keys()];
  // Name the results: the output g (or f), the others p, q, r… skipping the reader's variable names.
  const taken = new Set(variables);
  const free = (candidates: string[]) => {
    const name = candidates.find((c) => !taken.has(c)) ?? `n${taken.size}`;
    taken.add(name);
    return name;
  };
  if (nodes[output]!.kind === 'op') nodes[output]!.name = free(['g', 'f', 'out', 'result']);
  for (const node of nodes)
    if (node.kind === 'op' && node.id !== output) node.name = free([...RESULT_NAMES, `r${node.id}`]);
  return { nodes, variables, output };
}

/** The node's operation as a formula of its inputs' names: "x + y", "σ(p)", "max(a, b)". */
export function formula(graph: Graph, node: GraphNode, show: (input: GraphNode) => string): string {
  const args = node.inputs.map((i) => show(graph.nodes[i]!));
  const op = OPS[node.key];
  if (!op) return node.name;
  if (op.infix) return `${args[0]} ${op.infix} ${args[1]}`;
  if (node.key === 'neg') return `−${args[0]}`;
  if (node.key === 'square') return `${args[0]}²`;
  // Inside f(…) a negative number needs no parentheses of its own: log(−1), not log((−1)).
  const bare = args.map((a) => a.replace(/^\((.*)\)$/, '$1'));
  return `${node.key === 'sigmoid' ? 'σ' : node.key}(${bare.join(', ')})`;
}

/**
 * The local derivative ∂node/∂(input k) as a formula of the inputs' names (a, b) and the node's own
 * name (out), for the narration: ∂(p · z)/∂z = p. The numbers shown come from the library, not these.
 */
const LOCAL_RULES: Record<string, (a: string, b: string, out: string) => string[]> = {
  add: () => ['1', '1'],
  sub: () => ['1', '−1'],
  mul: (a, b) => [b, a],
  div: (a, b) => [`1/${b}`, `−${a}/${b}²`],
  pow: (a, b, out) => [`${b}·${a}^(${b} − 1)`, `log(${a})·${out}`],
  neg: () => ['−1'],
  exp: (_a, _b, out) => [out],
  log: (a) => [`1/${a}`],
  sqrt: (_a, _b, out) => [`1/(2·${out})`],
  abs: (a) => [`sign(${a})`],
  square: (a) => [`2·${a}`],
  sin: (a) => [`cos(${a})`],
  cos: (a) => [`−sin(${a})`],
  tan: (_a, _b, out) => [`1 + ${out}²`],
  tanh: (_a, _b, out) => [`1 − ${out}²`],
  sigmoid: (_a, _b, out) => [`${out}·(1 − ${out})`],
  relu: (a) => [`(1 if ${a} > 0, else 0)`],
  softplus: (a) => [`σ(${a})`],
  max: (a, b) => [`(1 if ${a} > ${b}, ½ if equal, else 0)`, `(1 if ${b} > ${a}, ½ if equal, else 0)`],
  min: (a, b) => [`(1 if ${a} < ${b}, ½ if equal, else 0)`, `(1 if ${b} < ${a}, ½ if equal, else 0)`],
};

/** ∂node/∂input as a formula; an input used twice (x · x) gets the sum of both rules (x + x). */
export function localRule(graph: Graph, node: GraphNode, input: GraphNode): string | null {
  const rule = LOCAL_RULES[node.key];
  if (!rule) return null;
  const [a = '', b = ''] = node.inputs.map((i) => graph.nodes[i]!.name);
  const rules = rule(a, b, node.name);
  const parts = node.inputs.flatMap((i, k) => (i === input.id ? [rules[k]!] : []));
  return parts.join(' + ');
}

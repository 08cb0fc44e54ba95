/**
 * The walk the page steps through: the forward pass visits every node in evaluation order and
 * computes its value; the backward pass visits the nodes a gradient flows through in reverse order
 * and computes ∂g/∂node = Σ over the node's consumers c of ∂g/∂c · ∂c/∂node (upstream gradient
 * times local derivative — the chain rule). Each step comes with the sentence that says so, in numbers.
 */
import type { Computed } from './compute.js';
import { formula, type Graph, type GraphNode, localRule } from './graph.js';

export interface Step {
  phase: 'forward' | 'backward';
  node: number;
  text: string;
}

/** A number as the page writes it: up to 4 significant digits, a real minus sign. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  const s = a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  return s.replace('-', '−');
}

/** A factor inside a product: negative numbers in parentheses, so "1 · (−3)" reads right. */
const factor = (v: number | null) => (v !== null && v < 0 ? `(${fmt(v)})` : fmt(v));

export function buildSteps(graph: Graph, c: Computed): Step[] {
  const steps: Step[] = [];
  const out = graph.nodes[graph.output]!;
  for (const node of graph.nodes) {
    let text: string;
    if (node.kind === 'variable') text = `${node.name} = ${fmt(c.values[node.id])} (an input)`;
    else if (node.kind === 'number') text = `${node.name} is a constant`;
    else
      text =
        `${node.name} = ${formula(graph, node, (i) => i.name)} = ` +
        `${formula(graph, node, (i) => factor(c.values[i.id]!))} = ${fmt(c.values[node.id])}`;
    steps.push({ phase: 'forward', node: node.id, text });
  }
  if (c.grads[graph.output] === null) return steps;

  for (const node of [...graph.nodes].reverse()) {
    if (c.grads[node.id] === null) continue;
    const d = `∂${out.name}/∂`;
    if (node.id === graph.output) {
      steps.push({
        phase: 'backward',
        node: node.id,
        text: `${d}${node.name} = 1: the output changes one for one with itself`,
      });
      continue;
    }
    // One term per consumer: upstream gradient ∂g/∂c times the local derivative ∂c/∂node.
    const terms = consumers(graph, node).map((user) => {
      const k = user.inputs.indexOf(node.id);
      const local = c.local[user.id]![k]!;
      const symbol = `${d}${user.name} · ∂(${formula(graph, user, (i) => i.name)})/∂${node.name}`;
      const rule = localRule(graph, user, node);
      const ruled = `${d}${user.name} · ${rule && /[ +−]/.test(rule) && !rule.startsWith('(') ? `(${rule})` : rule}`;
      return { symbol, ruled, numbers: `${factor(c.grads[user.id]!)} · ${factor(local)}` };
    });
    const many = terms.length > 1 ? ' (one term per path: the paths add up)' : '';
    steps.push({
      phase: 'backward',
      node: node.id,
      text:
        `${d}${node.name} = ${terms.map((t) => t.symbol).join(' + ')} = ` +
        `${terms.map((t) => t.ruled).join(' + ')} = ` +
        `${terms.map((t) => t.numbers).join(' + ')} = ${fmt(c.grads[node.id])}${many}`,
    });
  }
  return steps;
}

/** The nodes that use `node` as an input, each once (x · x uses x once, with local derivative 2x). */
export function consumers(graph: Graph, node: GraphNode): GraphNode[] {
  return graph.nodes.filter((n) => n.inputs.includes(node.id));
}

/**
 * Draws the graph as SVG, left to right by depth: inputs in the first column, each operation one
 * column right of its deepest input. In each node: its name and operation, its value (green, once the
 * forward pass has reached it) and its gradient ∂g/∂node (red, once the backward pass has). The edges
 * the current step uses are highlighted: into the node going forward, out of it going back.
 */
import { type Graph, OPS } from './graph.js';
import type { Step } from './steps.js';
import { fmt } from './steps.js';

const NODE_W = 124;
const NODE_H = 66;
const COLUMN = 164; // left edge to left edge
const ROW = 86;
const MARGIN = 12;
const SVG_NS = 'http://www.w3.org/2000/svg';

interface Layout {
  x: number[];
  y: number[];
  width: number;
  height: number;
}

/**
 * Rows inside each column are ordered so edges cross little: operations by the mean row of their
 * inputs, then inputs by the mean row of the operations that use them (two sweeps are plenty here).
 */
function layout(graph: Graph): Layout {
  const depthCount = Math.max(...graph.nodes.map((n) => n.depth)) + 1;
  const columns: number[][] = Array.from({ length: depthCount }, () => []);
  for (const n of graph.nodes) columns[n.depth]!.push(n.id);
  const row = new Map<number, number>();
  const place = () => {
    for (const col of columns) col.forEach((id, i) => void row.set(id, i - (col.length - 1) / 2));
  };
  const mean = (ids: number[]) => ids.reduce((s, i) => s + row.get(i)!, 0) / Math.max(1, ids.length);
  place();
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const col of columns.slice(1))
      col.sort((a, b) => mean(graph.nodes[a]!.inputs) - mean(graph.nodes[b]!.inputs));
    place();
    const users = (id: number) => graph.nodes.filter((n) => n.inputs.includes(id)).map((n) => n.id);
    for (const col of columns.slice(0, -1)) col.sort((a, b) => mean(users(a)) - mean(users(b)));
    place();
  }
  const tallest = Math.max(...columns.map((c) => c.length));
  const height = (tallest - 1) * ROW + NODE_H + 2 * MARGIN;
  const x = graph.nodes.map((n) => MARGIN + n.depth * COLUMN);
  const y = graph.nodes.map((n) => height / 2 + row.get(n.id)! * ROW - NODE_H / 2);
  return { x, y, width: (depthCount - 1) * COLUMN + NODE_W + 2 * MARGIN, height };
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export interface DrawState {
  values: number[];
  grads: Array<number | null>;
  /** Steps done so far (the last one is the current step). */
  done: Step[];
}

/** Draw (replacing the contents of) `target`. */
export function drawGraph(target: SVGSVGElement, graph: Graph, state: DrawState): void {
  const { x, y, width, height } = layout(graph);
  target.replaceChildren();
  target.setAttribute('viewBox', `0 0 ${width} ${height}`);
  target.setAttribute('width', String(width));
  target.setAttribute('height', String(height));
  // Past about 1.6× shrinking the text is too small to read: the panel scrolls sideways instead.
  // Up to 1.3× its natural size on a wide screen; below 0.7× the text gets too small to read on a
  // phone, so the panel scrolls sideways instead (the page itself never does).
  target.style.width = `min(100%, ${Math.round(width * 1.3)}px)`;
  target.style.minWidth = `${Math.round(width * 0.7)}px`;

  const hasValue = new Set(state.done.filter((s) => s.phase === 'forward').map((s) => s.node));
  const hasGrad = new Set(state.done.filter((s) => s.phase === 'backward').map((s) => s.node));
  const current = state.done.at(-1);

  const defs = svg('defs', {});
  for (const kind of ['plain', 'forward', 'backward']) {
    const marker = svg('marker', {
      id: `arrow-${kind}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrowhead ${kind}` }));
    defs.append(marker);
  }
  target.append(defs);

  for (const node of graph.nodes) {
    node.inputs.forEach((from, k) => {
      // Edges leave and enter at spread-out points (ordered by height), so they don't merge.
      const users = graph.nodes.filter((n) => n.inputs.includes(from)).sort((a, b) => y[a.id]! - y[b.id]!);
      const x1 = x[from]! + NODE_W;
      const y1 = y[from]! + (NODE_H * (users.indexOf(node) + 1)) / (users.length + 1);
      const x2 = x[node.id]! - 2;
      const y2 = y[node.id]! + (NODE_H * (k + 1)) / (node.inputs.length + 1);
      const bend = (x2 - x1) / 2;
      const active =
        current?.phase === 'forward' && current.node === node.id
          ? 'forward'
          : current?.phase === 'backward' && current.node === from
            ? 'backward'
            : 'plain';
      target.append(
        svg('path', {
          d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
          class: `edge ${active}`,
          'marker-end': `url(#arrow-${active})`,
        }),
      );
    });
  }

  for (const node of graph.nodes) {
    const value = hasValue.has(node.id) ? state.values[node.id] : undefined;
    const grad = hasGrad.has(node.id) ? state.grads[node.id] : undefined;
    const g = svg('g', {
      class: `node ${node.kind}${current?.node === node.id ? ` current ${current.phase}` : ''}`,
      transform: `translate(${x[node.id]},${y[node.id]})`,
      'data-node': node.name,
      'data-value': value === undefined ? '' : String(value),
      'data-grad': grad === undefined || grad === null ? '' : String(grad),
    });
    const title =
      node.kind === 'op'
        ? `${node.name} = ${OPS[node.key]!.label}`
        : node.kind === 'number'
          ? node.key
          : node.name;
    g.append(
      svg('rect', { width: NODE_W, height: NODE_H, rx: 9 }),
      svg('text', { x: NODE_W / 2, y: 19, class: 'title' }, title),
      svg(
        'text',
        { x: NODE_W / 2, y: 39, class: 'value' },
        value === undefined ? 'value ?' : `value ${fmt(value)}`,
      ),
      svg(
        'text',
        { x: NODE_W / 2, y: 57, class: 'grad' },
        state.grads[node.id] === null ? '' : grad === undefined ? 'grad ?' : `grad ${fmt(grad)}`,
      ),
    );
    target.append(g);
  }
}

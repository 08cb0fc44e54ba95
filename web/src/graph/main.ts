// The graph page: an expression → its computational graph → forward and backward passes, one node
// per step, checked against numerical gradients. See graph.html for the shell and its explanation.
import { el, pageReady, startPage } from '../shared/page.js';
import { type Computed, compute } from './compute.js';
import { drawGraph } from './draw.js';
import { buildGraph, type Graph, MAX_NODES } from './graph.js';
import { ExpressionError, parseExpression } from './parse.js';
import { buildSteps, fmt, type Step } from './steps.js';
import { checkTable, controls, errorBox, examples, expressionPanel } from './view.js';
import './graph.css';

/** The tutorial's example (x = 1, y = 3, z = −3 → p = 4, g = −12) and a few more to try. */
const EXAMPLES: Array<{ text: string; values: Record<string, number> }> = [
  { text: '(x + y) * z', values: { x: 1, y: 3, z: -3 } },
  { text: 'sigmoid(w0*x0 + w1*x1 + w2)', values: { w0: 2, x0: -1, w1: -3, x1: -2, w2: -3 } },
  { text: 'x * y + sin(x)', values: { x: 1, y: 2 } },
  { text: 'relu(a*b - c)^2 / 2', values: { a: 2, b: 1.5, c: 1 } },
  { text: 'tanh(max(u, v)) * exp(-u)', values: { u: 0.5, v: -1 } },
];
/** A variable the reader introduces starts at 1 (edit it in the table). */
const NEW_VARIABLE_VALUE = 1;
/** Play-all pace: slow enough to read each node fill in. */
const PLAY_MS = 700;

const main = startPage();
const values: Record<string, number> = { ...EXAMPLES[0]!.values };
let graph: Graph | null = null;
let computed: Computed | null = null;
let steps: Step[] = [];
let position = 0; // steps done
let playing: ReturnType<typeof setInterval> | null = null;

const expression = expressionPanel(EXAMPLES[0]!.text);
const error = errorBox();
const control = controls();
const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
svg.id = 'graph';
// A named group, not role=img: the nodes' texts (values, gradients) stay readable to screen readers.
svg.setAttribute('role', 'group');
svg.setAttribute('aria-label', 'computational graph');
const log = el('ol', 'step-log');
log.id = 'step-log';
const table = checkTable();
const summary = el('p', 'summary');
summary.id = 'summary';

main.append(
  el('section', 'panel', expression.form, error.root, expression.help, examples(EXAMPLES, choose)),
  el(
    'section',
    'panel',
    control.root,
    el('p', 'current', control.current),
    el('div', 'graph-scroll', svg),
    el(
      'p',
      'legend',
      'In each node: its ',
      el('span', 'value', 'value'),
      ' (forward pass) and its ',
      el('span', 'grad', 'grad'),
      'ient: how much the output changes per unit change of that node (backward pass).',
    ),
    summary,
    el('details', 'log', el('summary', '', 'All steps so far'), log),
  ),
  el(
    'section',
    'panel',
    el('h2', '', 'Inputs, and the check'),
    el(
      'p',
      'hint',
      'Edit a value and everything is recomputed. “numerical” is (g(v + h) − g(v − h)) / 2h from the ' +
        'forward pass alone, no autodiff: it agrees with backprop to float32’s accuracy.',
    ),
    table.root,
  ),
);

function choose(text: string, preset: Record<string, number>): void {
  expression.input.value = text;
  Object.assign(values, preset);
  rebuild();
}

/** Parse the text and rebuild everything; on a syntax error keep the last graph and point at it. */
function rebuild(): void {
  stop();
  try {
    const next = buildGraph(parseExpression(expression.input.value));
    if (next.nodes.length > MAX_NODES)
      throw new ExpressionError(`${next.nodes.length} nodes: too many to draw (at most ${MAX_NODES})`, 0);
    error.hide();
    graph = next;
    for (const name of graph.variables) values[name] ??= NEW_VARIABLE_VALUE;
    position = 0;
    recompute();
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    error.show(expression.input.value, e);
  }
}

/** Recompute values and gradients (after a rebuild or an edited value), keeping the step position. */
function recompute(): void {
  if (!graph) return;
  computed = compute(graph, values);
  steps = buildSteps(graph, computed);
  position = Math.min(position, steps.length);
  table.fill(graph, computed, values, (name, v) => {
    values[name] = v;
    recompute();
  });
  render();
}

function render(): void {
  if (!graph || !computed) return;
  const done = steps.slice(0, position);
  drawGraph(svg, graph, { values: computed.values, grads: computed.grads, done });
  const forwardSteps = steps.filter((s) => s.phase === 'forward').length;
  const last = done.at(-1);
  control.current.textContent = last
    ? `${last.phase === 'forward' ? 'Forward' : 'Backward'} ${last.phase === 'forward' ? position : position - forwardSteps}` +
      `/${last.phase === 'forward' ? forwardSteps : steps.length - forwardSteps}: ${last.text}`
    : 'Press “Step” (or →) to start the forward pass at the inputs.';
  control.current.dataset.phase = last?.phase ?? '';
  log.replaceChildren(...done.map((s) => el('li', s.phase, s.text)));
  const out = graph.nodes[graph.output]!;
  summary.textContent =
    position >= forwardSteps ? `${out.name} = ${fmt(computed.values[graph.output])}` : `${out.name} = ?`;
  if (computed.grads[graph.output] === null && position >= forwardSteps)
    summary.textContent += ' — no variables, so nothing to differentiate';
  const shown = new Set(done.filter((s) => s.phase === 'backward').map((s) => s.node));
  table.reveal(graph, shown);
  control.back.disabled = position === 0;
  control.step.disabled = position === steps.length;
  control.play.textContent = playing ? 'Pause' : 'Play all';
}

function stop(): void {
  if (playing) clearInterval(playing);
  playing = null;
}

control.step.addEventListener('click', () => {
  position = Math.min(steps.length, position + 1);
  render();
});
control.back.addEventListener('click', () => {
  stop();
  position = Math.max(0, position - 1);
  render();
});
control.reset.addEventListener('click', () => {
  stop();
  position = 0;
  render();
});
control.all.addEventListener('click', () => {
  stop();
  position = steps.length;
  render();
});
control.play.addEventListener('click', () => {
  if (playing) {
    stop();
    return render();
  }
  if (position === steps.length) position = 0;
  playing = setInterval(() => {
    position++;
    if (position >= steps.length) stop();
    render();
  }, PLAY_MS);
  render();
});

// → and ← step too, except while typing in a field.
document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key === 'ArrowRight') control.step.click();
  if (event.key === 'ArrowLeft') control.back.click();
});

// Rebuild as the reader types, once they pause (a half-typed expression is an error for a moment).
let typing: ReturnType<typeof setTimeout> | undefined;
expression.input.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(rebuild, 350);
});
expression.form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(typing);
  rebuild();
});

rebuild();
pageReady();

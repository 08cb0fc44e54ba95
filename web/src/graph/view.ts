// The graph page's controls, built once; main.ts wires them to the state.
import { el } from '../shared/page.js';
import type { Computed } from './compute.js';
import type { Graph } from './graph.js';
import type { ExpressionError } from './parse.js';
import { fmt } from './steps.js';

export function expressionPanel(initial: string) {
  const input = el('input', 'expression');
  input.id = 'expression';
  input.value = initial;
  input.spellcheck = false;
  input.autocomplete = 'off';
  input.setAttribute('autocapitalize', 'off');
  input.setAttribute('aria-label', 'expression');
  const label = el('label', '', 'Expression');
  label.htmlFor = 'expression';
  const form = el(
    'form',
    'expression-form',
    label,
    el('div', 'row', input, el('button', 'primary', 'Build graph')),
  );
  const help = el(
    'p',
    'hint',
    'Numbers, names, + − * / ^, unary minus, parentheses, and exp log sqrt abs square sin cos tan tanh ' +
      'sigmoid relu softplus max(a, b) min(a, b) pow(a, b).',
  );
  return { input, form, help };
}

export function examples(
  list: Array<{ text: string; values: Record<string, number> }>,
  choose: (text: string, values: Record<string, number>) => void,
) {
  const buttons = list.map((example) => {
    const button = el('button', 'example', el('code', '', example.text));
    button.type = 'button';
    button.addEventListener('click', () => choose(example.text, example.values));
    return button;
  });
  return el('div', 'examples', el('span', 'hint', 'Try: '), ...buttons);
}

/** Where a syntax error is shown: the text, a caret under the character at fault, and why. */
export function errorBox() {
  const root = el('div', 'error');
  root.id = 'expression-error';
  root.setAttribute('role', 'alert');
  root.hidden = true;
  return {
    root,
    show(text: string, error: ExpressionError) {
      const pre = el('pre', '', `${text}\n${' '.repeat(error.position)}^`);
      root.replaceChildren(pre, el('p', '', `Column ${error.position + 1}: ${error.message}`));
      root.hidden = false;
    },
    hide() {
      root.hidden = true;
      root.replaceChildren();
    },
  };
}

export function controls() {
  const button = (text: string, id: string, className = '') => {
    const b = el('button', className, text);
    b.id = id;
    b.type = 'button';
    return b;
  };
  const reset = button('Reset', 'reset');
  const back = button('◀ Back', 'back');
  const step = button('Step ▶', 'step', 'primary');
  const play = button('Play all', 'play');
  const all = button('Show all', 'show-all');
  const current = el('span', '');
  current.id = 'current-step';
  return { root: el('div', 'stepper', reset, back, step, play, all), reset, back, step, play, all, current };
}

/** Per variable: its value (editable), backprop's ∂g/∂v, the numerical estimate and whether they agree. */
export function checkTable() {
  const body = el('tbody');
  const head = el(
    'thead',
    '',
    el(
      'tr',
      '',
      el('th', '', 'input'),
      el('th', '', 'value'),
      el('th', '', 'backprop'),
      el('th', '', 'numerical'),
      el('th', '', 'ok'),
    ),
  );
  const root = el('div', 'table-scroll', el('table', 'checks', head, body));
  root.id = 'checks';
  let computed: Computed | null = null;
  return {
    root,
    /** Rows are rebuilt only when the variables change, so typing in a value keeps its focus. */
    fill(graph: Graph, c: Computed, values: Record<string, number>, edit: (name: string, v: number) => void) {
      computed = c;
      const names = [...body.rows].map((r) => r.dataset.var);
      if (names.join(',') !== graph.variables.join(',')) {
        body.replaceChildren(
          ...graph.variables.map((name) => {
            const input = el('input', 'value');
            input.type = 'number';
            input.step = 'any';
            input.value = String(values[name]);
            input.setAttribute('aria-label', `value of ${name}`);
            input.addEventListener('input', () => {
              if (input.value !== '' && Number.isFinite(input.valueAsNumber)) edit(name, input.valueAsNumber);
            });
            const row = el(
              'tr',
              '',
              el('th', '', name),
              el('td', '', input),
              el('td', 'backprop'),
              el('td', 'numerical'),
              el('td', 'agree'),
            );
            row.dataset.var = name;
            return row;
          }),
        );
      }
      for (const row of body.rows) {
        const input = row.querySelector('input')!;
        const v = values[row.dataset.var!]!;
        if (document.activeElement !== input && input.valueAsNumber !== v) input.value = String(v);
      }
    },
    /** Backprop's column fills in as the backward pass reaches each input. */
    reveal(graph: Graph, reached: Set<number>) {
      if (!computed) return;
      const ids = new Map(graph.nodes.filter((n) => n.kind === 'variable').map((n) => [n.name, n.id]));
      for (const row of body.rows) {
        const check = computed.checks.find((c) => c.name === row.dataset.var);
        const cells = row.cells;
        const shown = check !== undefined && reached.has(ids.get(row.dataset.var!)!);
        cells[2]!.textContent = shown ? fmt(check.backprop) : '?';
        cells[2]!.dataset.value = shown ? String(check.backprop) : '';
        cells[3]!.textContent = check ? fmt(check.numerical) : '—';
        cells[3]!.dataset.value = check ? String(check.numerical) : '';
        cells[3]!.title = check ? `central difference, h = ${fmt(check.h)}` : '';
        // The word is dropped on a phone (CSS), the mark stays.
        const [mark, word, verdict] =
          check?.agrees === null
            ? ['—', ' undefined', '']
            : check?.agrees
              ? ['✓', ' agree', 'yes']
              : ['✗', ' differ', 'no'];
        cells[4]!.replaceChildren(...(shown ? [mark, el('span', 'word', word)] : []));
        cells[4]!.className = `agree ${shown ? verdict : ''}`;
        cells[4]!.title = check?.agrees === null ? 'g is not defined on both sides of this value' : '';
      }
    },
  };
}

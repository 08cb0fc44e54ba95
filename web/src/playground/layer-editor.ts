/**
 * Editing the network's shape: a hidden layer more or less, and a unit more or less in each
 * hidden layer. The row of per-layer buttons lines up with the columns of the network picture.
 */
import { el } from '../shared/page.js';
import { MAX_LAYERS, MAX_UNITS, type Settings } from './settings.js';

function small(text: string, label: string, action: () => void): HTMLButtonElement {
  const button = el('button', 'small', text);
  button.type = 'button';
  button.setAttribute('aria-label', label);
  button.addEventListener('click', action);
  return button;
}

/** Fill `into` with the layer count and one column of unit buttons per layer; call after each change. */
export function renderLayerEditor(into: HTMLElement, settings: Settings, changed: () => void): void {
  const hidden = settings.hidden;
  const layers = el(
    'div',
    'layer-count',
    small('−', 'remove a hidden layer', () => {
      if (hidden.length === 0) return;
      hidden.pop();
      changed();
    }),
    small('+', 'add a hidden layer', () => {
      if (hidden.length >= MAX_LAYERS) return;
      hidden.push(hidden.at(-1) ?? 4);
      changed();
    }),
    el('span', '', `${hidden.length} hidden layer${hidden.length === 1 ? '' : 's'}`),
  );
  layers.id = 'layers';
  const columns = el('div', 'layer-columns');
  columns.style.gridTemplateColumns = `repeat(${hidden.length + 2}, 1fr)`;
  columns.append(el('span', 'column-label', 'input'));
  hidden.forEach((units, i) => {
    const unitsLabel = el('span', 'units', String(units));
    columns.append(
      el(
        'span',
        'column-label',
        small('−', `one unit less in layer ${i + 1}`, () => {
          if (units <= 1) return;
          hidden[i] = units - 1;
          changed();
        }),
        unitsLabel,
        small('+', `one unit more in layer ${i + 1}`, () => {
          if (units >= MAX_UNITS) return;
          hidden[i] = units + 1;
          changed();
        }),
      ),
    );
  });
  columns.append(el('span', 'column-label', 'output'));
  into.replaceChildren(layers, columns);
}

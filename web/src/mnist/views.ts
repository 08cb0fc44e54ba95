/** The page's small views: probability bars, the confusion matrix, picture grids. */
import { el } from '../shared/page.js';

/** Ten bars, one per digit, the most probable highlighted. */
export function renderBars(box: HTMLElement, probabilities: number[] | null): void {
  const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  box.replaceChildren(
    ...Array.from({ length: 10 }, (_, digit) => {
      const p = probabilities?.[digit] ?? 0;
      const bar = el('span', 'bar');
      bar.style.width = `${(p * 100).toFixed(1)}%`;
      const row = el(
        'div',
        digit === best ? 'bar-row best' : 'bar-row',
        el('b', '', String(digit)),
        el('span', 'track', bar),
        el('span', 'pct', `${(p * 100).toFixed(1)}%`),
      );
      row.dataset.digit = String(digit);
      return row;
    }),
  );
  if (probabilities) box.dataset.prediction = String(best);
  else delete box.dataset.prediction;
}

/** confusion[true * 10 + predicted] as a table: rows true digits, columns predictions, shaded by count. */
export function renderConfusion(box: HTMLElement, confusion: number[]): void {
  const table = el('table', 'confusion');
  const head = el('tr', '', el('th', '', 'true ↓ / predicted →'));
  for (let p = 0; p < 10; p++) head.append(el('th', '', String(p)));
  table.append(head);
  for (let t = 0; t < 10; t++) {
    const rowTotal = confusion.slice(t * 10, t * 10 + 10).reduce((a, b) => a + b, 0) || 1;
    const row = el('tr', '', el('th', '', String(t)));
    for (let p = 0; p < 10; p++) {
      const n = confusion[t * 10 + p]!;
      const cell = el('td', t === p ? 'diagonal' : '', n ? String(n) : '');
      const share = n / rowTotal;
      // Diagonal in blue (right), off-diagonal in orange (wrong), stronger for a larger share of the row.
      cell.style.background =
        t === p
          ? `rgba(37, 99, 235, ${0.15 + 0.6 * share})`
          : n
            ? `rgba(234, 88, 12, ${Math.min(0.8, 0.1 + 4 * share)})`
            : '';
      row.append(cell);
    }
    table.append(row);
  }
  box.replaceChildren(table);
}

/**
 * Classification metrics over whole data sets: confusion matrix (and a printable table),
 * per-class precision / recall / F1, accuracy. Labels are integer class indices.
 */
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** Class indices from one-hot rows / probabilities (argmax) or from integer labels. */
export function toLabels(y: Tensor | ArrayLike<number>): Int32Array {
  if (Array.isArray(y) || ArrayBuffer.isView(y)) return Int32Array.from(y as ArrayLike<number>);
  const t = y as Tensor;
  if (t.ndim === 2 && t.shape[1]! > 1) return Int32Array.from(t.argmax(-1).dataSync());
  if (t.ndim === 2 && t.shape[1] === 1) return Int32Array.from(t.dataSync(), (v) => (v >= 0.5 ? 1 : 0));
  return Int32Array.from(t.dataSync());
}

/** cm[t][p] = number of samples of true class t predicted as p. */
export function confusionMatrix(
  yTrue: Tensor | ArrayLike<number>,
  yPred: Tensor | ArrayLike<number>,
  numClasses?: number,
): number[][] {
  const t = toLabels(yTrue);
  const p = toLabels(yPred);
  if (t.length !== p.length)
    throw new ArgumentError(`confusionMatrix: ${t.length} true labels but ${p.length} predictions`);
  const k = numClasses ?? Math.max(0, ...t, ...p) + 1;
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < t.length; i++) {
    const a = t[i]!;
    const b = p[i]!;
    if (a < 0 || a >= k || b < 0 || b >= k)
      throw new ArgumentError(`confusionMatrix: label out of range [0, ${k}) at ${i}`);
    cm[a]![b]!++;
  }
  return cm;
}

export function accuracyFromConfusion(cm: readonly (readonly number[])[]): number {
  let right = 0;
  let total = 0;
  cm.forEach((row, i) => {
    row.forEach((v, j) => {
      total += v;
      if (i === j) right += v;
    });
  });
  return total === 0 ? 0 : right / total;
}

export interface ClassReport {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Precision, recall, F1 and support per class, plus their macro averages (as the last row). */
export function classificationReport(
  cm: readonly (readonly number[])[],
  labels?: readonly string[],
): ClassReport[] {
  const k = cm.length;
  const rows: ClassReport[] = [];
  for (let c = 0; c < k; c++) {
    const tp = cm[c]![c]!;
    const predicted = cm.reduce((s, row) => s + row[c]!, 0);
    const actual = cm[c]!.reduce((s, v) => s + v, 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = actual === 0 ? 0 : tp / actual;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    rows.push({ label: labels?.[c] ?? String(c), precision, recall, f1, support: actual });
  }
  const mean = (f: (r: ClassReport) => number) => rows.reduce((s, r) => s + f(r), 0) / Math.max(1, k);
  rows.push({
    label: 'macro avg',
    precision: mean((r) => r.precision),
    recall: mean((r) => r.recall),
    f1: mean((r) => r.f1),
    support: rows.reduce((s, r) => s + r.support, 0),
  });
  return rows;
}

/** The confusion matrix as an aligned text table (rows: true class, columns: predicted). */
export function formatConfusionMatrix(
  cm: readonly (readonly number[])[],
  labels?: readonly string[],
): string {
  const names = cm.map((_, i) => labels?.[i] ?? String(i));
  const width = Math.max(...names.map((n) => n.length), ...cm.flat().map((v) => String(v).length), 4);
  const rowHead = Math.max(...names.map((n) => n.length), 'true\\pred'.length);
  const lines = [
    `${'true\\pred'.padEnd(rowHead)} ${names.map((n) => n.padStart(width)).join(' ')}`,
    ...cm.map(
      (row, i) => `${names[i]!.padEnd(rowHead)} ${row.map((v) => String(v).padStart(width)).join(' ')}`,
    ),
  ];
  return lines.join('\n');
}

export function formatClassificationReport(report: readonly ClassReport[]): string {
  const w = Math.max(9, ...report.map((r) => r.label.length));
  const head = `${''.padEnd(w)}  precision  recall      f1  support`;
  return [
    head,
    ...report.map(
      (r) =>
        `${r.label.padEnd(w)}  ${r.precision.toFixed(4).padStart(9)}  ${r.recall.toFixed(4).padStart(6)}  ${r.f1.toFixed(4).padStart(6)}  ${String(r.support).padStart(7)}`,
    ),
  ].join('\n');
}

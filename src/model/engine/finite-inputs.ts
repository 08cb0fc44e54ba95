/**
 * Tracing a NaN or infinite loss, metric or prediction back to a NaN/Infinity in the inputs, so
 * that bad data is reported as bad data (which row, which column) rather than as a diverged model
 * or a silent NaN. The inputs are never scanned on the normal path — fit/evaluate/predict over
 * 60k images are benchmarked — only once a batch's numbers have come out non-finite.
 */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Logs } from '../callbacks.js';

/** A batch row as the caller knows it: 'row 57' (the index in their data) or 'row 2 of batch 3'. */
export type RowOf = (row: number) => string;

/** Rows of in-memory data from `first` on, through `order` when the batch was shuffled. */
export function rowsFrom(first: number, order: Int32Array | null = null): RowOf {
  return (row) => `row ${order ? order[first + row] : first + row}`;
}

/** Rows of the `index`th (0-based) batch of a stream: the caller's own index is unknown. */
export function rowsOfBatch(index: number): RowOf {
  return (row) => `row ${row} of batch ${index + 1}`;
}

/** 'column 3' of a row of shape [4] (a table), 'index [3, 4, 0]' of a row of shape [28, 28, 1]. */
function within(i: number, rowShape: readonly number[]): string {
  if (rowShape.length === 0) return '';
  if (rowShape.length === 1) return `, column ${i}`;
  const index: number[] = [];
  let rest = i;
  for (let axis = rowShape.length - 1; axis >= 0; axis--) {
    index.unshift(rest % rowShape[axis]!);
    rest = Math.floor(rest / rowShape[axis]!);
  }
  return `, index [${index.join(', ')}]`;
}

/** The first NaN/Infinity of the inputs (in `rows` only, when given) and its row in the batch. */
function firstNonFinite(
  xs: readonly Tensor[],
  names: readonly string[],
  rowOf: RowOf,
  rows: readonly number[] | null,
): { text: string; row: number } | null {
  for (let k = 0; k < xs.length; k++) {
    const t = xs[k]!;
    const count = t.shape[0] ?? 1;
    if (count === 0) continue;
    const values = t.dataSync();
    const rowSize = values.length / count;
    for (const row of rows ?? Array.from({ length: count }, (_, r) => r)) {
      for (let i = row * rowSize; i < (row + 1) * rowSize; i++) {
        const v = values[i]!;
        if (Number.isFinite(v)) continue;
        const x = names.length > 1 ? `x['${names[k]}']` : 'x';
        return { text: `${x} has ${v} at ${rowOf(row)}${within(i - row * rowSize, t.shape.slice(1))}`, row };
      }
    }
  }
  return null;
}

/**
 * When a batch's `logs` hold a NaN/Infinity and so do its inputs, the ArgumentError naming the
 * call (`where`), the input, the row, the column and the value; null when the logs are finite or
 * the inputs are (then the model itself diverged, which the caller reports its own way). `at`
 * places the batch ('epoch 1, batch 3/3').
 */
export function nonFiniteInput(
  logs: Logs,
  xs: readonly Tensor[],
  names: readonly string[],
  where: string,
  rowOf: RowOf,
  at = '',
): ArgumentError | null {
  let bad: string | null = null;
  for (const key in logs) {
    if (!Number.isFinite(logs[key])) {
      bad = `the ${key} became ${logs[key]}`;
      break;
    }
  }
  if (bad === null) return null;
  const found = firstNonFinite(xs, names, rowOf, null);
  if (found === null) return null;
  return new ArgumentError(
    `${where}: the model needs finite inputs, but ${found.text} (${bad}${at ? ` at ${at}` : ''})`,
  );
}

/**
 * Whether every value is finite: x·0 is 0 for a finite x, NaN for NaN and ±Infinity. Four sums
 * without a branch: 45 µs for 100,000 values, where a test per value took 115.
 */
function allFinite(values: Float32Array): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const n = values.length - (values.length % 4);
  let i = 0;
  for (; i < n; i += 4) {
    a += values[i]! * 0;
    b += values[i + 1]! * 0;
    c += values[i + 2]! * 0;
    d += values[i + 3]! * 0;
  }
  for (; i < values.length; i++) a += values[i]! * 0;
  return a + b + c + d === 0;
}

/**
 * predict(): refuse outputs made non-finite by a NaN/Infinity in their own input row — one pass
 * over the outputs (small beside the inputs: 10 values a row for 784), the inputs read only for
 * the rows that came out bad. Non-finite outputs from finite inputs are the model's own (a
 * diverged or unbounded model) and are returned as they are, as Keras does.
 */
export function checkPredictions(
  xs: readonly Tensor[],
  outs: readonly Tensor[],
  inputNames: readonly string[],
  outputNames: readonly string[],
  where: string,
): void {
  outs.forEach((out, k) => {
    // The backend's kernel (wasm: SIMD), else a pass over its own memory, not a copy (dataSync of
    // 10,000×10 outputs: ~0.5 ms on 'ts').
    const finite = out.backend.allFinite ? out.backend.allFinite(out.storage) : allFinite(out.storage.view());
    if (finite) return;
    const values = out.dataSync();
    const count = out.shape[0] ?? 1;
    const rowSize = values.length / Math.max(1, count);
    const bad: number[] = [];
    const first = new Map<number, number>();
    for (let row = 0; row < count; row++) {
      for (let i = row * rowSize; i < (row + 1) * rowSize; i++) {
        if (Number.isFinite(values[i]!)) continue;
        bad.push(row);
        first.set(row, values[i]!);
        break;
      }
    }
    const found = firstNonFinite(xs, inputNames, rowsFrom(0), bad);
    if (found === null) return;
    const output = outputNames.length > 1 ? ` '${outputNames[k]}'` : '';
    throw new ArgumentError(
      `${where}: the model needs finite inputs, but ${found.text} (its output${output} came out ${first.get(found.row)}); ` +
        'fill in or drop that value before predicting',
    );
  });
}

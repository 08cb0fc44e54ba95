/**
 * The tabular pipeline of the tutorials' bank-churn example, for any CSV: choose feature columns,
 * encode string columns (two categories → 0/1, more → one-hot with the first dropped), drop
 * identifier-like columns, and keep everything needed to apply the same steps to new rows.
 */
import { type CsvTable, LabelEncoder, OneHotEncoder, type StandardScaler } from '../data/index.js';
import { ArgumentError } from '../node/index.js';

export type ColumnPlan =
  | { name: string; kind: 'number' }
  | { name: string; kind: 'binary'; encoder: ReturnType<LabelEncoder['toJSON']> }
  | { name: string; kind: 'onehot'; encoder: ReturnType<OneHotEncoder['toJSON']> };

export interface TabularPreprocessing {
  kind: 'csv';
  target: string;
  task: 'classification' | 'regression';
  /** Class names in output order (classification). */
  classes: string[];
  columns: ColumnPlan[];
  scaler: ReturnType<StandardScaler['toJSON']>;
  featureNames: string[];
}

export interface PlanNotes {
  dropped: { name: string; why: string }[];
  missing: Record<string, number>;
  rowsDropped: number;
}

/** Decide what to do with each column, from the training table. */
export function planColumns(
  table: CsvTable,
  target: string,
  drop: readonly string[],
): { plans: ColumnPlan[]; notes: PlanNotes } {
  table.column(target); // throws naming the columns if the target is missing
  for (const d of drop) table.column(d);
  const notes: PlanNotes = {
    dropped: drop.map((name) => ({ name, why: 'asked (--drop)' })),
    missing: table.missingCounts(),
    rowsDropped: 0,
  };
  const plans: ColumnPlan[] = [];
  const n = table.length;
  for (const name of table.columns) {
    if (name === target || drop.includes(name)) continue;
    const values = table.column(name).filter((v) => !table.isMissing(v));
    const distinct = new Set(values).size;
    if (table.kind(name) === 'number') {
      const allIntegers = values.every((v) => Number.isInteger(Number(v)));
      if (allIntegers && distinct === values.length && n > 20) {
        notes.dropped.push({ name, why: 'every value is a different integer (an identifier)' });
        continue;
      }
      plans.push({ name, kind: 'number' });
    } else if (distinct <= 1) {
      notes.dropped.push({ name, why: 'a single value' });
    } else if (distinct === 2) {
      plans.push({ name, kind: 'binary', encoder: new LabelEncoder().fit(values).toJSON() });
    } else if (distinct > 50 && distinct > 0.05 * n) {
      notes.dropped.push({ name, why: `text with ${distinct} distinct values (a name or identifier)` });
    } else {
      plans.push({
        name,
        kind: 'onehot',
        encoder: new OneHotEncoder({ dropFirst: true }).fit(values).toJSON(),
      });
    }
  }
  if (plans.length === 0) throw new ArgumentError('no usable feature columns are left');
  return { plans, notes };
}

export function featureNames(plans: readonly ColumnPlan[]): string[] {
  return plans.flatMap((p) =>
    p.kind === 'onehot' ? OneHotEncoder.fromJSON(p.encoder).featureNames(`${p.name}=`) : [p.name],
  );
}

/** The unscaled feature matrix for the rows of `table`, following `plans`. */
export function encodeFeatures(table: CsvTable, plans: readonly ColumnPlan[]): number[][] {
  const parts = plans.map((p): number[][] => {
    const column = table.column(p.name);
    if (p.kind === 'number') return Array.from(table.numbers(p.name), (v) => [v]);
    if (p.kind === 'binary')
      return LabelEncoder.fromJSON(p.encoder)
        .transform(column)
        .map((v) => [v]);
    try {
      return OneHotEncoder.fromJSON(p.encoder).transform(column);
    } catch (e) {
      throw new ArgumentError(`column '${p.name}': ${(e as Error).message}`);
    }
  });
  return Array.from({ length: table.length }, (_, i) => parts.flatMap((part) => part[i]!));
}

/**
 * Metrics over an epoch (or an evaluate() call). A metric that is a mean of per-batch values
 * (accuracy, MSE) is averaged by batch size and can be resumed mid-epoch from its running sum; one
 * that is not (precision, AUC) accumulates through its own state (Metric.create()). Several outputs
 * prefix their keys with the output name, as Keras does.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import type { Metric } from '../../metrics/accuracy.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Logs } from '../callbacks.js';
import type { Compiled } from './compile.js';
import { maskedRows } from './step.js';

interface Entry {
  key: string;
  output: number;
  metric: Metric;
  /** The metric's own accumulator, for metrics that are not batch means. */
  state: ReturnType<NonNullable<Metric['create']>> | null;
}

/** The log key of output `i`'s metric (no prefix for a single output). */
export function metricKey(outputNames: readonly string[], i: number, metric: Metric): string {
  return outputNames.length > 1 ? `${outputNames[i]}_${metric.name}` : metric.name;
}

/** Every log key a model reports, loss first. */
export function logKeys(outputNames: readonly string[], compiled: Compiled): string[] {
  const keys = ['loss'];
  if (outputNames.length > 1) keys.push(...outputNames.map((n) => `${n}_loss`));
  compiled.metrics.forEach((list, i) => {
    for (const m of list) keys.push(metricKey(outputNames, i, m));
  });
  return keys;
}

export class EpochMetrics {
  private readonly entries: Entry[];
  /** Sums of batch value × batch size for the loss entries and the batch-mean metrics. */
  sums: Logs = {};
  samples = 0;

  constructor(outputNames: readonly string[], compiled: Compiled) {
    this.entries = compiled.metrics.flatMap((list, output) =>
      list.map((metric) => ({
        key: metricKey(outputNames, output, metric),
        output,
        metric,
        state: metric.create ? metric.create() : null,
      })),
    );
  }

  /** Start over (a new epoch); `sums` may carry a resumed epoch's running sums. */
  reset(sums: Logs = {}, samples = 0): void {
    this.sums = { ...sums };
    this.samples = samples;
    for (const e of this.entries) e.state?.reset();
  }

  /**
   * Add a batch: `logs` already holds its loss entries; the metric values are added to it (the
   * batch's own value, as progress bars show) and to the epoch's accumulators. An output with a
   * mask (`masks`) is measured on its real (sample, step) pairs only (Keras).
   */
  update(
    ys: readonly Tensor[],
    predictions: () => readonly Tensor[],
    logs: Logs,
    size: number,
    masks: readonly (Tensor | null)[] = [],
  ): void {
    // Without metrics the predictions are never read (nor, for a fused output, activated).
    if (this.entries.length > 0)
      noGrad(() => {
        const outputs = predictions();
        const real = ys.map((y, i) => {
          const mask = masks[i] ?? null;
          return mask === null ? { y, p: outputs[i]! } : realSteps(y, outputs[i]!, mask, String(i));
        });
        for (const e of this.entries) {
          const { y, p } = real[e.output]!;
          if (e.state) {
            e.state.update(y, p, null);
            logs[e.key] = e.metric.fn(y, p);
          } else {
            logs[e.key] = e.metric.fn(y, p);
          }
        }
      });
    for (const [k, v] of Object.entries(logs)) {
      if (this.entries.some((e) => e.key === k && e.state)) continue;
      this.sums[k] = (this.sums[k] ?? 0) + v * size;
    }
    this.samples += size;
  }

  /** The epoch's values: means of the summed entries, results of the stateful ones. */
  result(): Logs {
    const out: Logs = {};
    for (const [k, v] of Object.entries(this.sums)) out[k] = v / Math.max(1, this.samples);
    for (const e of this.entries) if (e.state) out[e.key] = e.state.result();
    return out;
  }
}

/** The rows of a masked output and its targets where the mask is 1: one per real (sample, step). */
function realSteps(y: Tensor, p: Tensor, mask: Tensor, output: string): { y: Tensor; p: Tensor } {
  const rows = maskedRows(mask, y, p, output);
  const keep = mask.dataSync();
  const picked: number[] = [];
  for (let i = 0; i < keep.length; i++) if (keep[i] !== 0) picked.push(i);
  const index = Int32Array.from(picked);
  return { y: rows.y.gather(index, 0), p: rows.p.gather(index, 0) };
}

/**
 * compile(): the optimiser, and per output its loss, its weight in the total and its metrics.
 * One output takes the short forms (`loss: 'mse'`, `metrics: ['accuracy']`); several take a list in
 * output order or an object keyed by output name (Keras' forms), and a single loss or metric list is
 * used for every output.
 */
import { checkOptions, describeValue, isOptionsObject, nearestName } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import { getLoss, type Loss, type LossLike, type LossOptions } from '../../losses/index.js';
import { getMetric, type Metric, type MetricLike } from '../../metrics/accuracy.js';
import { getOptimizer, type OptimizerLike } from '../../optim/index.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { inCompile } from '../fit-options.js';

/** A value per output: one for all, a list in output order, or an object keyed by output name. */
export type PerOutput<T> = T | T[] | Record<string, T>;

export interface CompileArgs {
  optimizer: OptimizerLike;
  /** One loss for every output, or one per output (list or { outputName: loss }). */
  loss: PerOutput<LossLike>;
  /** Options for losses given by name, e.g. { fromLogits: true }. */
  lossOptions?: LossOptions;
  /** Metrics for every output (a list), or per output (a list of lists or { outputName: [...] }). */
  metrics?: MetricLike[] | MetricLike[][] | Record<string, MetricLike[]>;
  /** How much each output's loss counts in the total that is minimised. Default 1 each. */
  lossWeights?: number[] | Record<string, number>;
}

/**
 * compile() for a model with one output (Sequential): a single loss and one metric list — typed
 * narrowly so a misspelt name ('acuracy') is a compile error that names it.
 */
export interface SingleOutputCompileArgs extends Omit<CompileArgs, 'loss' | 'metrics' | 'lossWeights'> {
  loss: LossLike;
  metrics?: MetricLike[];
  lossWeights?: number[] | Record<string, number>;
}

export const COMPILE_OPTIONS = ['optimizer', 'loss', 'lossOptions', 'metrics', 'lossWeights'] as const;

/** compile()'s result, per output in output order. */
export interface Compiled {
  optimizer: Optimizer;
  losses: Loss[];
  lossWeights: number[];
  metrics: Metric[][];
}

/** Resolve compile()'s arguments for a model with these outputs; throws before anything is assigned. */
export function resolveCompile(args: CompileArgs, outputNames: readonly string[]): Compiled {
  const o = checkOptions('compile()', args, COMPILE_OPTIONS, {
    weightedMetrics: 'metrics are weighted by fit()’s sampleWeight already',
    runEagerly: 'backprop always runs eagerly',
  });
  if (args === undefined) throw new ArgumentError('compile(): give { optimizer, loss }');
  if (o.optimizer === undefined) throw new ArgumentError("compile(): optimizer is required, e.g. 'adam'");
  if (o.loss === undefined)
    throw new ArgumentError("compile(): loss is required, e.g. 'categoricalCrossentropy'");
  const optimizer = inCompile(() => getOptimizer(args.optimizer));
  const lossSpecs = perOutput<LossLike>('loss', args.loss, outputNames, isLossLike);
  const losses = lossSpecs.map((spec) => inCompile(() => getLoss(spec, args.lossOptions)));
  const lossWeights =
    args.lossWeights === undefined
      ? outputNames.map(() => 1)
      : perOutput<number>('lossWeights', args.lossWeights, outputNames, (v) => typeof v === 'number', false);
  lossWeights.forEach((w, i) => {
    if (!Number.isFinite(w) || w < 0) {
      throw new ArgumentError(
        `compile(): lossWeights for output '${outputNames[i]}' must be a finite number ≥ 0, got ${describeValue(w)}`,
      );
    }
  });
  const metrics = resolveMetrics(args.metrics, outputNames);
  return { optimizer, losses, lossWeights, metrics };
}

function isLossLike(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'function';
}

/**
 * Spread a per-output option over the outputs. `single` says whether one bare value may stand for
 * every output (a loss may; a list of lossWeights must be complete).
 */
function perOutput<T>(
  option: string,
  value: unknown,
  outputNames: readonly string[],
  isOne: (v: unknown) => boolean,
  single = true,
): T[] {
  const n = outputNames.length;
  if (isOne(value)) {
    if (single || n === 1) return outputNames.map(() => value as T);
  }
  if (Array.isArray(value)) {
    if (value.length !== n) {
      throw new ArgumentError(
        `compile(): ${option} has ${value.length} entries but the model has ${n} output${n === 1 ? '' : 's'} (${outputNames.join(', ')})`,
      );
    }
    return value as T[];
  }
  if (isOptionsObject(value)) {
    checkOutputKeys(option, value, outputNames);
    return outputNames.map((name) => {
      if (!(name in value)) {
        throw new ArgumentError(`compile(): ${option} has no entry for output '${name}'`);
      }
      return (value as Record<string, T>)[name]!;
    });
  }
  throw new ArgumentError(
    `compile(): ${option} must be ${single ? 'one value, ' : ''}a list with one entry per output or an object keyed by output name, got ${describeValue(value)}`,
  );
}

function resolveMetrics(spec: CompileArgs['metrics'], outputNames: readonly string[]): Metric[][] {
  if (spec === undefined) return outputNames.map(() => []);
  const resolve = (list: unknown, where: string): Metric[] => {
    if (!Array.isArray(list)) {
      throw new ArgumentError(
        `compile(): ${where} must be an array, e.g. ['accuracy'], got ${describeValue(list)}`,
      );
    }
    return list.map((m) => inCompile(() => getMetric(m as MetricLike)));
  };
  if (Array.isArray(spec)) {
    // A list of lists: one per output; a flat list: the same metrics for every output.
    if (spec.length > 0 && spec.every((m) => Array.isArray(m))) {
      if (spec.length !== outputNames.length) {
        throw new ArgumentError(
          `compile(): metrics has ${spec.length} lists but the model has ${outputNames.length} outputs`,
        );
      }
      return spec.map((list, i) => resolve(list, `metrics for output '${outputNames[i]}'`));
    }
    return outputNames.map(() => resolve(spec, 'metrics'));
  }
  // { outputName: [...] }: an output left out has no metrics (as in Keras).
  if (!isOptionsObject(spec)) {
    throw new ArgumentError(
      `compile(): metrics must be a list or an object keyed by output name, got ${describeValue(spec)}`,
    );
  }
  checkOutputKeys('metrics', spec, outputNames);
  const record = spec as Record<string, unknown>;
  return outputNames.map((name) => resolve(record[name] ?? [], `metrics for output '${name}'`));
}

/** An object keyed by output name may name only outputs the model has. */
function checkOutputKeys(option: string, value: object, outputNames: readonly string[]): void {
  for (const k of Object.keys(value)) {
    if (!outputNames.includes(k)) {
      const near = nearestName(k, outputNames);
      throw new ArgumentError(
        `compile(): ${option} names an output '${k}' the model does not have${near ? ` — did you mean '${near}'?` : ''} (outputs: ${outputNames.join(', ')})`,
      );
    }
  }
}

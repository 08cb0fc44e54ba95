/**
 * evaluate(), predict() and the *OnBatch methods: the same forward pass and losses as training,
 * without a graph, in step scopes so only numbers (or the copied-out predictions) leave a batch.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentError } from '../../errors.js';
import { allocOutput } from '../../ops/util.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Logs } from '../callbacks.js';
import { checkBatchArgs } from '../fit-options.js';
import { type Batch, type BatchStream, isBatchStream, openStream, streamedBatch } from './batches.js';
import type { EngineModel } from './contract.js';
import { checkPredictions, nonFiniteInput, type RowOf, rowsFrom, rowsOfBatch } from './finite-inputs.js';
import { commonLength, tensorList } from './inputs.js';
import { EpochMetrics } from './metric-logs.js';
import { resolveWeighting } from './sample-weights.js';
import { forwardAndLoss, fusedLosses, lossLogs } from './step.js';
import { inStep } from './step-scope.js';
import {
  checkTargets,
  combinedWeights,
  modelBackend,
  prepare,
  prepareTraining,
  requireCompiled,
  trainBatch,
} from './train-batch.js';

export interface EvaluateArgs {
  /** Default 256. */
  batchSize?: number;
  /** Per-sample weights of the loss, as fit() takes them. */
  sampleWeight?: unknown;
}

/**
 * Run a synchronous batch loop with the model's weights declared constant to the backend, which
 * may then pack each weight once for the whole loop instead of once per batch (wasm); nothing
 * kept outlives the loop, so weights changed between two calls are always read afresh.
 */
function withWeightsConstant<T>(model: EngineModel, fn: () => T): T {
  const backend = modelBackend(model);
  if (!backend.withConstants) return fn();
  return backend.withConstants(
    model.weights.map((w) => w.tensor.storage),
    fn,
  );
}

/**
 * Loss and metrics of one batch, without a graph; `metrics` accumulates across batches. A NaN or
 * infinite value caused by a NaN/Infinity in x is an error naming the call (`where`) and the
 * value's row as `rowOf` words it; one from finite inputs (a diverged model) is returned.
 */
function testBatch(
  model: EngineModel,
  batch: Batch,
  weights: readonly (Tensor | null)[] | null,
  metrics: EpochMetrics,
  where: string,
  rowOf: RowOf,
): Logs {
  const compiled = model.compiled!;
  return noGrad(() =>
    inStep(modelBackend(model), () => {
      const w = combinedWeights(model, batch, weights, null, 'evaluate()');
      const result = forwardAndLoss(
        model,
        compiled,
        fusedLosses(model, compiled),
        batch.xs,
        batch.ys,
        w,
        false,
      );
      const logs: Logs = {};
      lossLogs(model, result, logs);
      metrics.update(batch.ys, result.predictions, logs, batch.size, result.masks);
      const bad = nonFiniteInput(logs, batch.xs, model.inputNames, where, rowOf);
      if (bad) throw bad;
      return logs;
    }),
  );
}

/**
 * Loss and metrics over in-memory (x, y), in batches. `firstRow`: the index of x's first row in
 * the caller's data (fit's validationSplit rows), for errors.
 */
export function evaluate(
  model: EngineModel,
  x: unknown,
  y: unknown,
  args: EvaluateArgs = {},
  what = 'evaluate()',
  firstRow = 0,
): Logs {
  refuseStream(x, what, 'use evaluateDataset() for a stream of { xs, ys } batches');
  const compiled = requireCompiled(model);
  const { sampleWeight, ...rest } = args;
  const batchSize = checkBatchArgs(rest, what);
  let xs = tensorList(x, model.inputNames, `${what}: x`, 'input');
  let ys = tensorList(y, model.outputNames, `${what}: y`, 'output');
  ({ xs, ys } = prepare(model, compiled, xs, ys, what));
  const n = commonLength([xs, ys], ['x', 'y'], what);
  if (n === 0) throw new ArgumentError(`${what}: no samples`);
  const weighting = resolveWeighting(sampleWeight, undefined, model.outputNames, n, what);
  const metrics = new EpochMetrics(model.outputNames, compiled);
  withWeightsConstant(model, () => {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const batch: Batch = {
        xs: xs.map((t) => t.slice(start, end)),
        ys: ys.map((t) => t.slice(start, end)),
        sampleWeight: null,
        size: end - start,
      };
      const w = weighting ? weighting.sample.map((s) => s?.slice(start, end) ?? null) : null;
      testBatch(model, batch, w, metrics, what, rowsFrom(firstRow + start));
    }
  });
  return metrics.result();
}

/** Loss and metrics over a stream of { xs, ys } batches (all of it, or `steps` batches). */
export async function evaluateDataset(
  model: EngineModel,
  data: unknown,
  args: { steps?: number } = {},
  what = 'evaluateDataset()',
): Promise<Logs> {
  const compiled = requireCompiled(model);
  if (!isBatchStream(data))
    throw new ArgumentError(`${what}: expected a Dataset or an (async) iterable of { xs, ys } batches`);
  const metrics = new EpochMetrics(model.outputNames, compiled);
  const it = openStream(data as BatchStream);
  let count = 0;
  try {
    while (args.steps === undefined || count < args.steps) {
      const r = await it.next();
      if (r.done) break;
      const b = streamedBatch(r.value, model.inputNames, model.outputNames, what, count);
      const { xs, ys } = prepare(model, compiled, b.xs, b.ys, what);
      testBatch(model, { ...b, xs, ys }, null, metrics, what, rowsOfBatch(count));
      count++;
    }
  } finally {
    await (it as AsyncIterator<unknown>).return?.();
  }
  if (count === 0) throw new ArgumentError(`${what}: the data gave no batch`);
  return metrics.result();
}

/** fit()'s validation: in-memory [x, y, weights?] or a stream. */
export async function evaluateData(
  model: EngineModel,
  x: unknown,
  y: unknown,
  args: EvaluateArgs & { steps?: number },
  what: string,
  firstRow = 0,
): Promise<Logs> {
  if (isBatchStream(x))
    return evaluateDataset(model, x, args.steps === undefined ? {} : { steps: args.steps }, what);
  const { steps: _steps, ...rest } = args;
  return evaluate(model, x, y, rest, what, firstRow);
}

/**
 * evaluate() and predict() return their result at once, so they cannot read a Dataset (an async
 * stream); without this check one is taken for an object of named inputs. Keras' predict reads a
 * tf.data Dataset; here, as in TF.js, streams go to evaluateDataset() or are predicted per batch.
 */
function refuseStream(x: unknown, what: string, instead: string): void {
  if (isBatchStream(x))
    throw new ArgumentError(
      `${what}: x is a Dataset or a stream of batches, but ${what} takes tensors and returns at once; ${instead}`,
    );
}

/** Outputs for every sample of x, computed in batches without recording a graph. */
export function predict(model: EngineModel, x: unknown, args: { batchSize?: number } = {}): Tensor[] {
  refuseStream(x, 'predict()', 'predict batch by batch: for await (const b of data) model.predict(b.xs)');
  const batchSize = checkBatchArgs(args, 'predict()');
  let xs = tensorList(x, model.inputNames, 'predict(): x', 'input');
  if (!model.built) model.buildFromSampleShapes(xs.map((t) => t.shape.slice(1)));
  const backend = modelBackend(model);
  xs = xs.map((t) => t.to(backend.name));
  const n = commonLength([xs], ['x'], 'predict()');
  const outs = noGrad(() => predictBatches(model, xs, n, batchSize));
  checkPredictions(xs, outs, model.inputNames, model.outputNames, 'predict()');
  return outs;
}

/** The outputs for the n rows of xs, a batch at a time. */
function predictBatches(model: EngineModel, xs: readonly Tensor[], n: number, batchSize: number): Tensor[] {
  const backend = modelBackend(model);
  if (n <= batchSize) return model.forwardAll(xs, { training: false });
  const outs: Tensor[] = [];
  withWeightsConstant(model, () => {
    for (let start = 0; start < n; start += batchSize) {
      // Each batch's tensors are internal (its outputs are copied out): reuse their memory.
      inStep(backend, () => {
        const ys = model.forwardAll(
          xs.map((t) => t.slice(start, start + batchSize)),
          { training: false },
        );
        ys.forEach((yb, i) => {
          const b = yb.backend;
          // The outputs are the backend's own, outside the step scopes, and each batch's rows are
          // copied straight into them: one copy, where reading them out (dataSync), setting them
          // into a Float32Array and uploading the whole at the end made three.
          if (start === 0) {
            const shape = [n, ...yb.shape.slice(1)];
            outs[i] = b.persistent ? b.persistent(() => allocOutput(shape, b)) : allocOutput(shape, b);
          }
          // A block copy (memmove) into a view of the rows: 2 µs for a batch of 1000×10 values,
          // where the strided kernel's element loop took 5 µs (in cache) to 13 (in predict()).
          const at = start * (yb.size / yb.shape[0]!);
          b.copy(yb.storage, b.slice(outs[i]!.storage, at, at + yb.size));
        });
      });
    }
  });
  return outs;
}

/** One update on one batch (Keras' train_on_batch); returns the batch's loss and metrics. */
export function trainOnBatch(
  model: EngineModel,
  x: unknown,
  y: unknown,
  args: { sampleWeight?: unknown; classWeight?: unknown } = {},
): Logs {
  const compiled = requireCompiled(model);
  let xs = tensorList(x, model.inputNames, 'trainOnBatch(): x', 'input');
  let ys = tensorList(y, model.outputNames, 'trainOnBatch(): y', 'output');
  ({ xs, ys } = prepare(model, compiled, xs, ys, 'trainOnBatch()'));
  const size = commonLength([xs, ys], ['x', 'y'], 'trainOnBatch()');
  const weighting = resolveWeighting(
    args.sampleWeight,
    args.classWeight,
    model.outputNames,
    size,
    'trainOnBatch()',
  );
  const state = prepareTraining(model, compiled);
  return trainBatch(
    model,
    compiled,
    state,
    () => ({ batch: { xs, ys, sampleWeight: null, size }, sampleWeights: weighting?.sample ?? null }),
    weighting,
    { component: 'trainOnBatch()', at: '', rowOf: rowsFrom(0) },
    false,
  );
}

/** Loss and metrics of one batch, without updating (Keras' test_on_batch). */
export function testOnBatch(model: EngineModel, x: unknown, y: unknown): Logs {
  const compiled = requireCompiled(model);
  let xs = tensorList(x, model.inputNames, 'testOnBatch(): x', 'input');
  let ys = tensorList(y, model.outputNames, 'testOnBatch(): y', 'output');
  ({ xs, ys } = prepare(model, compiled, xs, ys, 'testOnBatch()'));
  const size = commonLength([xs, ys], ['x', 'y'], 'testOnBatch()');
  checkTargets(model, compiled, ys, 'testOnBatch()');
  const metrics = new EpochMetrics(model.outputNames, compiled);
  return testBatch(model, { xs, ys, sampleWeight: null, size }, null, metrics, 'testOnBatch()', rowsFrom(0));
}

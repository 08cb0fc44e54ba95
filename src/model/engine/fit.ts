/**
 * fit(): epochs of mini-batch training, for any model the engine drives (Sequential, functional
 * Model), from in-memory tensors or a stream of batches, with callbacks, progress, validation,
 * sample/class weights and exact resume from checkpoints.
 */
import { ArgumentError, TrainingError } from '../../errors.js';
import { getRng, Rng } from '../../random/rng.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CallbackList, type Logs } from '../callbacks.js';
import { History } from '../history.js';
import { ProgressLogger } from '../progress.js';
import {
  type Batch,
  type BatchStream,
  isBatchStream,
  memoryBatch,
  openStream,
  streamedBatch,
} from './batches.js';
import { applyProgress, beginSession, endSession, type FitSession, takePendingResume } from './checkpoint.js';
import type { EngineModel } from './contract.js';
import { evaluateData } from './evaluate.js';
import { rowsFrom, rowsOfBatch } from './finite-inputs.js';
import { commonLength, tensorList } from './inputs.js';
import { logKeys } from './metric-logs.js';
import { batchWeights, hasWeights, resolveWeighting, type SampleWeighting } from './sample-weights.js';
import { YIELD_EVERY_MS, yieldToEventLoop } from './step-scope.js';
import {
  checkFit,
  type FitArgs,
  modelBackend,
  prepare,
  prepareTraining,
  requireCompiled,
  trainBatch,
} from './train-batch.js';

/** Builds one step's batch (inside the step, so that its memory is reused). */
type MakeBatch = () => { batch: Batch; sampleWeights: (Tensor | null)[] | null };

/** Data for fit: in-memory x and y, or a stream of batches (then y is absent). */
export async function fit(model: EngineModel, x: unknown, y: unknown, args: FitArgs = {}): Promise<History> {
  const compiled = requireCompiled(model);
  const streamed = isBatchStream(x);
  checkFit(args, streamed);
  const epochs = args.epochs ?? 1;
  const initialEpoch = args.initialEpoch ?? 0;
  // Keras/TF.js: `epochs` is the index to stop at, not a count (epochs initialEpoch … epochs − 1).
  const lastEpoch = epochs;
  const userCallbacks =
    args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  const callbacks = new CallbackList([
    ...((args.verbose ?? 1) > 0 ? [new ProgressLogger()] : []),
    ...userCallbacks,
  ]);
  // No callback (verbose 0, none given): the 600 steps of an epoch skip two awaits each.
  const hasBatchCallbacks = callbacks.callbacks.length > 0;
  const stopsOnNaN = userCallbacks.some(
    (cb) => (cb as { stopsOnNonFiniteLoss?: boolean }).stopsOnNonFiniteLoss === true,
  );
  const rng = args.seed !== undefined ? new Rng(args.seed) : getRng();
  const history = new History();
  const batchSize = args.batchSize ?? 32;

  // In-memory data: tensors per input/output, the validation split, the weights.
  let xs: Tensor[] = [];
  let ys: Tensor[] = [];
  let n = 0;
  let weighting: SampleWeighting | null = null;
  // firstRow: where split-off validation rows start in the caller's x (for errors naming a row).
  let validation: { x: unknown; y: unknown; weights?: unknown; firstRow?: number } | null = null;
  if (!streamed) {
    if (y === undefined)
      throw new ArgumentError('fit(): give targets y (or a Dataset of { xs, ys } batches)');
    xs = tensorList(x, model.inputNames, 'fit(): x', 'input');
    ys = tensorList(y, model.outputNames, 'fit(): y', 'output');
    ({ xs, ys } = prepare(model, compiled, xs, ys, 'fit()'));
    n = commonLength([xs, ys], ['x', 'y'], 'fit()');
    weighting = resolveWeighting(args.sampleWeight, args.classWeight, model.outputNames, n, 'fit()');
    if (args.validationSplit !== undefined) {
      const cut = Math.floor(n * (1 - args.validationSplit));
      if (cut === 0 || cut === n)
        throw new ArgumentError('fit(): validationSplit leaves no training or no validation samples');
      validation = { x: xs.map((t) => t.slice(cut)), y: ys.map((t) => t.slice(cut)), firstRow: cut };
      if (weighting) {
        validation.weights = weighting.sample.map((s) => s?.slice(cut) ?? null);
        weighting = {
          sample: weighting.sample.map((s) => s?.slice(0, cut) ?? null),
          classes: weighting.classes,
        };
      }
      xs = xs.map((t) => t.slice(0, cut));
      ys = ys.map((t) => t.slice(0, cut));
      n = cut;
    }
    if (n === 0) throw new ArgumentError('fit(): no training samples');
    // A class with no weight would stop training mid-epoch: check every target now.
    if (weighting && hasWeights(weighting)) batchWeights(weighting, ys, (t) => t, model.outputNames, 'fit()');
  } else if (args.classWeight !== undefined || args.sampleWeight !== undefined) {
    if (args.sampleWeight !== undefined) {
      throw new ArgumentError(
        'fit(): with a Dataset, give sample weights in its batches ({ xs, ys, sampleWeight })',
      );
    }
    weighting = resolveWeighting(undefined, args.classWeight, model.outputNames, null, 'fit()');
  }
  if (args.validationData !== undefined) {
    const v = args.validationData;
    validation = isBatchStream(v)
      ? { x: v, y: undefined }
      : { x: (v as unknown[])[0], y: (v as unknown[])[1], weights: (v as unknown[])[2] };
  }

  const steps = streamed ? (args.stepsPerEpoch ?? 0) : Math.ceil(n / batchSize);
  const keys = logKeys(model.outputNames, compiled);
  callbacks.setModel(model);
  callbacks.setParams({
    epochs: lastEpoch,
    steps,
    samples: n,
    metrics: validation ? [...keys, ...keys.map((k) => `val_${k}`)] : keys,
    initialEpoch,
  });
  const shuffle = args.shuffle ?? true;
  const session: FitSession = beginSession(model, {
    epoch: initialEpoch,
    batch: 0,
    samples: streamed ? -1 : n,
    batchSize: streamed ? -1 : batchSize,
    shuffle: streamed ? false : shuffle,
    rng,
    epochStartRng: null,
    sums: {},
    history,
  });
  model.stopTraining = false;
  let lastYield = performance.now();
  const state = prepareTraining(model, compiled);
  // A stream with stepsPerEpoch goes on where the last epoch stopped; without, each epoch is a pass.
  let iterator: AsyncIterator<unknown> | Iterator<unknown> | null = null;
  try {
    await callbacks.trainBegin({});
    // A callback (backupAndRestore) may have put back a checkpoint's weights and state: go on
    // from where it was, with the generators where they were.
    const resume = takePendingResume(model);
    if (resume) {
      if (streamed && resume.batch > 0) {
        throw new ArgumentError(
          'fit(): a checkpoint taken mid-epoch cannot resume a streamed fit; checkpoint at epoch ends',
        );
      }
      applyProgress(model, resume, session, lastEpoch);
    }
    for (let epoch = session.epoch; epoch < lastEpoch && !model.stopTraining; epoch++) {
      const firstBatch = resume && epoch === resume.epoch ? resume.batch : 0;
      session.epoch = epoch;
      session.batch = firstBatch;
      if (firstBatch === 0) session.sums = {};
      state.metrics.reset(session.sums, firstBatch === 0 ? 0 : Math.min(n, firstBatch * batchSize));
      await callbacks.epochBegin(epoch, {});
      // The epoch's shuffled order of in-memory rows (null: in order, or streamed).
      let order: Int32Array | null = null;
      const trainStep = (batch: number, make: MakeBatch, of: string): Logs => {
        // The position is worded only for an error: building the string every step costs more.
        const at = {
          component: 'fit()',
          get at() {
            return `epoch ${epoch + 1}, batch ${batch + 1}${of}`;
          },
          rowOf(row: number) {
            return (streamed ? rowsOfBatch(batch) : rowsFrom(batch * batchSize, order))(row);
          },
        };
        const logs = trainBatch(model, compiled, state, make, weighting, at, stopsOnNaN, args.augment, rng);
        session.batch = batch + 1;
        session.sums = state.metrics.sums;
        return logs;
      };
      const afterStep = (logs: Logs): Promise<void> | null => {
        if (logs.loss !== undefined && !Number.isFinite(logs.loss)) model.stopTraining = true;
        // Tensor memory on the wasm backend comes back through a FinalizationRegistry, whose
        // callbacks only run between event-loop tasks: yield now and then.
        if (performance.now() - lastYield <= YIELD_EVERY_MS) return null;
        return yieldToEventLoop().then(() => {
          lastYield = performance.now();
        });
      };
      const withCallbacks = async (batch: number, make: MakeBatch, size: number, of: string) => {
        await callbacks.batchBegin(batch, {});
        const logs = trainStep(batch, make, of);
        await callbacks.batchEnd(batch, { ...logs, size });
        await afterStep(logs);
      };
      // A promise only when there is something to wait for (a callback, a yield). Resumed after
      // every batch, fit() grew hot enough for V8 to optimise all of it during the third epoch: the
      // largest single compile of the run, ~20 ms of the other core's time in that epoch.
      const runBatch = (batch: number, make: MakeBatch, size: number, of: string): Promise<void> | null =>
        hasBatchCallbacks ? withCallbacks(batch, make, size, of) : afterStep(trainStep(batch, make, of));
      if (!streamed) {
        if (shuffle) {
          if (firstBatch > 0) {
            // The order this epoch was drawn in, then the generator as it was after that batch.
            rng.setState(resume!.epochStartRng!);
            order = rng.permutation(n);
            rng.setState(resume!.fitRng);
          } else {
            session.epochStartRng = rng.getState();
            order = rng.permutation(n);
          }
        }
        for (let batch = firstBatch; batch < steps && !(model.stopTraining && stopsOnNaN); batch++) {
          const start = batch * batchSize;
          const end = Math.min(n, start + batchSize);
          // Unnamed closures: tsx gives each const-held one its name at run time, every batch.
          const pending = runBatch(
            batch,
            () => ({
              batch: memoryBatch(xs, ys, start, end, order),
              sampleWeights: weighting
                ? weighting.sample.map((s) =>
                    s ? (order ? s.gather(order.subarray(start, end)) : s.slice(start, end)) : null,
                  )
                : null,
            }),
            end - start,
            `/${steps}`,
          );
          if (pending) await pending;
        }
      } else {
        let batch = 0;
        iterator =
          args.stepsPerEpoch === undefined || iterator === null ? openStream(x as BatchStream) : iterator;
        let reopened = false;
        while (args.stepsPerEpoch === undefined || batch < args.stepsPerEpoch) {
          const r = await iterator.next();
          if (r.done) {
            if (args.stepsPerEpoch === undefined) break;
            // An endless epoch count over a finite stream: start the data again, once per gap.
            if (reopened) {
              throw new TrainingError(
                `fit(): the data ended after ${batch} of ${args.stepsPerEpoch} batches in epoch ${epoch + 1} and gives no more; ` +
                  'use dataset.repeat(), a smaller stepsPerEpoch, or a function that returns a fresh iterator',
              );
            }
            iterator = openStream(x as BatchStream);
            reopened = true;
            continue;
          }
          reopened = false;
          const data = streamedBatch(r.value, model.inputNames, model.outputNames, 'fit()', batch);
          const moved = {
            ...data,
            xs: data.xs.map((t) => onBackend(model, t)),
            ys: data.ys.map((t) => onBackend(model, t)),
          };
          if (!model.built) model.buildFromSampleShapes(moved.xs.map((t) => t.shape.slice(1)));
          const sample = data.sampleWeight
            ? model.outputNames.map(() => onBackend(model, data.sampleWeight!))
            : null;
          const pending = runBatch(
            batch,
            () => ({ batch: moved, sampleWeights: sample }),
            data.size,
            args.stepsPerEpoch ? `/${args.stepsPerEpoch}` : '',
          );
          if (pending) await pending;
          batch++;
          if (model.stopTraining && stopsOnNaN) break;
        }
        if (batch === 0) throw new TrainingError(`fit(): the data gave no batch in epoch ${epoch + 1}`);
      }
      const epochLogs: Logs = state.metrics.result();
      if (validation && !(model.stopTraining && stopsOnNaN && !Number.isFinite(epochLogs.loss ?? 0))) {
        const val = await evaluateData(
          model,
          validation.x,
          validation.y,
          {
            batchSize: Math.max(batchSize, 256),
            ...(validation.weights !== undefined ? { sampleWeight: validation.weights } : {}),
            ...(args.validationSteps !== undefined ? { steps: args.validationSteps } : {}),
          },
          validation.firstRow === undefined ? 'fit(): validationData' : 'fit(): validationSplit',
          validation.firstRow,
        );
        for (const [k, v] of Object.entries(val)) epochLogs[`val_${k}`] = v;
      }
      history.record(epoch, epochLogs);
      // From here a checkpoint is "the next epoch, not started".
      session.epoch = epoch + 1;
      session.batch = 0;
      session.sums = {};
      session.epochStartRng = null;
      await callbacks.epochEnd(epoch, epochLogs);
      await yieldToEventLoop(); // lets browsers repaint and timers run between epochs
    }
  } finally {
    endSession(model);
    if (iterator && typeof (iterator as AsyncIterator<unknown>).return === 'function') {
      await (iterator as AsyncIterator<unknown>).return!();
    }
  }
  await callbacks.trainEnd({});
  return history;
}

/** A streamed batch made on another backend than the model's weights is copied over. */
function onBackend(model: EngineModel, t: Tensor): Tensor {
  return t.to(modelBackend(model).name);
}

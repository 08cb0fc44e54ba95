/**
 * reduceLROnPlateau, learningRateScheduler, terminateOnNaN and csvLogger, driven by hand through
 * their hooks with a small stand-in model (the CallbackModel interface), so each epoch's logs
 * and the expected reaction are written out here rather than left to a training run.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type CallbackModel,
  type CallbackOptimizer,
  csvLogger,
  type Logs,
  learningRateScheduler,
  reduceLROnPlateau,
  SGD,
  stepDecay,
  terminateOnNaN,
} from '../src/node/index.js';
import { assertClose, useTempDir } from './helpers.js';

/** A model with just what callbacks use, and an optimiser with a settable rate. */
function fakeModel(learningRate = 0.1, optimizer?: CallbackOptimizer | null): CallbackModel {
  return {
    stopTraining: false,
    optimizer: optimizer === undefined ? { learningRate } : optimizer,
    getWeights: () => [],
    setWeights: () => {},
    save: async () => undefined,
  };
}

describe('reduceLROnPlateau', () => {
  it('reduces after patience epochs, waits out the cooldown, stops at minLr (Keras trace)', () => {
    const cb = reduceLROnPlateau({ factor: 0.5, patience: 2, minDelta: 0, cooldown: 1, minLr: 0.02 });
    const model = fakeModel(0.1);
    cb.setModel(model);
    cb.onTrainBegin();
    const losses = [1.0, 0.9, 0.95, 0.92, 0.91, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.9];
    const rates: number[] = [];
    losses.forEach((v, epoch) => {
      cb.onEpochEnd(epoch, { loss: 0, val_loss: v });
      rates.push(model.optimizer!.learningRate);
    });
    // 0.95, 0.92 fail to beat 0.9: reduce at epoch 3. Cooldown clears the count at 4, which is
    // then the first epoch waited (0.91 > 0.9); 0.85 improves; 0.86, 0.87: reduce at 7; 0.88
    // (cooldown), 0.89: reduce at 9 to max(0.0125, minLr). At minLr, no further reduction.
    assert.deepEqual(
      cb.reductions.map((r) => r.epoch),
      [3, 7, 9],
    );
    assertClose(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02], 1e-12);
    assert.equal(cb.best, 0.85);
  });

  it('maximises accuracies in auto mode and ignores changes below minDelta', () => {
    const cb = reduceLROnPlateau({ monitor: 'val_accuracy', patience: 1, minDelta: 0.01 });
    assert.equal(cb.mode, 'max');
    const model = fakeModel(1);
    cb.setModel(model);
    cb.onTrainBegin();
    cb.onEpochEnd(0, { val_accuracy: 0.5 });
    cb.onEpochEnd(1, { val_accuracy: 0.6 });
    assert.equal(model.optimizer!.learningRate, 1);
    cb.onEpochEnd(2, { val_accuracy: 0.605 }); // +0.005 < minDelta: no improvement
    assertClose(model.optimizer!.learningRate, 0.1, 1e-12);
    // Training a second time starts over.
    cb.onTrainBegin();
    cb.onEpochEnd(0, { val_accuracy: 0.1 });
    assertClose(model.optimizer!.learningRate, 0.1, 1e-12);
  });

  it('sets the rate of a real optimiser, and reports one built with a schedule', () => {
    const sgd = new SGD({ learningRate: 0.4 });
    const cb = reduceLROnPlateau({ monitor: 'loss', patience: 0, factor: 0.25 });
    cb.setModel(fakeModel(0, sgd));
    cb.onTrainBegin();
    cb.onEpochEnd(0, { loss: 1 });
    cb.onEpochEnd(1, { loss: 1 });
    assertClose(sgd.learningRate, 0.1, 1e-12);
    const scheduled = new SGD({ learningRate: stepDecay({ initialLearningRate: 0.1, stepSize: 10 }) });
    cb.setModel(fakeModel(0, scheduled));
    assert.throws(() => cb.onEpochEnd(2, { loss: 1 }), /learningRate is set by its schedule stepDecay/);
  });

  it('refuse bad options, a missing monitor and a model without an optimiser', () => {
    assert.throws(
      () => reduceLROnPlateau({ factor: 1 }),
      /reduceLROnPlateau: factor must be in \(0, 1\), got 1/,
    );
    assert.throws(
      () => reduceLROnPlateau({ factor: 0 }),
      /reduceLROnPlateau: factor must be in \(0, 1\), got 0/,
    );
    assert.throws(
      () => reduceLROnPlateau({ patience: 1.5 }),
      /reduceLROnPlateau: patience must be an integer ≥ 0, got 1.5/,
    );
    assert.throws(
      () => reduceLROnPlateau({ cooldown: -1 }),
      /reduceLROnPlateau: cooldown must be an integer ≥ 0, got -1/,
    );
    assert.throws(
      () => reduceLROnPlateau({ minLr: -1 }),
      /reduceLROnPlateau: minLr must be a finite number ≥ 0, got -1/,
    );
    assert.throws(
      () => reduceLROnPlateau({ mode: 'minimum' as never }),
      /reduceLROnPlateau: mode must be one of 'auto', 'min', 'max'/,
    );
    assert.throws(
      () => reduceLROnPlateau({ minLR: 0 } as never),
      /reduceLROnPlateau: unknown option 'minLR' — did you mean 'minLr'\?/,
    );
    const cb = reduceLROnPlateau({ patience: 0 });
    cb.setModel(fakeModel(0.1, null));
    cb.onTrainBegin();
    assert.throws(
      () => cb.onEpochEnd(0, { loss: 1 }),
      /reduceLROnPlateau: 'val_loss' is not in the training logs \(available: loss\)\. Pass validationData/,
    );
    cb.onEpochEnd(0, { val_loss: 1 });
    assert.throws(
      () => cb.onEpochEnd(1, { val_loss: 1 }),
      /reduceLROnPlateau: the model has no optimizer; compile/,
    );
  });
});

describe('learningRateScheduler', () => {
  it('sets schedule(epoch, rate) at the start of each epoch', () => {
    const seen: Array<[number, number]> = [];
    const cb = learningRateScheduler((epoch, lr) => {
      seen.push([epoch, lr]);
      return epoch < 2 ? lr : lr * 0.5;
    });
    const sgd = new SGD({ learningRate: 0.1 });
    cb.setModel(fakeModel(0, sgd));
    for (let epoch = 0; epoch < 4; epoch++) cb.onEpochBegin(epoch);
    assertClose(cb.rates, [0.1, 0.1, 0.05, 0.025], 1e-12);
    assertClose(sgd.learningRate, 0.025, 1e-12);
    assertClose(seen.flat(), [0, 0.1, 1, 0.1, 2, 0.1, 3, 0.05], 1e-12);
    // Resumed at epoch 5 (initialEpoch): the schedule sees the epoch number, not a count from 0.
    const byEpoch = learningRateScheduler((epoch) => 1 / (epoch + 1));
    const model = fakeModel(1);
    byEpoch.setModel(model);
    byEpoch.onEpochBegin(5);
    assertClose(model.optimizer!.learningRate, 1 / 6, 1e-12);
  });

  it('refuses a schedule that is not a function or returns no usable rate', () => {
    assert.throws(
      () => learningRateScheduler(0.1 as never),
      /learningRateScheduler: schedule must be a function \(epoch, learningRate\) => learningRate, got 0.1/,
    );
    const bad = learningRateScheduler(() => Number.NaN);
    bad.setModel(fakeModel(0.1));
    assert.throws(
      () => bad.onEpochBegin(3),
      /learningRateScheduler: schedule\(3, 0.1\) must return a finite learning rate > 0 .*, got NaN/,
    );
    const zero = learningRateScheduler(() => 0);
    zero.setModel(fakeModel(0.1));
    assert.throws(
      () => zero.onEpochBegin(1),
      /schedule\(1, 0.1\) must return a finite learning rate > 0 \(optimisers refuse 0\), got 0/,
    );
    const text = learningRateScheduler((() => '0.1') as never);
    text.setModel(fakeModel(0.1));
    assert.throws(() => text.onEpochBegin(0), /got '0.1' \(a string\)/);
    const scheduled = learningRateScheduler((_, lr) => lr);
    scheduled.setModel(
      fakeModel(0, new SGD({ learningRate: stepDecay({ initialLearningRate: 0.1, stepSize: 10 }) })),
    );
    assert.throws(() => scheduled.onEpochBegin(0), /SGD: learningRate is set by its schedule stepDecay/);
  });
});

describe('terminateOnNaN', () => {
  it('flags itself for fit and stops training at the first non-finite batch loss', () => {
    const cb = terminateOnNaN();
    assert.equal(cb.stopsOnNonFiniteLoss, true);
    const model = fakeModel();
    cb.setModel(model);
    cb.onTrainBegin();
    cb.onEpochBegin(0);
    for (let batch = 0; batch < 3; batch++) cb.onBatchEnd(batch, { loss: 0.5, size: 8 });
    cb.onBatchEnd(3, { size: 8 } as Logs); // no loss logged: nothing to judge
    assert.equal(model.stopTraining, false);
    cb.onEpochBegin(1);
    cb.onBatchEnd(0, { loss: 1e30, size: 8 });
    cb.onBatchEnd(1, { loss: Number.POSITIVE_INFINITY, size: 8 });
    assert.equal(model.stopTraining, true);
    assert.deepEqual(cb.terminated, { epoch: 1, batch: 1, loss: Number.POSITIVE_INFINITY });
    cb.onBatchEnd(2, { loss: Number.NaN, size: 8 }); // the first one is kept
    assert.equal(cb.terminated?.batch, 1);
    const fresh = terminateOnNaN();
    const other = fakeModel();
    fresh.setModel(other);
    fresh.onBatchEnd(0, { loss: Number.NaN, size: 1 });
    assert.equal(other.stopTraining, true);
    assert.ok(Number.isNaN(fresh.terminated!.loss));
  });
});

describe('csvLogger', () => {
  const tmp = useTempDir('csv-logger');

  it('writes a sorted header from the first epoch and one flushed row per epoch, NA for missing keys', () => {
    const path = join(tmp.path, 'sub', 'log.csv');
    const cb = csvLogger(path);
    cb.onTrainBegin();
    cb.onEpochEnd(0, { val_loss: 0.75, loss: 0.5, accuracy: 0.875 });
    // Whole rows on disk as soon as the epoch ends (a crash now loses nothing written).
    assert.equal(readFileSync(path, 'utf8'), 'epoch,accuracy,loss,val_loss\n0,0.875,0.5,0.75\n');
    cb.onEpochEnd(1, { loss: 0.25, accuracy: 1, extra: 3 });
    assert.equal(readFileSync(path, 'utf8'), 'epoch,accuracy,loss,val_loss\n0,0.875,0.5,0.75\n1,1,0.25,NA\n');
    // Training again without append starts the file afresh.
    const again = csvLogger(path);
    again.onTrainBegin();
    assert.equal(readFileSync(path, 'utf8'), '');
    again.onEpochEnd(0, { loss: Number.NaN });
    assert.equal(readFileSync(path, 'utf8'), 'epoch,loss\n0,NaN\n');
  });

  it('appends under an existing header in its column order, with any separator, quoting as needed', () => {
    const path = join(tmp.path, 'resume.csv');
    writeFileSync(path, 'epoch;val_loss;loss\n0;0.9;0.8\n');
    const cb = csvLogger(path, { separator: ';', append: true });
    cb.onTrainBegin();
    cb.onEpochEnd(1, { loss: 0.5, val_loss: 0.6 });
    assert.equal(readFileSync(path, 'utf8'), 'epoch;val_loss;loss\n0;0.9;0.8\n1;0.6;0.5\n');
    // append to a file not there yet: a header first.
    const fresh = join(tmp.path, 'fresh.csv');
    const first = csvLogger(fresh, { separator: ';', append: true });
    first.onTrainBegin();
    first.onEpochEnd(0, { 'a;b': 1, 'say "hi"': 2 });
    assert.equal(readFileSync(fresh, 'utf8'), 'epoch;"a;b";"say ""hi"""\n0;1;2\n');
    // Its quoted header read back gives the same columns.
    const second = csvLogger(fresh, { separator: ';', append: true });
    second.onTrainBegin();
    second.onEpochEnd(1, { 'say "hi"': 4, 'a;b': 3 });
    assert.equal(readFileSync(fresh, 'utf8'), 'epoch;"a;b";"say ""hi"""\n0;1;2\n1;3;4\n');
  });

  it('refuses bad options naming csvLogger and the option', () => {
    assert.throws(() => csvLogger(''), /csvLogger: path must be a non-empty string, got '' \(a string\)/);
    assert.throws(
      () => csvLogger('x.csv', { separator: '' }),
      /csvLogger: separator must be a non-empty string/,
    );
    assert.throws(
      () => csvLogger('x.csv', { separator: '\n' }),
      /csvLogger: separator must not hold a quote or a line break/,
    );
    assert.throws(
      () => csvLogger('x.csv', { append: 'yes' as never }),
      /csvLogger: append must be true or false, got 'yes'/,
    );
    assert.throws(
      () => csvLogger('x.csv', { seperator: ';' } as never),
      /csvLogger: unknown option 'seperator' — did you mean 'separator'\?/,
    );
  });
});

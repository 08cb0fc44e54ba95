/** The text commands' options: `train text`, `train chars` and `sample` (wired up in index.ts). */
import type { Command } from 'commander';
import { number, positiveNumber } from './build.js';
import { delimiterOption } from './csv-options.js';
import { defaultRunDir } from './report.js';
import { runSettings } from './resume.js';
import { sampleCommand } from './sample.js';
import { TEXT_MODELS, type TextModelKind } from './text-models.js';
import { CHARS_DEFAULTS, trainChars } from './train-chars.js';
import { TEXT_DEFAULTS, trainText } from './train-text.js';

interface Helpers {
  /** A commander argument parser from a function that throws on a bad value. */
  parser: <T>(f: (s: string) => T) => (value: string) => T;
  /** The options typed on the command line (for --resume). */
  typedOptions: (command: Command) => string[];
}

const integer = (name: string, min: number) => (s: string) => {
  const n = number(name, min)(s);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number, got '${s}'`);
  return n;
};

function modelKind(s: string): TextModelKind {
  if (!(TEXT_MODELS as readonly string[]).includes(s))
    throw new Error(`--model must be ${TEXT_MODELS.join(', ')}; got '${s}'`);
  return s as TextModelKind;
}

export function registerTextCommands(
  train: Command,
  program: Command,
  { parser, typedOptions }: Helpers,
): void {
  train
    .command('text <file>')
    .description(
      'train a text classifier on a CSV: words → ids (vocabulary of --num-words), padded, Embedding → LSTM/GRU/Conv1D → softmax',
    )
    .requiredOption('--text <column>', 'the column holding the texts')
    .requiredOption('--target <column>', 'the column with the classes')
    .option('--model <kind>', 'lstm, gru or conv1d', parser(modelKind), TEXT_DEFAULTS.model)
    .option(
      '--max-len <n>',
      'words per text: longer texts keep their last words, shorter ones are padded (default: covers 95 % of the training texts)',
      parser(integer('--max-len', 1)),
    )
    .option(
      '--num-words <n>',
      'vocabulary size: ids for the n − 2 most frequent training words, the rest share one out-of-vocabulary id',
      parser(integer('--num-words', 3)),
      TEXT_DEFAULTS.numWords,
    )
    .option(
      '--embedding-dim <n>',
      'numbers per word',
      parser(integer('--embedding-dim', 1)),
      TEXT_DEFAULTS.embeddingDim,
    )
    .option(
      '--units <n>',
      'LSTM/GRU units or Conv1D filters',
      parser(integer('--units', 1)),
      TEXT_DEFAULTS.units,
    )
    .option(
      '--dropout <rate>',
      'dropout before the output layer',
      parser(number('--dropout', 0)),
      TEXT_DEFAULTS.dropout,
    )
    .option(
      '--optimizer <name>',
      'sgd, momentum, adagrad, rmsprop, adam, adamw (gradients clipped to norm 1)',
      'adam',
    )
    .option('--lr <rate>', 'learning rate', parser(number('--lr', 0)), TEXT_DEFAULTS.lr)
    .option('--batch <size>', 'mini-batch size', parser(integer('--batch', 1)), TEXT_DEFAULTS.batch)
    .option(
      '--epochs <n>',
      'most epochs (training stops earlier when the validation loss stops improving)',
      parser(integer('--epochs', 1)),
      TEXT_DEFAULTS.epochs,
    )
    .option(
      '--patience <n>',
      'epochs without a better validation loss before stopping',
      parser(integer('--patience', 1)),
      TEXT_DEFAULTS.patience,
    )
    .option(
      '--test-size <fraction>',
      'share of rows held out for testing',
      parser(number('--test-size', 0)),
      0.2,
    )
    .option('--delimiter <char>', 'field delimiter (default: detected)', parser(delimiterOption))
    .option('--seed <n>', 'random seed', parser(number('--seed')), 1)
    .option('--out <dir>', 'report folder (default: runs/text-<time>)')
    .option(
      '--resume <dir>',
      'continue a stopped run from its report folder (same settings, last epoch kept)',
    )
    .action(async (file: string, o, command: Command) => {
      const { resume, ...given } = o;
      const settings = { ...given, file, out: given.out ?? defaultRunDir('text') };
      await trainText(await runSettings('text', settings, resume, [...typedOptions(command), 'file']));
    });

  train
    .command('chars [file]')
    .description(
      'train a character-level language model (Embedding → LSTM → softmax over the characters) on a UTF-8 text file, or on English first names without one; reports validation nats per character and samples per epoch',
    )
    .option(
      '--seq-len <n>',
      'characters per training window',
      parser(integer('--seq-len', 2)),
      CHARS_DEFAULTS.seqLen,
    )
    .option('--units <n>', 'LSTM units', parser(integer('--units', 1)), CHARS_DEFAULTS.units)
    .option(
      '--embedding-dim <n>',
      'numbers per character',
      parser(integer('--embedding-dim', 1)),
      CHARS_DEFAULTS.embeddingDim,
    )
    .option(
      '--optimizer <name>',
      'sgd, momentum, adagrad, rmsprop, adam, adamw (gradients clipped to norm 1)',
      'adam',
    )
    .option('--lr <rate>', 'learning rate', parser(number('--lr', 0)), CHARS_DEFAULTS.lr)
    .option('--batch <size>', 'mini-batch size', parser(integer('--batch', 1)), CHARS_DEFAULTS.batch)
    .option('--epochs <n>', 'epochs', parser(integer('--epochs', 1)), CHARS_DEFAULTS.epochs)
    .option(
      '--samples <n>',
      'samples printed after each epoch',
      parser(integer('--samples', 0)),
      CHARS_DEFAULTS.samples,
    )
    .option(
      '--sample-length <n>',
      'characters per sample',
      parser(integer('--sample-length', 1)),
      CHARS_DEFAULTS.sampleLength,
    )
    .option(
      '--temperature <t>',
      'sampling temperature',
      parser(positiveNumber('--temperature')),
      CHARS_DEFAULTS.temperature,
    )
    .option('--seed <n>', 'random seed', parser(number('--seed')), 1)
    .option('--out <dir>', 'report folder (default: runs/chars-<time>)')
    .option(
      '--resume <dir>',
      'continue a stopped run from its report folder (same settings, last epoch kept)',
    )
    .action(async (file: string | undefined, o, command: Command) => {
      const { resume, ...given } = o;
      const settings = {
        ...given,
        ...(file !== undefined && { file }),
        out: given.out ?? defaultRunDir('chars'),
      };
      const explicit = [...typedOptions(command), ...(file !== undefined ? ['file'] : [])];
      await trainChars(await runSettings('chars', settings, resume, explicit));
    });

  program
    .command('sample <model>')
    .description('generate text with a character model written by `backprop train chars`')
    .option('--length <n>', 'characters to generate', parser(integer('--length', 1)), 200)
    .option(
      '--temperature <t>',
      'below 1: likelier characters, more often; above 1: more surprising ones',
      parser(positiveNumber('--temperature')),
      0.8,
    )
    .option('--prime <text>', 'text to continue (default: the start of a new line)')
    .option('--seed <n>', 'random seed (default: a new sample every run)', parser(integer('--seed', 0)))
    .action(async (model: string, o) => {
      await sampleCommand(model, o);
    });
}

/**
 * `backprop train chars [FILE.txt]`: a character-level language model (Embedding → LSTM → softmax
 * over the characters at every step), trained to predict each next character of windows of
 * `seqLen` characters. Reports the validation loss in nats per character (the mean −ln p of the
 * true next character; bits = nats / ln 2) and prints samples after every epoch. Without a file it
 * learns English first names (the @stdlib name-list packages). `backprop sample` generates from
 * the saved model.
 */
import { join } from 'node:path';
import { CharTokenizer } from '../data/text/char-tokenizer.js';
import { ArgumentError } from '../errors.js';
import { writeFileAtomic } from '../node/file-io.js';
import { type Model, manualSeed, Rng, type Tensor, tensor } from '../node/index.js';
import { historyChart } from '../plot/specs.js';
import { type CharCorpus, readCorpus } from './char-corpus.js';
import { sampleText } from './char-sample.js';
import { addHeadline, addPlot, finishReport, startReport } from './report.js';
import { resumable } from './resume.js';
import { buildCharModel, textOptimizer } from './text-models.js';
import type { CharPreprocessing } from './text-preprocessing.js';

export interface TrainCharsOptions {
  /** A UTF-8 text file; none: the English first-name lists. */
  file?: string;
  seqLen: number;
  units: number;
  embeddingDim: number;
  optimizer: string;
  lr?: number;
  batch: number;
  epochs: number;
  /** Samples printed after each epoch, and their length in characters. */
  samples: number;
  sampleLength: number;
  temperature: number;
  seed: number;
  out: string;
}

export const CHARS_DEFAULTS = {
  seqLen: 32,
  units: 128,
  embeddingDim: 32,
  batch: 64,
  epochs: 10,
  lr: 0.003,
  samples: 3,
  sampleLength: 120,
  temperature: 0.8,
};

/**
 * Windows of seqLen + 1 ids, `stride` apart: inputs are the first seqLen, targets the last seqLen
 * (each character's next one).
 */
export function charWindows(
  ids: readonly number[],
  seqLen: number,
  stride: number,
): { x: Tensor; y: Tensor } {
  const n = ids.length > seqLen ? Math.floor((ids.length - seqLen - 1) / stride) + 1 : 0;
  if (n === 0)
    throw new ArgumentError(
      `the text has ${ids.length} characters, too few for windows of --seq-len ${seqLen}`,
    );
  const x = new Float32Array(n * seqLen);
  const y = new Float32Array(n * seqLen);
  for (let w = 0; w < n; w++)
    for (let t = 0; t < seqLen; t++) {
      x[w * seqLen + t] = ids[w * stride + t]!;
      y[w * seqLen + t] = ids[w * stride + t + 1]!;
    }
  return { x: tensor(x, { shape: [n, seqLen] }), y: tensor(y, { shape: [n, seqLen] }) };
}

/**
 * The mean −ln p of each true next character over the windows: measured from the predictions, so
 * it is per character whether the engine's loss averages a window's steps or sums them.
 */
export function natsPerChar(model: Model, x: Tensor, y: Tensor): number {
  const p = (model.predict(x, { batchSize: 256 }) as Tensor).dataSync();
  const targets = y.dataSync();
  const v = p.length / targets.length;
  let total = 0;
  for (let i = 0; i < targets.length; i++) total -= Math.log(Math.max(p[i * v + targets[i]!]!, 1e-7));
  return total / targets.length;
}

/** A sample as one printable line: a name list as names separated by commas. */
function shown(sample: string, corpus: CharCorpus): string {
  return corpus.lines
    ? sample
        .split('\n')
        .filter((s) => s !== '')
        .join(', ')
    : JSON.stringify(sample);
}

export async function trainChars(o: TrainCharsOptions): Promise<{ validationNats: number; dir: string }> {
  const started = performance.now();
  if (!(o.temperature > 0))
    throw new ArgumentError(`--temperature must be a number > 0, got ${o.temperature}`);
  const corpus = await readCorpus(o.file, o.seed, o.seqLen);
  // Every character of the corpus gets an id (a validation-only character would otherwise be
  // unpredictable by construction); counts, hence the order of ids, come from both parts.
  const tokenizer = new CharTokenizer().fitOnTexts([corpus.train, corpus.validation]);
  const [trainIds, validationIds] = tokenizer.textsToSequences([corpus.train, corpus.validation]) as [
    number[],
    number[],
  ];
  const train = charWindows(trainIds, o.seqLen, Math.max(1, Math.floor(o.seqLen / 2)));
  const validation = charWindows(validationIds, o.seqLen, o.seqLen);
  const vocabulary = tokenizer.wordIndex.size;
  console.log(
    `${corpus.source}: ${trainIds.length.toLocaleString('en-US')} training / ${validationIds.length.toLocaleString('en-US')} validation characters, ${vocabulary} distinct`,
  );
  console.log(
    `Windows of ${o.seqLen} characters: ${train.x.shape[0]} for training (half-overlapping), ${validation.x.shape[0]} for validation; the loss is nats per character`,
  );

  manualSeed(o.seed);
  const model = buildCharModel({
    vocabularySize: tokenizer.vocabularySize,
    embeddingDim: o.embeddingDim,
    units: o.units,
  });
  model.compile({ optimizer: textOptimizer(o.optimizer, o.lr), loss: 'sparseCategoricalCrossentropy' });
  model.summary();
  const report = await startReport(o.out, `Character model: ${corpus.source}`);
  const sampleRng = new Rng(o.seed);
  const samplesByEpoch: string[] = [];
  const perChar = { loss: [] as number[], val_loss: [] as number[] };
  const sampleOptions = {
    seqLen: o.seqLen,
    length: o.sampleLength,
    temperature: o.temperature,
    prime: corpus.start,
    count: o.samples,
  };
  const history = await model.fit(train.x, train.y, {
    batchSize: o.batch,
    epochs: o.epochs,
    seed: o.seed,
    validationData: [validation.x, validation.y],
    callbacks: [
      ...resumable(o.out),
      {
        onEpochEnd: (epoch, logs) => {
          const nats = natsPerChar(model, validation.x, validation.y);
          // The engine's loss of a window: the mean over its steps (Keras) or their sum; the
          // training curve is shown per character either way.
          const steps = Math.round((logs?.val_loss ?? nats) / nats) === o.seqLen ? o.seqLen : 1;
          perChar.loss.push((logs?.loss ?? Number.NaN) / steps);
          perChar.val_loss.push(nats);
          console.log(
            `epoch ${epoch + 1}: validation ${nats.toFixed(4)} nats/char (${(nats / Math.LN2).toFixed(3)} bits/char, perplexity ${Math.exp(nats).toFixed(2)})`,
          );
          if (o.samples === 0) return;
          const samples = sampleText(model, tokenizer, { ...sampleOptions, rng: sampleRng });
          for (const s of samples) console.log(`  ${shown(s, corpus)}`);
          samplesByEpoch.push(
            `epoch ${epoch + 1} (${nats.toFixed(3)} nats/char):\n${samples.map((s) => `  ${shown(s, corpus)}`).join('\n')}`,
          );
        },
      },
    ],
  });
  const validationNats = natsPerChar(model, validation.x, validation.y);
  const prep: CharPreprocessing = {
    kind: 'chars',
    tokenizer: tokenizer.toJSON(),
    seqLen: o.seqLen,
    source: corpus.source,
    start: corpus.start,
  };
  const modelDir = join(o.out, 'model');
  await model.save(modelDir);
  await writeFileAtomic(join(modelDir, 'preprocessing.json'), `${JSON.stringify(prep, null, 2)}\n`);

  addHeadline(report, { label: 'Validation loss (nats/char)', value: validationNats, format: 'number' });
  addHeadline(report, { label: 'bits/char', value: validationNats / Math.LN2, format: 'number' });
  addHeadline(report, { label: 'perplexity', value: Math.exp(validationNats), format: 'number' });
  await addPlot(
    report,
    'loss',
    historyChart(perChar, 'loss'),
    'Loss per epoch in nats per character, training vs validation',
  );
  if (samplesByEpoch.length > 0)
    report.tables.push({
      title: `Samples (temperature ${o.temperature})`,
      text: samplesByEpoch.join('\n\n'),
    });
  const html = await finishReport(report, {
    source: corpus.source,
    validationNatsPerChar: validationNats,
    validationBitsPerChar: validationNats / Math.LN2,
    trainCharacters: trainIds.length,
    validationCharacters: validationIds.length,
    vocabulary,
    settings: o,
    history: { ...history.history, natsPerChar: perChar.loss, val_natsPerChar: perChar.val_loss },
    samples: samplesByEpoch,
    seconds: (performance.now() - started) / 1000,
  });
  console.log(
    `\nValidation loss: ${validationNats.toFixed(4)} nats/char (${(validationNats / Math.LN2).toFixed(3)} bits/char)`,
  );
  console.log(`Model: ${modelDir} (with preprocessing.json: the characters)\nReport: ${html}`);
  console.log(`Generate: backprop sample ${modelDir} --length 200 --temperature 0.8`);
  return { validationNats, dir: o.out };
}

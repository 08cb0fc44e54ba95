/**
 * Sequence classification: the sentiment of short reviews whose words alone do not decide it —
 * "the room was great, but the staff was rude" is negative, "although the staff was rude, the room
 * was great" positive, "not bad" positive (examples/reviews-data.ts generates them; the same
 * table as examples/reviews.csv). Words → ids with a WordTokenizer, padded with padSequences,
 * then Embedding({ maskZero }) → LSTM → softmax, against a bag-of-words network that sees which
 * words occur but not in which order.
 *
 *   npx tsx examples/sequence-classification.ts          options: --epochs 20 --units 32 --seed 1
 */
import {
  Dense,
  Embedding,
  LSTM,
  manualSeed,
  padSequences,
  Sequential,
  tensor,
  WordTokenizer,
} from 'backprop-js';
import { arg } from './args.js';
import { generateReviews } from './reviews-data.js';

const epochs = arg('epochs', 20);
const units = arg('units', 32);
const seed = arg('seed', 1);

const reviews = generateReviews(2000, seed);
const nTrain = 1600;
const texts = reviews.map((r) => r.text);
const labels = tensor(reviews.map((r) => (r.sentiment === 'positive' ? 1 : 0)));
const [yTrain, yTest] = [labels.slice([0], [nTrain]), labels.slice([nTrain], [reviews.length - nTrain])];

// The vocabulary from the training texts only; an unseen word becomes <OOV> (id 1), padding is 0.
const tokenizer = new WordTokenizer({ numWords: 1000, oovToken: '<OOV>' }).fitOnTexts(texts.slice(0, nTrain));
const sequences = tokenizer.textsToSequences(texts);
const maxLen = 16;
const x = padSequences(sequences, { maxLen }); // [2000, 16], zeros first ('pre', as Keras)
const [xTrain, xTest] = [
  x.slice([0, 0], [nTrain, maxLen]),
  x.slice([nTrain, 0], [reviews.length - nTrain, maxLen]),
];
console.log(
  `${reviews.length} reviews (${nTrain} train / ${reviews.length - nTrain} test), ${tokenizer.vocabularySize} ids, ${maxLen} per review`,
);
console.log(`  "${texts[0]}" → [${sequences[0]!.join(', ')}]`);

manualSeed(seed);
const lstm = new Sequential({
  layers: [
    new Embedding({
      inputDim: tokenizer.vocabularySize,
      outputDim: 32,
      maskZero: true,
      inputShape: [maxLen],
    }),
    new LSTM({ units }),
    new Dense({ units: 2, activation: 'softmax' }),
  ],
});
lstm.compile({
  optimizer: { className: 'adam', config: { clipNorm: 1 } },
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
});
let started = performance.now();
await lstm.fit(xTrain, yTrain, { epochs, batchSize: 32, seed, verbose: 0 });
const lstmSeconds = (performance.now() - started) / 1000;
const lstmAccuracy = lstm.evaluate(xTest, yTest).accuracy!;

// The same words without their order: a 0/1 vector of which vocabulary words occur.
const v = tokenizer.vocabularySize;
const bag = new Float32Array(reviews.length * v);
sequences.forEach((ids, i) => {
  for (const id of ids) bag[i * v + id] = 1;
});
const xBag = tensor(bag, { shape: [reviews.length, v] });
manualSeed(seed);
const bagModel = new Sequential({
  layers: [
    new Dense({ units: 64, activation: 'relu', inputShape: [v] }),
    new Dense({ units: 2, activation: 'softmax' }),
  ],
});
bagModel.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
started = performance.now();
await bagModel.fit(xBag.slice([0, 0], [nTrain, v]), yTrain, {
  epochs: epochs * 2,
  batchSize: 32,
  seed,
  verbose: 0,
});
const bagSeconds = (performance.now() - started) / 1000;
const bagAccuracy = bagModel.evaluate(xBag.slice([nTrain, 0], [reviews.length - nTrain, v]), yTest).accuracy!;

console.log(
  `LSTM(${units}) test accuracy: ${(lstmAccuracy * 100).toFixed(2)} % (${epochs} epochs, ${lstmSeconds.toFixed(1)} s)`,
);
console.log(
  `bag of words test accuracy: ${(bagAccuracy * 100).toFixed(2)} % (dense 64, ${epochs * 2} epochs, ${bagSeconds.toFixed(1)} s)`,
);

const mine = [
  'The food was not bad.',
  'The room was great, but the staff was rude.',
  'Although the staff was rude, the room was great.',
  'The coffee was never really good.',
];
const p = lstm.predict(padSequences(tokenizer.textsToSequences(mine), { maxLen })).toArray() as number[][];
mine.forEach((text, i) => {
  console.log(`  ${p[i]![1]! > 0.5 ? 'positive' : 'negative'} (${p[i]![1]!.toFixed(3)})  ${text}`);
});

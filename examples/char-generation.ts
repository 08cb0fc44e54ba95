/**
 * Character-level generation: an LSTM learns English first names (the 8,422 distinct names of
 * the @stdlib female and male name lists, one per line) one character at a time, then makes up new
 * ones. The model reads windows of 32 characters and predicts each next one (Embedding → LSTM(128)
 * → softmax over the 54 characters); its validation loss is in nats per character. Names are drawn
 * by sampling a character at a time from the predicted distribution, sharpened by a temperature,
 * until the newline that ends a name. The same as `npx backprop train chars`, written out.
 *
 *   npx tsx examples/char-generation.ts          options: --epochs 10 --units 128 --seed 1
 */
import {
  CharTokenizer,
  Dense,
  Embedding,
  input,
  LSTM,
  loadFirstNames,
  Model,
  manualSeed,
  Rng,
  tensor,
} from 'backprop-js';
import { arg } from './args.js';

const epochs = arg('epochs', 10);
const units = arg('units', 128);
const seed = arg('seed', 1);
const SEQ_LEN = 32;

// A random tenth of the names validates; the rest train. One text per part, a name per line.
const names = await loadFirstNames();
const order = new Rng(seed).permutation(names.length);
const shuffled = Array.from(order, (i) => names[i]!);
const nValidation = Math.round(names.length / 10);
const asText = (list: string[]) => `\n${list.join('\n')}\n`;
const trainText = asText(shuffled.slice(nValidation));
const validationText = asText(shuffled.slice(0, nValidation));
const tokenizer = new CharTokenizer().fitOnTexts([trainText, validationText]);
const [trainIds, validationIds] = tokenizer.textsToSequences([trainText, validationText]) as [
  number[],
  number[],
];

/** Windows of SEQ_LEN ids `stride` apart, and the same shifted by one: each position's next character. */
function windows(ids: number[], stride: number) {
  const n = Math.floor((ids.length - SEQ_LEN - 1) / stride) + 1;
  const x = new Float32Array(n * SEQ_LEN);
  const y = new Float32Array(n * SEQ_LEN);
  for (let w = 0; w < n; w++) {
    x.set(ids.slice(w * stride, w * stride + SEQ_LEN), w * SEQ_LEN);
    y.set(ids.slice(w * stride + 1, w * stride + SEQ_LEN + 1), w * SEQ_LEN);
  }
  return { x: tensor(x, { shape: [n, SEQ_LEN] }), y: tensor(y, { shape: [n, SEQ_LEN] }) };
}
const train = windows(trainIds, SEQ_LEN / 2);
const validation = windows(validationIds, SEQ_LEN);
console.log(
  `${names.length} names: ${trainIds.length} training / ${validationIds.length} validation characters, ${tokenizer.wordIndex.size} distinct`,
);

// Functional, with the time axis open: trained on 32-character windows, it generates from shorter ones.
manualSeed(seed);
const chars = input({ shape: [null] });
const hidden = new LSTM({ units, returnSequences: true }).apply(
  new Embedding({ inputDim: tokenizer.vocabularySize, outputDim: 32 }).apply(chars),
);
const model = new Model({
  inputs: chars,
  outputs: new Dense({ units: tokenizer.vocabularySize, activation: 'softmax' }).apply(hidden),
});
model.compile({
  optimizer: { className: 'adam', config: { learningRate: 0.003, clipNorm: 1 } },
  loss: 'sparseCategoricalCrossentropy',
});

/** Mean −ln p(next character) over every validation position. */
function natsPerChar(): number {
  const p = (model.predict(validation.x, { batchSize: 256 }) as ReturnType<typeof tensor>).dataSync();
  const y = validation.y.dataSync();
  const v = p.length / y.length;
  let total = 0;
  for (let i = 0; i < y.length; i++) total -= Math.log(Math.max(p[i * v + y[i]!]!, 1e-7));
  return total / y.length;
}

const rng = new Rng(seed);
const newline = tokenizer.wordIndex.get('\n')!;
/** One name: characters drawn from p^(1/T) after a newline, until the next newline. */
function sampleName(temperature: number): string {
  const ids = [newline];
  while (ids.length < 30) {
    const context = ids.slice(-SEQ_LEN);
    const p = (model.predict(tensor([context])) as ReturnType<typeof tensor>).dataSync();
    const v = tokenizer.vocabularySize;
    const last = p.subarray((context.length - 1) * v, context.length * v);
    const w = Array.from(last, (q, i) => (i === 0 ? 0 : q ** (1 / temperature)));
    let u = rng.uniform() * w.reduce((a, b) => a + b, 0);
    let next = 1;
    for (let i = 1; i < v && u > 0; i++) {
      u -= w[i]!;
      next = i;
    }
    if (next === newline) break;
    ids.push(next);
  }
  return tokenizer.sequencesToTexts([ids.slice(1)])[0]!;
}

const started = performance.now();
await model.fit(train.x, train.y, {
  epochs,
  batchSize: 64,
  seed,
  verbose: 0,
  callbacks: [
    {
      onEpochEnd: (epoch) => {
        const few = Array.from({ length: 8 }, () => sampleName(0.8));
        console.log(
          `epoch ${epoch + 1}: validation ${natsPerChar().toFixed(4)} nats/char · ${few.join(', ')}`,
        );
      },
    },
  ],
});
const seconds = (performance.now() - started) / 1000;
const nats = natsPerChar();
console.log(
  `validation loss ${nats.toFixed(4)} nats/char (${(nats / Math.LN2).toFixed(3)} bits/char) after ${epochs} epochs, ${seconds.toFixed(1)} s`,
);
const known = new Set(names.map((n) => n.toLowerCase()));
for (const temperature of [0.5, 0.8, 1.0]) {
  const drawn = Array.from({ length: 200 }, () => sampleName(temperature)).filter((n) => n !== '');
  const novel = drawn.filter((n) => !known.has(n.toLowerCase())).length;
  console.log(
    `temperature ${temperature}: ${drawn.slice(0, 10).join(', ')} — ${drawn.length} names drawn, ${((100 * novel) / drawn.length).toFixed(0)} % not in the lists`,
  );
}

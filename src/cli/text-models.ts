/**
 * The networks the text commands train. Recurrent training gets clipNorm 1 by default (every
 * gradient scaled down together when their global norm passes 1): one long sequence with a large
 * error can otherwise blow the recurrent weights up in a single step (Pascanu et al., 2013).
 */
import {
  Conv1D,
  Dense,
  Dropout,
  Embedding,
  Flatten,
  GRU,
  getOptimizer,
  input,
  LSTM,
  Model,
  type Optimizer,
  Sequential,
} from '../node/index.js';

export const TEXT_MODELS = ['lstm', 'gru', 'conv1d'] as const;
export type TextModelKind = (typeof TEXT_MODELS)[number];

/** Global gradient-norm clipping for recurrent training. */
export const CLIP_NORM = 1;

export function textOptimizer(name: string, learningRate: number | undefined): Optimizer {
  return getOptimizer({
    className: name,
    config: { clipNorm: CLIP_NORM, ...(learningRate !== undefined && { learningRate }) },
  });
}

/**
 * A text classifier: word ids [batch, maxLen] → Embedding → LSTM / GRU (reading only the real
 * words: the Embedding masks the padding id 0) or Conv1D (relu, windows of 5 words) + Flatten →
 * dropout → softmax over the classes.
 */
export function buildTextClassifier(o: {
  kind: TextModelKind;
  vocabularySize: number;
  maxLen: number;
  embeddingDim: number;
  units: number;
  dropout: number;
  classes: number;
}): Sequential {
  const model = new Sequential({ name: `text_${o.kind}` });
  const recurrent = o.kind !== 'conv1d';
  model.add(
    new Embedding({
      inputDim: o.vocabularySize,
      outputDim: o.embeddingDim,
      maskZero: recurrent,
      inputShape: [o.maxLen],
    }),
  );
  if (o.kind === 'lstm') model.add(new LSTM({ units: o.units }));
  else if (o.kind === 'gru') model.add(new GRU({ units: o.units }));
  else {
    model.add(
      new Conv1D({
        filters: o.units,
        kernelSize: Math.min(5, o.maxLen),
        padding: 'same',
        activation: 'relu',
      }),
    );
    model.add(new Flatten());
  }
  if (o.dropout > 0) model.add(new Dropout({ rate: o.dropout }));
  model.add(new Dense({ units: o.classes, activation: 'softmax' }));
  return model;
}

/**
 * A character language model: ids [batch, time] → Embedding → LSTM (an output per step) → softmax
 * over the vocabulary at every step, trained to predict each next character. Functional, with the
 * time axis left open (null): it trains on windows of seqLen characters and generates from a
 * context of any length up to that (a short prime is read as it is, not padded with characters it
 * never saw in that place).
 */
export function buildCharModel(o: { vocabularySize: number; embeddingDim: number; units: number }): Model {
  const chars = input({ shape: [null], name: 'chars' });
  const embedded = new Embedding({ inputDim: o.vocabularySize, outputDim: o.embeddingDim }).apply(chars);
  const states = new LSTM({ units: o.units, returnSequences: true }).apply(embedded);
  const next = new Dense({ units: o.vocabularySize, activation: 'softmax', name: 'next_char' }).apply(states);
  return new Model({ inputs: chars, outputs: next, name: 'char_lstm' });
}

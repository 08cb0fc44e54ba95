/**
 * `backprop predict MNIST-MODEL IMAGE…`: every readable image gets its digit; every file that
 * cannot be read is reported on stderr with what is wrong, in input order, and the others are
 * still predicted. Returns how many files failed (the command exits non-zero if any did).
 */
import { type GreyImage, NotAnImageError, readImage, toMnistForm } from '../node/image.js';
import { type Model, Sequential, type Tensor, tensor } from '../node/index.js';
import { MNIST_INPUTS } from './input-kind.js';

export interface ImageModelPreprocessing {
  kind: 'mnist';
  width: number;
  height: number;
  binarize: boolean;
  /**
   * What the model outputs (`backprop import` finds it out; absent: probabilities): a PyTorch
   * network often ends in LogSoftmax, or in a Linear layer whose logits its loss softmaxes.
   */
  output?: ModelScores;
}

export type ModelScores = 'probabilities' | 'logProbabilities' | 'logits';

/** Rows of class scores → probabilities, in place. */
export function toProbabilities(
  scores: Float32Array,
  classes: number,
  kind: ModelScores = 'probabilities',
): Float32Array {
  if (kind === 'probabilities') return scores;
  for (let r = 0; r < scores.length; r += classes) {
    const row = scores.subarray(r, r + classes);
    if (kind === 'logProbabilities') {
      for (let i = 0; i < classes; i++) row[i] = Math.exp(row[i]!);
      continue;
    }
    const max = Math.max(...row);
    let sum = 0;
    for (let i = 0; i < classes; i++) sum += row[i] = Math.exp(row[i]! - max);
    for (let i = 0; i < classes; i++) row[i]! /= sum;
  }
  return scores;
}

/** Images per forward pass: bounds memory when thousands of files are given at once. */
const BATCH = 512;

type Outcome = { file: string; image: GreyImage } | { file: string; error: string };

export async function predictImages(
  model: Sequential | Model,
  prep: ImageModelPreprocessing,
  inputs: string[],
): Promise<number> {
  let failures = 0;
  for (let start = 0; start < inputs.length; start += BATCH) {
    const outcomes = await Promise.all(inputs.slice(start, start + BATCH).map(readOne));
    const readable = outcomes.filter((o): o is { file: string; image: GreyImage } => 'image' in o);
    const probs =
      readable.length > 0
        ? classify(
            model,
            prep,
            readable.map((o) => o.image),
          )
        : null;
    let k = 0;
    for (const o of outcomes) {
      if ('error' in o) {
        failures++;
        console.error(`backprop: ${o.error}`);
        continue;
      }
      const p = probs!.subarray(k * 10, (k + 1) * 10);
      k++;
      const digit = p.indexOf(Math.max(...p));
      console.log(`${o.file}: ${digit} (p = ${p[digit]!.toFixed(3)})`);
    }
  }
  return failures;
}

async function readOne(file: string): Promise<Outcome> {
  try {
    return { file, image: await readImage(file) };
  } catch (e) {
    if (e instanceof NotAnImageError && e.kind === 'text')
      return { file, error: `${e.message}: ${MNIST_INPUTS}` };
    return { file, error: (e as Error).message };
  }
}

/** The per-sample shape (no batch axis) of a model's first input. */
export function sampleShapeOf(model: Sequential | Model): readonly (number | null)[] {
  return model instanceof Sequential ? model.inputShape : model.inputs[0]!.shape.slice(1);
}

/**
 * Flat images [n, width·height] in the layout the model takes: `backprop train` models take them
 * flat, an imported one (`backprop import`) may take [n, 1, 28, 28] (PyTorch) or [n, 28, 28, 1].
 */
export function imagesForModel(model: Sequential | Model, x: Tensor): Tensor {
  const sample = sampleShapeOf(model);
  if (sample.length === 1 || sample.some((d) => d === null)) return x;
  return x.reshape([x.shape[0]!, ...(sample as number[])]);
}

function classify(
  model: Sequential | Model,
  prep: ImageModelPreprocessing,
  images: GreyImage[],
): Float32Array {
  const size = prep.width * prep.height;
  const x = new Float32Array(images.length * size);
  images.forEach((img, i) => {
    const pixels = toMnistForm(img, prep.width, prep.height);
    for (let j = 0; j < size; j++) x[i * size + j] = prep.binarize ? (pixels[j]! >= 0.5 ? 1 : 0) : pixels[j]!;
  });
  const y = model.predict(imagesForModel(model, tensor(x, { shape: [images.length, size] })));
  return toProbabilities(Float32Array.from((Array.isArray(y) ? y[0]! : y).dataSync()), 10, prep.output);
}

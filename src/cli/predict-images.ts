/**
 * `backprop predict MNIST-MODEL IMAGE…`: every readable image gets its digit; every file that
 * cannot be read is reported on stderr with what is wrong, in input order, and the others are
 * still predicted. Returns how many files failed (the command exits non-zero if any did).
 */
import { type GreyImage, NotAnImageError, readImage, toMnistForm } from '../node/image.js';
import { type Sequential, tensor } from '../node/index.js';
import { MNIST_INPUTS } from './input-kind.js';

export interface ImageModelPreprocessing {
  kind: 'mnist';
  width: number;
  height: number;
  binarize: boolean;
}

/** Images per forward pass: bounds memory when thousands of files are given at once. */
const BATCH = 512;

type Outcome = { file: string; image: GreyImage } | { file: string; error: string };

export async function predictImages(
  model: Sequential,
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

function classify(model: Sequential, prep: ImageModelPreprocessing, images: GreyImage[]): Float32Array {
  const size = prep.width * prep.height;
  const x = new Float32Array(images.length * size);
  images.forEach((img, i) => {
    const pixels = toMnistForm(img, prep.width, prep.height);
    for (let j = 0; j < size; j++) x[i * size + j] = prep.binarize ? (pixels[j]! >= 0.5 ? 1 : 0) : pixels[j]!;
  });
  return Float32Array.from(model.predict(tensor(x, { shape: [images.length, size] })).dataSync());
}

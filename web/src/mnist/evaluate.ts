/** Test-set loss, accuracy, confusion matrix and some misclassified digits, after each epoch. */
import * as bp from 'backprop-js';
import { PIXELS, type Split } from './data.js';
import { asInput } from './models.js';
import type { Misclassified } from './protocol.js';

export function evaluate(
  model: bp.Sequential,
  split: Split,
): { testLoss: number; testAccuracy: number; confusion: number[]; misclassified: Misclassified[] } {
  const pixels = Float32Array.from(split.images, (v) => v / 255);
  const probabilities = bp.stepScope(() =>
    model.predict(asInput(model, pixels), { batchSize: 500 }).dataSync(),
  );
  const confusion = new Array<number>(100).fill(0);
  const misclassified: Misclassified[] = [];
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < split.count; i++) {
    const row = probabilities.subarray(i * 10, i * 10 + 10);
    let predicted = 0;
    for (let c = 1; c < 10; c++) if (row[c]! > row[predicted]!) predicted = c;
    const label = split.labels[i]!;
    loss -= Math.log(Math.max(row[label]!, 1e-7));
    confusion[label * 10 + predicted]!++;
    if (predicted === label) correct++;
    else if (misclassified.length < 24)
      misclassified.push({ pixels: split.images.slice(i * PIXELS, (i + 1) * PIXELS), label, predicted });
  }
  return { testLoss: loss / split.count, testAccuracy: correct / split.count, confusion, misclassified };
}

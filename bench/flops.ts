/**
 * The dense arithmetic of a workload, counted from its layers: multiply-adds per sample of every
 * Dense, Conv2D and LSTM layer, for inference and for a training step. The bench divides FLOPs
 * (2 per multiply-add) by each library's time to show the GFLOP/s it reached, beside the speed of
 * backprop's dense product on this machine: a library above that line can only be matched by
 * doing less arithmetic (skipping zeros), not by a better kernel.
 */
import { Conv2D, Dense, LSTM, type Sequential } from '../src/node/index.js';

export interface MultiplyAdds {
  /** One sample through the model. */
  inference: number;
  /**
   * One sample of a training step: the forward pass, every weight gradient (as many multiply-adds
   * as the forward product), and the gradient of every layer's input except the first weighted
   * layer's (the data needs none) — the recurrent part of an LSTM always, as it is its own input.
   */
  training: number;
}

export function multiplyAdds(model: Sequential): MultiplyAdds {
  let inference = 0;
  let training = 0;
  let first = true;
  for (const layer of model.layers) {
    // Weights by their Keras names (an LSTM's sit in its cell): 'kernel', 'recurrent_kernel'.
    const size = (name: string) => layer.weights.find((w) => w.name.endsWith(`/${name}`))!.tensor.size;
    let input = 0;
    let recurrent = 0;
    if (layer instanceof Dense) {
      // Per sample: every leading axis but the features is a row of the product.
      input = size('kernel') * layer.inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
    } else if (layer instanceof Conv2D) {
      const [h, w] = layer.outputShape;
      input = h! * w! * size('kernel');
    } else if (layer instanceof LSTM) {
      const steps = layer.inputShape[0]!;
      input = steps * size('kernel');
      recurrent = steps * size('recurrent_kernel');
    } else {
      continue;
    }
    inference += input + recurrent;
    training += (first ? 2 : 3) * input + 3 * recurrent;
    first = false;
  }
  return { inference, training };
}

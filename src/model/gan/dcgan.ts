/**
 * DCGAN-style generator and discriminator (Radford et al. 2015, as the TensorFlow DCGAN tutorial
 * sizes them for MNIST), optionally conditional on a class label:
 *
 *   generator      noise [latentDim] (+ label embedding) → Dense → BN → ReLU → [h/4, w/4, f0]
 *                  → Conv2DTranspose(f1, stride 2) → BN → ReLU → UpSampling2D → Conv2D(c)
 *                  → sigmoid (pixels in [0, 1]) or tanh ([−1, 1])
 *   discriminator  image (+ the label as an extra channel) → Conv2D(d0, stride 2) → LeakyReLU(0.2)
 *                  → Dropout → Conv2D(d1, stride 2) → LeakyReLU(0.2) → Dropout → Flatten
 *                  (+ features × the label's projection vector) → Dense(1, sigmoid): P(real)
 *
 * Labels are integer class ids in a [n, 1] tensor. The discriminator sees the label twice: as a
 * learned 28×28 map next to the pixels (its filters can look for the strokes of that digit) and
 * as a projection of its features at the end (Miyato & Koyama 2018), which gives the label a
 * short, multiplicative path to the verdict.
 */
import { checkOptions, describeValue } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import { Activation } from '../../nn/activation.js';
import { BatchNormalization } from '../../nn/batch-norm.js';
import { Conv2D } from '../../nn/conv2d.js';
import { Conv2DTranspose } from '../../nn/conv2d-transpose.js';
import { Dense } from '../../nn/dense.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { Flatten } from '../../nn/flatten.js';
import { LeakyReLU } from '../../nn/leaky-relu.js';
import { Concatenate, Multiply } from '../../nn/merge/index.js';
import { Reshape } from '../../nn/reshape.js';
import type { SymbolicTensor } from '../../nn/symbolic-tensor.js';
import { UpSampling2D } from '../../nn/up-sampling.js';
import { input } from '../functional/input.js';
import { Model } from '../functional/model.js';

export interface DcganOptions {
  /** Size of the noise vector (default 64). */
  latentDim?: number;
  /** Number of classes for a conditional GAN (labels in, [n, 1] integer ids); default none. */
  classes?: number;
  /** Image shape [height, width, channels], height and width divisible by 4 (default [28, 28, 1]). */
  imageShape?: readonly [number, number, number];
  /** The generator's channels at 1/4 and 1/2 of the image size (default [64, 32]). */
  generatorFilters?: readonly [number, number];
  /** The discriminator's channels after its first and second strided convolution (default [32, 64]). */
  discriminatorFilters?: readonly [number, number];
  /** Kernel size of every (transposed) convolution (default 4: a multiple of the stride, no checkerboard). */
  kernelSize?: number;
  /** The discriminator's dropout rate (default 0.3). */
  dropout?: number;
  /** The generator's output: 'sigmoid' for pixels in [0, 1] (default), 'tanh' for [−1, 1]. */
  outputActivation?: 'sigmoid' | 'tanh';
  /** Width of the label embedding (default 16). */
  labelEmbedding?: number;
}

interface Resolved {
  latentDim: number;
  classes: number | undefined;
  imageShape: readonly [number, number, number];
  generatorFilters: readonly [number, number];
  discriminatorFilters: readonly [number, number];
  kernelSize: number;
  dropout: number;
  outputActivation: 'sigmoid' | 'tanh';
  labelEmbedding: number;
}

function positiveInteger(what: string, name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new ArgumentError(`${what}: ${name} must be a positive integer, got ${String(v)}`);
}

const DCGAN_OPTIONS = [
  'latentDim',
  'classes',
  'imageShape',
  'generatorFilters',
  'discriminatorFilters',
  'kernelSize',
  'dropout',
  'outputActivation',
  'labelEmbedding',
];

/** A list option of `length` entries (a bare number would fail later as a TypeError). */
function listOption(what: string, name: string, v: unknown, length: number): void {
  if (v !== undefined && (!Array.isArray(v) || v.length !== length))
    throw new ArgumentError(`${what}: ${name} must be a list of ${length} numbers, got ${describeValue(v)}`);
}

function resolve(what: string, options: DcganOptions): Resolved {
  const o = checkOptions(what, options, DCGAN_OPTIONS) as DcganOptions;
  listOption(what, 'imageShape', o.imageShape, 3);
  listOption(what, 'generatorFilters', o.generatorFilters, 2);
  listOption(what, 'discriminatorFilters', o.discriminatorFilters, 2);
  const r: Resolved = {
    latentDim: o.latentDim ?? 64,
    classes: o.classes,
    imageShape: o.imageShape ?? [28, 28, 1],
    generatorFilters: o.generatorFilters ?? [64, 32],
    discriminatorFilters: o.discriminatorFilters ?? [32, 64],
    kernelSize: o.kernelSize ?? 4,
    dropout: o.dropout ?? 0.3,
    outputActivation: o.outputActivation ?? 'sigmoid',
    labelEmbedding: o.labelEmbedding ?? 16,
  };
  positiveInteger(what, 'latentDim', r.latentDim);
  positiveInteger(what, 'kernelSize', r.kernelSize);
  positiveInteger(what, 'labelEmbedding', r.labelEmbedding);
  if (r.classes !== undefined && (!Number.isInteger(r.classes) || r.classes < 2))
    throw new ArgumentError(`${what}: classes must be an integer ≥ 2, got ${r.classes}`);
  for (const [name, list] of [
    ['imageShape', r.imageShape],
    ['generatorFilters', r.generatorFilters],
    ['discriminatorFilters', r.discriminatorFilters],
  ] as const) {
    for (const v of list) positiveInteger(what, name, v);
  }
  const [h, w] = r.imageShape;
  if (h % 4 !== 0 || w % 4 !== 0)
    throw new ArgumentError(
      `${what}: imageShape's height and width must be divisible by 4 (two stride-2 steps), got [${r.imageShape}]`,
    );
  if (!(r.dropout >= 0 && r.dropout < 1))
    throw new ArgumentError(`${what}: dropout must be in [0, 1), got ${r.dropout}`);
  if (r.outputActivation !== 'sigmoid' && r.outputActivation !== 'tanh')
    throw new ArgumentError(
      `${what}: outputActivation must be 'sigmoid' or 'tanh', got '${r.outputActivation}'`,
    );
  return r;
}

/** A label input [1] and its learned embedding, flattened to [labelEmbedding]. */
function labelCode(r: Resolved, prefix: string): { label: SymbolicTensor; code: SymbolicTensor } {
  const label = input({ shape: [1], name: `${prefix}_label` });
  const embedded = new Embedding({
    inputDim: r.classes!,
    outputDim: r.labelEmbedding,
    name: `${prefix}_label_embedding`,
  }).apply(label) as SymbolicTensor;
  return { label, code: new Flatten({ name: `${prefix}_label_code` }).apply(embedded) as SymbolicTensor };
}

/** The generator: noise [latentDim] (and a label [1] if conditional) → an image. */
export function dcganGenerator(options: DcganOptions = {}): Model {
  const r = resolve('dcganGenerator', options);
  const [h, w, c] = r.imageShape;
  const [f0, f1] = r.generatorFilters;
  const noise = input({ shape: [r.latentDim], name: 'noise' });
  const inputs = [noise];
  let x: SymbolicTensor = noise;
  if (r.classes !== undefined) {
    const { label, code } = labelCode(r, 'generator');
    inputs.push(label);
    x = new Concatenate({ name: 'noise_and_label' }).apply([noise, code]) as SymbolicTensor;
  }
  const apply = (layer: { apply(t: SymbolicTensor): unknown }) => {
    x = layer.apply(x) as SymbolicTensor;
  };
  // Biases before batch norm are cancelled by its centring: leave them out.
  apply(new Dense({ units: (h / 4) * (w / 4) * f0, useBias: false, name: 'project' }));
  apply(new BatchNormalization({ name: 'project_bn' }));
  apply(new Activation({ activation: 'relu', name: 'project_relu' }));
  apply(new Reshape({ targetShape: [h / 4, w / 4, f0], name: 'to_image' }));
  apply(
    new Conv2DTranspose({
      filters: f1,
      kernelSize: r.kernelSize,
      strides: 2,
      padding: 'same',
      useBias: false,
      name: 'up1',
    }),
  );
  apply(new BatchNormalization({ name: 'up1_bn' }));
  apply(new Activation({ activation: 'relu', name: 'up1_relu' }));
  // The last step doubles the size by repetition, then convolves: a stride-2 transposed convolution
  // here paints the pixels of each parity with different taps, a checkerboard the discriminator
  // spots at once and the generator takes many steps to unlearn (Odena et al. 2016). At one output
  // channel this costs little.
  apply(new UpSampling2D({ size: 2, name: 'up2' }));
  apply(
    new Conv2D({
      filters: c,
      kernelSize: r.kernelSize + 1,
      padding: 'same',
      activation: r.outputActivation,
      name: 'to_pixels',
    }),
  );
  return new Model({ inputs: inputs.length === 1 ? noise : inputs, outputs: x, name: 'generator' });
}

/** The discriminator: an image (and a label [1] if conditional) → the probability it is real, [n, 1]. */
export function dcganDiscriminator(options: DcganOptions = {}): Model {
  const r = resolve('dcganDiscriminator', options);
  const [h, w] = r.imageShape;
  const [d0, d1] = r.discriminatorFilters;
  const image = input({ shape: [...r.imageShape], name: 'image' });
  const inputs = [image];
  let x: SymbolicTensor = image;
  let label: SymbolicTensor | null = null;
  if (r.classes !== undefined) {
    const { label: labelInput, code } = labelCode(r, 'discriminator');
    inputs.push(labelInput);
    label = labelInput;
    const map = new Reshape({ targetShape: [h, w, 1], name: 'label_map' }).apply(
      new Dense({ units: h * w, name: 'label_to_pixels' }).apply(code) as SymbolicTensor,
    ) as SymbolicTensor;
    x = new Concatenate({ name: 'image_and_label' }).apply([image, map]) as SymbolicTensor;
  }
  const apply = (layer: { apply(t: SymbolicTensor): unknown }) => {
    x = layer.apply(x) as SymbolicTensor;
  };
  for (const [i, filters] of [d0, d1].entries()) {
    apply(
      new Conv2D({ filters, kernelSize: r.kernelSize, strides: 2, padding: 'same', name: `down${i + 1}` }),
    );
    apply(new LeakyReLU({ alpha: 0.2, name: `down${i + 1}_leaky` }));
    if (r.dropout > 0) apply(new Dropout({ rate: r.dropout, name: `down${i + 1}_dropout` }));
  }
  apply(new Flatten({ name: 'features' }));
  if (label !== null) {
    // The projection discriminator's term (Miyato & Koyama 2018): features × a learned vector per
    // class, so the verdict can depend on how well the features fit *this* label — a label only
    // concatenated before the last Dense could shift the verdict, not ask "is this a good 3?".
    const perClass = new Flatten({ name: 'label_projection_flat' }).apply(
      new Embedding({
        inputDim: r.classes!,
        outputDim: (h / 4) * (w / 4) * d1,
        name: 'label_projection',
      }).apply(label) as SymbolicTensor,
    ) as SymbolicTensor;
    const fit = new Multiply({ name: 'features_times_label' }).apply([x, perClass]) as SymbolicTensor;
    x = new Concatenate({ name: 'features_and_fit' }).apply([x, fit]) as SymbolicTensor;
  }
  apply(new Dense({ units: 1, activation: 'sigmoid', name: 'real' }));
  return new Model({ inputs: inputs.length === 1 ? image : inputs, outputs: x, name: 'discriminator' });
}

/**
 * The weights an architecture will create, worked out from the layer configs without building
 * any layer — building allocates (and initialises) every weight, and a config that says
 * `units: 200000000` must be refused, not allocated. Layers are constructed (constructors check
 * their options and allocate nothing), then the input shape is walked through them and each
 * built-in class's weight shapes are derived the way its build() makes them. The loader compares
 * these with the manifest, whose size the weight file's real size has already bounded, so once
 * they agree, building allocates no more than the file holds.
 */
import { ModelFormatError } from '../errors.js';
import { Activation } from '../nn/activation.js';
import { BatchNormalization } from '../nn/batch-norm.js';
import { Conv2D } from '../nn/conv2d.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import { Flatten } from '../nn/flatten.js';
import type { Layer } from '../nn/layer.js';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from '../nn/pooling.js';
import { layerFromConfig } from '../nn/registry.js';
import { Reshape } from '../nn/reshape.js';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape.js';
import type { ModelJson } from './artifacts.js';

export interface ExpectedWeight {
  name: string;
  shape: number[];
}

/** Layer classes whose build() creates no weights (by constructor: names do not survive minifiers). */
const WEIGHTLESS = new Set<unknown>([
  Activation,
  Dropout,
  Flatten,
  Reshape,
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
]);

/** Weight shapes a built-in layer creates for `input`, or null for a class this file does not know. */
function builtinWeights(layer: Layer, input: Shape): ExpectedWeight[] | null {
  const named = (weights: [string, number[]][]): ExpectedWeight[] =>
    weights.map(([name, shape]) => ({ name: `${layer.name}/${name}`, shape }));
  const last = input[input.length - 1];
  // Exact class checks: a subclass registered under another name may build other weights.
  if (layer instanceof Dense && layer.constructor === Dense) {
    if (last === undefined) throw new Error('input needs a feature axis');
    return named([
      ['kernel', [last, layer.units]],
      ...(layer.useBias ? [['bias', [layer.units]] as [string, number[]]] : []),
    ]);
  }
  if (layer instanceof Conv2D && layer.constructor === Conv2D) {
    layer.computeOutputShape(input); // checks the input is an image and big enough
    return named([
      ['kernel', [...layer.kernelSize, input[2]!, layer.filters]],
      ...(layer.useBias ? [['bias', [layer.filters]] as [string, number[]]] : []),
    ]);
  }
  if (layer instanceof BatchNormalization && layer.constructor === BatchNormalization) {
    if (last === undefined) throw new Error('input needs a feature (channel) axis');
    return named([
      ...(layer.scale ? [['gamma', [last]] as [string, number[]]] : []),
      ...(layer.center ? [['beta', [last]] as [string, number[]]] : []),
      ['moving_mean', [last]],
      ['moving_variance', [last]],
    ]);
  }
  if (WEIGHTLESS.has(layer.constructor)) return [];
  return null;
}

export interface PlannedModel {
  layers: Layer[];
  /** Weights in the order the built model lists them; null where a custom layer's are only known after build. */
  expected: (ExpectedWeight[] | null)[];
}

/**
 * Construct the layers of `json` and work out their weights. Throws ModelFormatError naming the
 * layer (index, class, name) whose config or shapes do not work.
 */
export function planModel(json: ModelJson, source: string): PlannedModel {
  const topology = json.modelTopology;
  const layers: Layer[] = [];
  const expected: (ExpectedWeight[] | null)[] = [];
  const names = new Set<string>();
  let shape: Shape = topology.inputShape!;
  for (const [i, spec] of topology.layers.entries()) {
    const where = `layer ${i} (${spec.className}${typeof spec.config.name === 'string' ? ` '${spec.config.name}'` : ''})`;
    let layer: Layer;
    try {
      layer = layerFromConfig(spec);
    } catch (e) {
      // Whatever the constructor threw, the cause is the file's config.
      throw new ModelFormatError(
        `${source}: the architecture in model.json cannot be rebuilt: ${where}: ${(e as Error).message}`,
      );
    }
    if (names.has(layer.name)) {
      throw new ModelFormatError(`${source}: model.json names two layers '${layer.name}'`);
    }
    names.add(layer.name);
    if (layer.declaredInputShape && !shapesEqual(layer.declaredInputShape, shape)) {
      throw new ModelFormatError(
        `${source}: ${where} declares input shape ${formatShape(layer.declaredInputShape)} but receives ${formatShape(shape)}`,
      );
    }
    try {
      expected.push(builtinWeights(layer, shape));
      shape = layer.computeOutputShape(shape);
    } catch (e) {
      throw new ModelFormatError(
        `${source}: the architecture in model.json cannot be rebuilt: ${where} on input ${formatShape(shape)}: ${(e as Error).message}`,
      );
    }
    layers.push(layer);
  }
  return { layers, expected };
}

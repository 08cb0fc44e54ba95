/**
 * The weights an architecture will create, worked out from the layer configs without building
 * any layer — building allocates (and initialises) every weight, and a config that says
 * `units: 200000000` must be refused, not allocated. Layers are constructed (constructors check
 * their options and allocate nothing), then the input shape is walked through them and each
 * layer's weightShapes() says what its build() will make (layer.ts). The loader compares
 * these with the manifest, whose size the weight file's real size has already bounded, so once
 * they agree, building allocates no more than the file holds.
 */
import { ModelFormatError } from '../errors.js';
import { Layer } from '../nn/layer.js';
import { layerFromConfig } from '../nn/registry.js';
import { trustedWeightShapes } from '../nn/weight-shapes.js';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape.js';
import type { ModelJson } from './artifacts.js';
import type { PlannedModule } from './functional/graph-load.js';

export interface ExpectedWeight {
  name: string;
  shape: number[];
}

/**
 * The weights `layer` creates for `input`, from its own weightShapes() — trusted only where the
 * class defining it also defines build() (or is a subclass of the one that does), so a subclass
 * registered under another name that builds other weights is checked after building instead.
 */
function plannedWeights(layer: Layer, input: Shape): ExpectedWeight[] | null {
  const shapes = trustedWeightShapes(layer, input);
  return shapes === null ? null : shapes.map(([name, shape]) => ({ name: `${layer.name}/${name}`, shape }));
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
  return planLayers(topology.layers, topology.inputShape!, source, 'model.json').plan;
}

/** planModel for a layer list and input shape; also gives the output shape. */
function planLayers(
  specs: readonly { className: string; config: Record<string, unknown> }[],
  inputShape: Shape,
  source: string,
  file: string,
): { plan: PlannedModel; outputShape: Shape } {
  const layers: Layer[] = [];
  const expected: (ExpectedWeight[] | null)[] = [];
  const names = new Set<string>();
  let shape: Shape = inputShape;
  for (const [i, spec] of specs.entries()) {
    const where = `layer ${i} (${spec.className}${typeof spec.config.name === 'string' ? ` '${spec.config.name}'` : ''})`;
    let layer: Layer;
    try {
      const made = layerFromConfig(spec);
      if (!(made instanceof Layer)) throw new Error(`a ${made.className} is not a single-input layer`);
      layer = made;
    } catch (e) {
      // Whatever the constructor threw, the cause is the file's config.
      throw new ModelFormatError(
        `${source}: the architecture in ${file} cannot be rebuilt: ${where}: ${(e as Error).message}`,
      );
    }
    if (names.has(layer.name)) {
      throw new ModelFormatError(`${source}: ${file} names two layers '${layer.name}'`);
    }
    names.add(layer.name);
    if (layer.declaredInputShape && !shapesEqual(layer.declaredInputShape, shape)) {
      throw new ModelFormatError(
        `${source}: ${where} declares input shape ${formatShape(layer.declaredInputShape)} but receives ${formatShape(shape)}`,
      );
    }
    try {
      expected.push(plannedWeights(layer, shape));
      shape = layer.computeOutputShape(shape);
    } catch (e) {
      throw new ModelFormatError(
        `${source}: the architecture in ${file} cannot be rebuilt: ${where} on input ${formatShape(shape)}: ${(e as Error).message}`,
      );
    }
    layers.push(layer);
  }
  return { plan: { layers, expected }, outputShape: shape };
}

/**
 * A Sequential inside a saved graph (`{ name, layers, inputShape }`), planned like a saved
 * Sequential: its weights are named `sequential/layer/weight` there.
 */
export function planSequentialConfig(config: Record<string, unknown>, where: string): PlannedModule {
  const name = typeof config.name === 'string' ? config.name : 'sequential';
  if (!Array.isArray(config.layers)) throw new ModelFormatError(`${where}: layers must be a list`);
  config.layers.forEach((spec: unknown, i) => {
    const s = spec as Record<string, unknown> | null;
    const ok =
      typeof s === 'object' &&
      s !== null &&
      typeof s.className === 'string' &&
      typeof s.config === 'object' &&
      s.config !== null &&
      !Array.isArray(s.config);
    if (!ok)
      throw new ModelFormatError(`${where}: Sequential '${name}' layers[${i}] must be { className, config }`);
  });
  const input = config.inputShape;
  if (!Array.isArray(input) || !input.every((d) => Number.isSafeInteger(d) && d > 0) || input.length > 8) {
    throw new ModelFormatError(
      `${where}: inputShape must be a list of positive sizes (a saved Sequential is built)`,
    );
  }
  const { plan, outputShape } = planLayers(
    config.layers as never,
    input as number[],
    where,
    `Sequential '${name}'`,
  );
  return {
    name,
    outputShape: (given) => {
      if (
        !Array.isArray(given) ||
        given.length !== input.length ||
        given.some((d, i) => d !== null && d !== input[i])
      ) {
        throw new ModelFormatError(
          `${where}: Sequential '${name}' takes samples of shape ${formatShape(input as number[])}`,
        );
      }
      return outputShape;
    },
    weights: () =>
      plan.expected.some((w) => w === null)
        ? null
        : plan.expected.flatMap((w) => w!).map((w) => ({ name: `${name}/${w.name}`, shape: w.shape })),
  };
}

/**
 * getLayer() of Sequential and of the functional Model, as Keras' get_layer(name, index) and
 * TF.js' getLayer(name?, index?): one layer by name or by its position in `model.layers`. A
 * number given first is an index too (backprop's functional Model has always taken one).
 */
import { describeValue, nearestName } from '../config/options.js';
import { ArgumentError } from '../errors.js';

/** `owner` words the errors ("Sequential 'mlp'"); the ones for a miss list the layers there are. */
export function findLayer<L extends { readonly name: string }>(
  owner: string,
  layers: readonly L[],
  name: string | number | undefined,
  index: number | undefined,
): L {
  if (typeof name === 'number') {
    if (index !== undefined)
      throw new ArgumentError(`${owner}.getLayer(): give a name or an index, not both`);
    return layerAt(owner, layers, name);
  }
  if (name !== undefined && index !== undefined)
    throw new ArgumentError(`${owner}.getLayer(): give a name or an index, not both`);
  if (name === undefined) {
    if (index === undefined) throw new ArgumentError(`${owner}.getLayer(): give a layer name or index`);
    return layerAt(owner, layers, index);
  }
  if (typeof name !== 'string')
    throw new ArgumentError(`${owner}.getLayer(): name must be a string, got ${describeValue(name)}`);
  const layer = layers.find((l) => l.name === name);
  if (layer) return layer;
  const names = layers.map((l) => l.name);
  const near = nearestName(name, names);
  throw new ArgumentError(
    `${owner} has no layer '${name}'${near ? ` — did you mean '${near}'?` : ''} (layers: ${listed(names)})`,
  );
}

/** Negative indices count from the end, as in Keras. */
function layerAt<L extends { readonly name: string }>(owner: string, layers: readonly L[], index: number): L {
  const layer = Number.isInteger(index) ? layers.at(index) : undefined;
  if (layer) return layer;
  throw new ArgumentError(
    `${owner} has no layer at index ${describeValue(index)} (it has ${layers.length}: ${listed(layers.map((l) => l.name))})`,
  );
}

function listed(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

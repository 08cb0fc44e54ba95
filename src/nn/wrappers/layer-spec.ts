/** What a wrapper (Bidirectional, TimeDistributed) accepts as its `layer`: a layer or its saved spec. */
import { describeValue, isOptionsObject } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import { Layer } from '../layer.js';
import { layerFromConfig } from '../registry.js';

/** A layer instance, or `{ className, config }` as getConfig() gives and a saved model holds. */
export type LayerSpec = Layer | { className: string; config: Record<string, unknown> };

/** The spec as a layer (made from the registry when it is a saved spec). */
export function layerOf(component: string, option: string, spec: unknown): Layer {
  if (spec instanceof Layer) return spec;
  if (!isOptionsObject(spec) || typeof spec.className !== 'string') {
    throw new ArgumentError(
      `${component}: ${option} must be a layer or its { className, config }, got ${describeValue(spec)}`,
    );
  }
  const made = layerFromConfig(spec as { className: string; config: Record<string, unknown> });
  if (!(made instanceof Layer)) {
    throw new ArgumentError(`${component}: ${option} must be a single-input layer, got a ${made.className}`);
  }
  return made;
}

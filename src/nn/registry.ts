/** Layer classes by saved name, so a model file can be turned back into layers. */
import { checkOptions, describeValue, suggestion } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { Activation } from './activation.js';
import { BatchNormalization } from './batch-norm.js';
import { Conv2D } from './conv2d.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import type { Layer } from './layer.js';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from './pooling.js';
import { Reshape } from './reshape.js';

type LayerFactory = (config: Record<string, unknown>) => Layer;

const factories = new Map<string, LayerFactory>([
  ['Dense', (c) => new Dense(c as never)],
  ['Activation', (c) => new Activation(c as never)],
  ['Dropout', (c) => new Dropout(c as never)],
  ['Flatten', (c) => new Flatten(c as never)],
  ['Reshape', (c) => new Reshape(c as never)],
  ['Conv2D', (c) => new Conv2D(c as never)],
  ['MaxPooling2D', (c) => new MaxPooling2D(c as never)],
  ['AveragePooling2D', (c) => new AveragePooling2D(c as never)],
  ['GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(c as never)],
  ['BatchNormalization', (c) => new BatchNormalization(c as never)],
]);

/** Make a custom layer class loadable from saved models. */
export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}

export function layerFromConfig(spec: { className: string; config: Record<string, unknown> }): Layer {
  const o = checkOptions('layer spec { className, config }', spec, ['className', 'config']);
  // A Map, so 'constructor' or '__proto__' are unknown classes, not Object.prototype's members.
  const factory = typeof o.className === 'string' ? factories.get(o.className) : undefined;
  if (!factory) {
    const name = typeof o.className === 'string' ? `'${o.className}'` : describeValue(o.className);
    const known = [...factories.keys()];
    throw new ArgumentError(
      `unknown layer class ${name}${typeof o.className === 'string' ? suggestion(o.className, known) : ` (known: ${known.join(', ')})`}`,
    );
  }
  return factory(o.config === undefined ? {} : (o.config as Record<string, unknown>));
}

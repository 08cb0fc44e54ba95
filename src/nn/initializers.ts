/**
 * Weight initialisers. The variance-scaling family follows Keras: Glorot/Xavier scales by
 * 2/(fanIn + fanOut), He by 2/fanIn, LeCun by 1/fanIn; "normal" variants draw from a normal
 * truncated at two standard deviations (rescaled so the variance is still the target).
 * All draw from a seedable Rng, so `manualSeed(s)` makes model initialisation reproducible.
 */
import {
  checkOptions,
  classSpec,
  describeValue,
  enumOption,
  isOptionsObject,
  NameRegistry,
  numberOption,
  type Options,
} from '../config/options.js';
import type { CamelOrSnake } from '../config/spellings.js';
import { ArgumentError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { tensor } from '../tensor/create.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { orthogonal } from './orthogonal.js';

export interface Initializer {
  readonly className: string;
  readonly config: Record<string, number | string>;
  /** Values for a weight of `shape`; the caller marks it trainable. */
  init(shape: Shape, rng: Rng): Tensor;
}

export type InitializerName =
  | 'zeros'
  | 'ones'
  | 'randomNormal'
  | 'randomUniform'
  | 'glorotNormal'
  | 'glorotUniform'
  | 'heNormal'
  | 'heUniform'
  | 'lecunNormal'
  | 'lecunUniform'
  | 'orthogonal';

/** Other names the lookup knows: initialisers whose options take defaults, and Keras' aliases. */
export type InitializerAlias =
  | 'constant'
  | 'varianceScaling'
  | 'xavierNormal'
  | 'xavierUniform'
  | 'zero'
  | 'one';

/** The saved form, and TF.js's: `{ className: 'RandomNormal', config: { stddev: 0.1 } }`. */
export interface InitializerSpec {
  className: string;
  config?: Record<string, unknown>;
}

/**
 * What layers take as an initialiser: a name as backprop or Keras spell it ('glorotUniform',
 * 'glorot_uniform') — a misspelt one does not compile — an initialiser object, or its spec.
 */
export type InitializerLike =
  | CamelOrSnake<InitializerName | InitializerAlias>
  | Initializer
  | InitializerSpec;

/** Fan-in and fan-out as Keras computes them: [in, out] for dense, receptive field × channels beyond. */
export function computeFans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

function fromGenerator(shape: Shape, draw: () => number): Tensor {
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw();
  return tensor(values, { shape });
}

/** Weights are float32: a value beyond its range would silently become Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;
const FINITE = { min: -FLOAT32_MAX, max: FLOAT32_MAX } as const;
const NON_NEGATIVE = { min: 0, max: FLOAT32_MAX } as const;

export function constant(value: number): Initializer {
  numberOption('constant', 'value', value, FINITE);
  return { className: 'constant', config: { value }, init: (shape) => fromGenerator(shape, () => value) };
}

export { orthogonal } from './orthogonal.js';

export function zeros(): Initializer {
  return { className: 'zeros', config: {}, init: (shape) => fromGenerator(shape, () => 0) };
}

export function ones(): Initializer {
  return { className: 'ones', config: {}, init: (shape) => fromGenerator(shape, () => 1) };
}

export function randomNormal(options: { mean?: number; stddev?: number } = {}): Initializer {
  const o = checkOptions('randomNormal', options, ['mean', 'stddev'], SEEDED);
  const mean = numberOption('randomNormal', 'mean', o.mean, FINITE, 0);
  const stddev = numberOption('randomNormal', 'stddev', o.stddev, NON_NEGATIVE, 0.05);
  return {
    className: 'randomNormal',
    config: { mean, stddev },
    init: (shape, rng) => fromGenerator(shape, () => mean + stddev * rng.normal()),
  };
}

export function randomUniform(options: { minval?: number; maxval?: number } = {}): Initializer {
  const o = checkOptions('randomUniform', options, ['minval', 'maxval'], SEEDED);
  const minval = numberOption('randomUniform', 'minval', o.minval, FINITE, -0.05);
  const maxval = numberOption('randomUniform', 'maxval', o.maxval, { min: minval, max: FLOAT32_MAX }, 0.05);
  return {
    className: 'randomUniform',
    config: { minval, maxval },
    init: (shape, rng) => fromGenerator(shape, () => minval + (maxval - minval) * rng.uniform()),
  };
}

type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
type Distribution = 'truncatedNormal' | 'uniform';
const FAN_MODES: readonly FanMode[] = ['fanIn', 'fanOut', 'fanAvg'];
const DISTRIBUTIONS: readonly Distribution[] = ['truncatedNormal', 'uniform'];

/** Keras' seed option: initialisers here draw from the global RNG, so a seed is refused, not ignored. */
const SEEDED: Readonly<Record<string, string>> = {
  seed: 'initialisers draw from the global RNG: call manualSeed(seed) before building the model',
};

/** Keras spellings of the variance-scaling options ('fan_in', 'truncated_normal'). */
function camel(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : value;
}

/** std of a unit normal truncated to [−2, 2], used to rescale truncated draws. */
const TRUNCATED_STD = 0.8796256610342398;

export function varianceScaling(options: {
  scale: number;
  mode: FanMode;
  distribution: Distribution;
  className?: string;
}): Initializer {
  const c = 'varianceScaling';
  const o = checkOptions(c, options, ['scale', 'mode', 'distribution', 'className'], SEEDED);
  const scale = numberOption(c, 'scale', o.scale, { min: 0, minExclusive: true }, 1);
  const mode = enumOption(c, 'mode', camel(o.mode), FAN_MODES, 'fanIn');
  const distribution = enumOption(c, 'distribution', camel(o.distribution), DISTRIBUTIONS, 'truncatedNormal');
  return {
    className: options.className ?? 'varianceScaling',
    config: options.className ? {} : { scale, mode, distribution },
    init: (shape, rng) => {
      const { fanIn, fanOut } = computeFans(shape);
      const fan = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
      const variance = scale / Math.max(1, fan);
      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        return fromGenerator(shape, () => limit * (2 * rng.uniform() - 1));
      }
      const std = Math.sqrt(variance) / TRUNCATED_STD;
      return fromGenerator(shape, () => {
        for (;;) {
          const z = rng.normal();
          if (z >= -2 && z <= 2) return std * z;
        }
      });
    },
  };
}

/** Every initialiser by name: the fixed ones ignore config, the others take it as options. */
const initializers = new NameRegistry<(config: Options) => Initializer>(
  'initializer',
  [
    ['zeros', fixed(zeros)],
    ['ones', fixed(ones)],
    ['constant', (c) => constant((checkOptions('constant', c, ['value']).value ?? 0) as number)],
    ['randomNormal', (c) => randomNormal(c)],
    ['randomUniform', (c) => randomUniform(c)],
    ['varianceScaling', (c) => varianceScaling(c as never)],
    ['glorotNormal', fixed(() => scaled(1, 'fanAvg', 'truncatedNormal', 'glorotNormal'))],
    ['glorotUniform', fixed(() => scaled(1, 'fanAvg', 'uniform', 'glorotUniform'))],
    ['heNormal', fixed(() => scaled(2, 'fanIn', 'truncatedNormal', 'heNormal'))],
    ['heUniform', fixed(() => scaled(2, 'fanIn', 'uniform', 'heUniform'))],
    ['lecunNormal', fixed(() => scaled(1, 'fanIn', 'truncatedNormal', 'lecunNormal'))],
    ['lecunUniform', fixed(() => scaled(1, 'fanIn', 'uniform', 'lecunUniform'))],
    ['orthogonal', (c) => orthogonal(c)],
  ],
  // Case and '_' are ignored ('glorot_uniform', 'GlorotUniform'); these are other names.
  [
    ['xavierNormal', 'glorotNormal'],
    ['xavierUniform', 'glorotUniform'],
    ['zero', 'zeros'],
    ['one', 'ones'],
  ],
);

function scaled(scale: number, mode: FanMode, distribution: Distribution, className: string): Initializer {
  return varianceScaling({ scale, mode, distribution, className });
}

/** An initialiser without options: its config may only be empty (or Keras' `seed: null`). */
function fixed(make: () => Initializer): (config: Options) => Initializer {
  return (config) => {
    checkOptions('initializer', config, [], SEEDED, 'config');
    return make();
  };
}

/**
 * Resolve a name or an initialiser object; also rebuilds one from its saved {className, config}
 * (Keras' {class_name, config} too). Anything else is an ArgumentError saying what was wrong.
 */
export function getInitializer(spec: InitializerLike): Initializer {
  if (typeof spec === 'string') return initializers.get(spec)({});
  if (!isOptionsObject(spec)) {
    throw new ArgumentError(
      `initializer must be a name ('glorotUniform'), an initializer (initializers.randomNormal({ … })) or ` +
        `{ className, config }, got ${describeValue(spec)}`,
    );
  }
  if (typeof (spec as Options).init === 'function') return spec as Initializer;
  const { className, config: given } = classSpec('initializer spec', spec);
  const make = initializers.get(className);
  const config = given === undefined ? {} : given;
  if (!isOptionsObject(config)) {
    throw new ArgumentError(`initializer config must be an object, got ${describeValue(config)}`);
  }
  // Keras writes `seed: null` into every initialiser's config; it means "unseeded", as here.
  const { seed, ...rest } = config;
  return make(seed === null ? rest : config);
}

/** The form an initialiser is saved in. */
export function serializeInitializer(init: Initializer): {
  className: string;
  config: Record<string, number | string>;
} {
  return { className: init.className, config: { ...init.config } };
}

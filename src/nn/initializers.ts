/**
 * Weight initialisers. The variance-scaling family follows Keras: Glorot/Xavier scales by
 * 2/(fanIn + fanOut), He by 2/fanIn, LeCun by 1/fanIn; "normal" variants draw from a normal
 * truncated at two standard deviations (rescaled so the variance is still the target).
 * All draw from a seedable Rng, so `manualSeed(s)` makes model initialisation reproducible.
 */
import { ArgumentError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { tensor } from '../tensor/create.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

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
  | 'lecunUniform';

export type InitializerLike = InitializerName | Initializer;

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

export function constant(value: number): Initializer {
  return { className: 'constant', config: { value }, init: (shape) => fromGenerator(shape, () => value) };
}

export function zeros(): Initializer {
  return { className: 'zeros', config: {}, init: (shape) => fromGenerator(shape, () => 0) };
}

export function ones(): Initializer {
  return { className: 'ones', config: {}, init: (shape) => fromGenerator(shape, () => 1) };
}

export function randomNormal(options: { mean?: number; stddev?: number } = {}): Initializer {
  const mean = options.mean ?? 0;
  const stddev = options.stddev ?? 0.05;
  return {
    className: 'randomNormal',
    config: { mean, stddev },
    init: (shape, rng) => fromGenerator(shape, () => mean + stddev * rng.normal()),
  };
}

export function randomUniform(options: { minval?: number; maxval?: number } = {}): Initializer {
  const minval = options.minval ?? -0.05;
  const maxval = options.maxval ?? 0.05;
  return {
    className: 'randomUniform',
    config: { minval, maxval },
    init: (shape, rng) => fromGenerator(shape, () => minval + (maxval - minval) * rng.uniform()),
  };
}

type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
type Distribution = 'truncatedNormal' | 'uniform';

/** std of a unit normal truncated to [−2, 2], used to rescale truncated draws. */
const TRUNCATED_STD = 0.8796256610342398;

export function varianceScaling(options: {
  scale: number;
  mode: FanMode;
  distribution: Distribution;
  className?: string;
}): Initializer {
  const { scale, mode, distribution } = options;
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

const named: Record<InitializerName, () => Initializer> = {
  zeros,
  ones,
  randomNormal: () => randomNormal(),
  randomUniform: () => randomUniform(),
  glorotNormal: () =>
    varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', className: 'glorotNormal' }),
  glorotUniform: () =>
    varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'uniform', className: 'glorotUniform' }),
  heNormal: () =>
    varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', className: 'heNormal' }),
  heUniform: () =>
    varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform', className: 'heUniform' }),
  lecunNormal: () =>
    varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', className: 'lecunNormal' }),
  lecunUniform: () =>
    varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform', className: 'lecunUniform' }),
};

const aliases: Record<string, InitializerName> = {
  xavierNormal: 'glorotNormal',
  xavierUniform: 'glorotUniform',
  glorot_normal: 'glorotNormal',
  glorot_uniform: 'glorotUniform',
  he_normal: 'heNormal',
  he_uniform: 'heUniform',
  lecun_normal: 'lecunNormal',
  lecun_uniform: 'lecunUniform',
  random_normal: 'randomNormal',
  random_uniform: 'randomUniform',
};

/** Resolve a name or an initialiser object; also rebuilds one from its saved {className, config}. */
export function getInitializer(
  spec: InitializerLike | { className: string; config: Record<string, unknown> },
): Initializer {
  if (typeof spec === 'object' && 'init' in spec) return spec;
  const className = typeof spec === 'string' ? spec : spec.className;
  const config = typeof spec === 'string' ? {} : (spec.config as Record<string, never>);
  const name: string = aliases[className] ?? className;
  switch (name) {
    case 'constant':
      return constant(Number(config.value ?? 0));
    case 'randomNormal':
      return randomNormal(config);
    case 'randomUniform':
      return randomUniform(config);
    case 'varianceScaling':
      return varianceScaling(config as unknown as Parameters<typeof varianceScaling>[0]);
  }
  const make = named[name as InitializerName];
  if (!make)
    throw new ArgumentError(`unknown initializer '${className}' (known: ${Object.keys(named).join(', ')})`);
  return make();
}

/** The form an initialiser is saved in. */
export function serializeInitializer(init: Initializer): {
  className: string;
  config: Record<string, number | string>;
} {
  return { className: init.className, config: { ...init.config } };
}

/**
 * sampleWeight and classWeight (Keras' fit options): a weight per training sample, per output,
 * that multiplies the sample's loss. classWeight gives it by the sample's class (the argmax of a
 * one-hot target, or the label itself for sparse and binary targets); both together multiply.
 * As in Keras, the weighted loss is Σ wᵢ·lossᵢ / batch size, and metrics are not weighted.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { describeValue, isOptionsObject } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { tensor } from '../../tensor/create.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { TensorInput } from '../data.js';
import { tensorList } from './inputs.js';

/** Per class index, its weight. */
export type ClassWeight = Record<number, number>;

export interface SampleWeighting {
  /** Per output: a weight per sample of the whole data ([n]), or null. */
  sample: (Tensor | null)[];
  /** Per output: weights by class, or null. */
  classes: (Map<number, number> | null)[];
}

export function hasWeights(w: SampleWeighting | null): w is SampleWeighting {
  return w !== null && (w.sample.some((s) => s !== null) || w.classes.some((c) => c !== null));
}

/** Check and spread fit()'s sampleWeight/classWeight over the outputs. */
export function resolveWeighting(
  sampleWeight: unknown,
  classWeight: unknown,
  outputNames: readonly string[],
  samples: number | null,
  what: string,
): SampleWeighting | null {
  if (sampleWeight === undefined && classWeight === undefined) return null;
  const n = outputNames.length;
  let sample: (Tensor | null)[] = outputNames.map(() => null);
  if (sampleWeight !== undefined) {
    const list =
      // A tensor is an object too, but one weight per sample, not weights by output name.
      isOptionsObject(sampleWeight) && !(sampleWeight instanceof Tensor)
        ? outputNames.map((name) => (sampleWeight as Record<string, TensorInput | undefined>)[name] ?? null)
        : n === 1
          ? [sampleWeight as TensorInput]
          : tensorList(sampleWeight, outputNames, `${what}: sampleWeight`, 'output');
    sample = list.map((w, i) => {
      if (w === null) return null;
      const t = tensorList(w, ['w'], `${what}: sampleWeight`, 'output')[0]!;
      const flat = t.ndim === 2 && t.shape[1] === 1 ? t.reshape([t.shape[0]!]) : t;
      if (flat.ndim !== 1 || (samples !== null && flat.shape[0] !== samples)) {
        throw new ShapeError(
          `${what}: sampleWeight for output '${outputNames[i]}' must have one weight per sample ([${samples ?? 'n'}]), got shape ${formatShape(t.shape)}`,
        );
      }
      const values = flat.dataSync();
      const bad = values.findIndex((v) => !Number.isFinite(v) || v < 0);
      if (bad >= 0) {
        throw new ArgumentError(
          `${what}: sampleWeight[${bad}] for output '${outputNames[i]}' is ${values[bad]}; weights must be finite and ≥ 0`,
        );
      }
      return flat;
    });
  }
  let classes: (Map<number, number> | null)[] = outputNames.map(() => null);
  if (classWeight !== undefined) {
    if (!isOptionsObject(classWeight)) {
      throw new ArgumentError(
        `${what}: classWeight must be an object { class: weight }, got ${describeValue(classWeight)}`,
      );
    }
    const record = classWeight as Record<string, unknown>;
    // { outputName: { class: weight } } for several outputs; { class: weight } for one.
    const perOutput = outputNames.some((name) => isOptionsObject(record[name]));
    classes = outputNames.map((name) => {
      const spec = perOutput ? record[name] : record;
      if (spec === undefined) return null;
      return classMap(spec, `${what}: classWeight${perOutput ? `['${name}']` : ''}`);
    });
  }
  return { sample, classes };
}

function classMap(spec: unknown, where: string): Map<number, number> {
  if (!isOptionsObject(spec))
    throw new ArgumentError(`${where} must be an object { class: weight }, got ${describeValue(spec)}`);
  const map = new Map<number, number>();
  for (const [k, v] of Object.entries(spec as Record<string, unknown>)) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0)
      throw new ArgumentError(`${where}: '${k}' is not a class index (an integer ≥ 0)`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ArgumentError(`${where}[${k}] must be a finite number ≥ 0, got ${describeValue(v)}`);
    }
    map.set(c, v);
  }
  return map;
}

/** Each sample's class: the argmax of a one-hot row, else the label itself. */
function classesOf(y: Tensor): Float32Array {
  return noGrad(() => {
    const last = y.shape[y.ndim - 1] ?? 1;
    if (y.ndim >= 2 && last > 1) return y.argmax(-1).reshape([y.shape[0]!, -1]).dataSync();
    return y.reshape([y.shape[0]!, -1]).dataSync();
  });
}

/**
 * The weights of one batch, per output (null where none): `rows` picks the batch's rows of a
 * full-data tensor, `ys` are the batch's targets; `firstRow` numbers the rows in errors.
 */
export function batchWeights(
  w: SampleWeighting,
  ys: readonly Tensor[],
  rows: (t: Tensor) => Tensor,
  outputNames: readonly string[],
  what: string,
): (Tensor | null)[] {
  return ys.map((y, i) => {
    const s = w.sample[i] ? rows(w.sample[i]!) : null;
    const classes = w.classes[i];
    if (!classes) return s;
    const labels = classesOf(y);
    const per = labels.length / y.shape[0]!;
    if (per !== 1) {
      throw new ShapeError(
        `${what}: classWeight needs one class per sample; targets for output '${outputNames[i]}' have shape ${formatShape(y.shape)}`,
      );
    }
    const weights = new Float32Array(labels.length);
    labels.forEach((label, r) => {
      const cw = classes.get(Math.round(label));
      if (cw === undefined) {
        throw new ArgumentError(
          `${what}: classWeight has no weight for class ${label} (output '${outputNames[i]}'); give every class a weight`,
        );
      }
      weights[r] = cw;
    });
    const t = tensor(weights, { shape: [weights.length] }).to(y.backend.name);
    return s ? s.mul(t) : t;
  });
}

/**
 * Turning what users pass to fit/evaluate/predict into one tensor per model input or output: a
 * single tensor or array (one input), a list in input order, or an object keyed by input name —
 * Keras' three forms — with errors that name the argument and the input.
 */
import { describeValue, isOptionsObject, nearestName } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { asBatchTensor, type TensorInput } from '../data.js';

/** One tensor (or nested array) per input: alone, in a list, or keyed by name. */
export type DataInput = TensorInput | TensorInput[] | Record<string, TensorInput>;

function isTensorLike(v: unknown): boolean {
  return v instanceof Tensor || v instanceof Float32Array || Array.isArray(v);
}

/**
 * The tensors of `data` in the order of `names`. `what` names the argument ('fit(): x'),
 * `kind` what the names are ('input', 'output').
 */
export function tensorList(data: unknown, names: readonly string[], what: string, kind: string): Tensor[] {
  const n = names.length;
  if (data instanceof Tensor || data instanceof Float32Array) {
    if (n !== 1)
      throw new ArgumentError(
        `${what}: the model has ${n} ${kind}s (${names.join(', ')}); give a list or an object keyed by ${kind} name`,
      );
    return [asBatchTensor(data as TensorInput, what)];
  }
  if (Array.isArray(data)) {
    // A list of tensors is one per input; a plain nested array is one batch (single-input models).
    const isList = data.length > 0 && data.every((d) => d instanceof Tensor || d instanceof Float32Array);
    if (n === 1 && !isList) return [asBatchTensor(data as TensorInput, what)];
    if (n > 1 && !isList && !data.every(isTensorLike)) {
      throw new ArgumentError(
        `${what}: expected a list of ${n} tensors (${names.join(', ')}), got ${describeValue(data)}`,
      );
    }
    if (data.length !== n) {
      throw new ArgumentError(
        `${what}: the model has ${n} ${kind}${n === 1 ? '' : 's'} (${names.join(', ')}) but ${data.length} tensors were given`,
      );
    }
    return data.map((d, i) => asBatchTensor(d as TensorInput, `${what} ['${names[i]}']`));
  }
  if (isOptionsObject(data)) {
    const record = data as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      if (!names.includes(k)) {
        const near = nearestName(k, names);
        throw new ArgumentError(
          `${what}: the model has no ${kind} '${k}'${near ? ` — did you mean '${near}'?` : ''} (${kind}s: ${names.join(', ')})`,
        );
      }
    }
    return names.map((name) => {
      if (record[name] === undefined) throw new ArgumentError(`${what}: no data for ${kind} '${name}'`);
      return asBatchTensor(record[name] as TensorInput, `${what} ['${name}']`);
    });
  }
  throw new ArgumentError(
    `${what}: expected a Tensor, an array, a list of tensors or an object of them, got ${describeValue(data)}`,
  );
}

/** Every tensor of `lists` has the same number of samples; returns it. */
export function commonLength(
  lists: readonly (readonly Tensor[])[],
  labels: readonly string[],
  what: string,
): number {
  const all = lists.flatMap((l, i) =>
    l.map((t, k) => ({ t, label: `${labels[i]}${l.length > 1 ? `[${k}]` : ''}` })),
  );
  const n = all[0]!.t.shape[0]!;
  for (const { t, label } of all) {
    if (t.shape[0] !== n) {
      throw new ShapeError(
        `${what}: ${all[0]!.label} has ${n} samples (shape ${formatShape(all[0]!.t.shape)}) but ${label} has ${t.shape[0]} (shape ${formatShape(t.shape)})`,
      );
    }
  }
  return n;
}

/**
 * A functional model's wiring as Keras writes it: tensor references [layer, node, tensor] and each
 * call's inbound tensors, Keras 2 / TF.js `[[name, node, tensor, kwargs], …]` or Keras 3
 * `{ args, kwargs }` (from-keras.ts turns them into backprop's inbound nodes).
 */
import { fail, isObject, short } from './keras-values.js';

/** [layer name, node (call) index, tensor index]. */
export type Ref = [string, number, number];

const IGNORED_CALL_ARGS = new Set(['training', 'mask']);

/**
 * One call of a layer: Keras 2 / TF.js `[[name, node, tensor, kwargs], …]`, Keras 3
 * `{ args: [tensor or [tensors]], kwargs }` with tensors `{ class_name: '__keras_tensor__',
 * config: { keras_history: [name, node, tensor] } }`.
 */
export function nodeFromKeras(node: unknown, where: string, operations: ReadonlySet<string>): Ref[] {
  const kwargsOk = (kwargs: unknown) => {
    if (kwargs === undefined || kwargs === null) return;
    if (!isObject(kwargs)) fail(where, `call arguments must be an object, got ${short(kwargs)}`);
    for (const [k, v] of Object.entries(kwargs)) {
      if (IGNORED_CALL_ARGS.has(k) && (v === null || typeof v === 'boolean')) continue;
      if (k === 'mask' && isObject(v) && isObject(v.config) && Array.isArray(v.config.keras_history)) {
        if (operations.has(String(v.config.keras_history[0]))) continue;
      }
      fail(where, `the call argument ${k} ${short(v)} is not supported`);
    }
  };
  if (isObject(node)) {
    kwargsOk(node.kwargs);
    const refs: Ref[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) {
        v.forEach(collect);
        return;
      }
      if (isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config)) {
        refs.push(refFromKeras(v.config.keras_history, where));
        return;
      }
      fail(where, `a call argument other than a tensor is not supported: ${short(v)}`);
    };
    collect(node.args);
    if (refs.length === 0) fail(where, 'the call has no tensor arguments');
    return refs;
  }
  if (!Array.isArray(node) || node.length === 0)
    fail(where, `must be a list of tensor references, got ${short(node)}`);
  return node.map((r) => {
    if (Array.isArray(r) && r.length === 4) kwargsOk(r[3]);
    return refFromKeras(Array.isArray(r) ? r.slice(0, 3) : r, where);
  });
}

export function refFromKeras(r: unknown, where: string): Ref {
  if (
    !Array.isArray(r) ||
    r.length !== 3 ||
    typeof r[0] !== 'string' ||
    !Number.isSafeInteger(r[1]) ||
    !Number.isSafeInteger(r[2])
  ) {
    fail(where, `a tensor reference must be [layer, node, tensor], got ${short(r)}`);
  }
  return r as Ref;
}

export function refsFromKeras(v: unknown, where: string): Ref[] {
  if (Array.isArray(v) && typeof v[0] === 'string') return [refFromKeras(v, where)];
  if (!Array.isArray(v) || v.length === 0)
    fail(where, `must be a non-empty list of [layer, node, tensor], got ${short(v)}`);
  return v.map((r, i) => refFromKeras(r, `${where}[${i}]`));
}

/**
 * Weight names as TF.js writes and reads them. backprop names a weight by its path of modules
 * ('lstm/lstm_cell/kernel', 'time_distributed/dense/kernel', 'seq/dense/kernel'); TF.js by the
 * layer that owns it: the cell and a TimeDistributed's inner layer take the wrapper's name
 * ('lstm/kernel', 'time_distributed/kernel'), a Bidirectional keeps its copies apart
 * ('bidirectional/forward_lstm/kernel'), and a nested model's layers are named on their own
 * ('dense/kernel'). Keras-converted files keep the cell ('lstm/lstm_cell/kernel'), which TF.js
 * also reads by leaving out the second-to-last part; lookupName does the same.
 */
import type { Json } from './keras-values.js';
import type { LayerSpec } from './layer-config.js';

/** The TF.js name of backprop weight `name` (relative to the model) of the top-level layer `spec`. */
export function tfjsWeightName(name: string, spec: LayerSpec): string {
  const parts = name.split('/');
  const last = parts[parts.length - 1]!;
  if (spec.className === 'Sequential' || spec.className === 'Model') {
    const inner = (spec.config.layers as (LayerSpec & { name?: string })[]).find(
      (l) => (l.name ?? (l.config as Json).name) === parts[1],
    );
    const rest = parts.slice(1).join('/');
    return inner ? tfjsWeightName(rest, inner) : rest;
  }
  if (spec.className === 'Bidirectional' && parts.length >= 3) return `${parts[0]}/${parts[1]}/${last}`;
  return `${parts[0]}/${last}`;
}

/** What TF.js also accepts for a name: without the part before the last ('lstm/lstm_cell/kernel' → 'lstm/kernel'). */
export function shortenedName(name: string): string {
  const parts = name.split('/');
  return parts.length < 3 ? name : [...parts.slice(0, -2), parts[parts.length - 1]].join('/');
}

/**
 * model.summary() for functional models: one row per layer call, with its output shape, the
 * layer's parameters (on its first row) and the tensors it takes ("Connected to", as in Keras:
 * `layer[call][output]`).
 */
import type { Module } from '../../nn/module.js';
import { formatSymbolicShape, type Node, type SymbolicTensor } from '../../nn/symbolic-tensor.js';
import { InputLayer } from './input.js';
import type { Model } from './model.js';

export function modelSummary(model: Model): string {
  const callsOf = new Map<Module, Node[]>();
  for (const node of model.nodes) callsOf.set(node.module, [...(callsOf.get(node.module) ?? []), node]);
  const refName = (t: SymbolicTensor): string => {
    const m = t.node.module;
    const k = m instanceof InputLayer ? 0 : (callsOf.get(m) ?? []).indexOf(t.node);
    return `${m.name}[${Math.max(k, 0)}][${t.tensorIndex}]`;
  };
  const rows: string[][] = [];
  for (const m of model.layers) {
    const type = `${m.name} (${m.className})${m.trainable ? '' : ' [frozen]'}`;
    const params = m.countParams().toLocaleString('en-US');
    const calls = m instanceof InputLayer ? [m.inboundNodes[0]!] : (callsOf.get(m) ?? []);
    calls.forEach((node, k) => {
      const shapes = node.outputs.map((t) => formatSymbolicShape(t.shape)).join(', ');
      const from = node.inputs.map(refName);
      rows.push([k === 0 ? type : '', shapes, k === 0 ? params : '', from[0] ?? '']);
      for (const more of from.slice(1)) rows.push(['', '', '', more]);
    });
  }
  const header = ['Layer (type)', 'Output shape', 'Params', 'Connected to'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 ? `${c.padStart(widths[i]! - 2)}  ` : c.padEnd(widths[i]!)))
      .join('')
      .trimEnd();
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0));
  const total = model.countParams();
  const trainable = model.countTrainableParams();
  return [
    `Model: "${model.name}"`,
    rule('─'),
    line(header),
    rule('═'),
    ...rows.map(line),
    rule('─'),
    `Total params: ${total.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
  ].join('\n');
}

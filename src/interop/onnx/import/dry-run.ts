/**
 * The importer's trial runs: the graph (no gradients) on zeros at batch sizes 2 and 3, to find each
 * output's shape (a dimension that differs between the runs is dynamic) and to check that every
 * output keeps the batch axis first. Each dynamic non-batch dimension gets two sizes as well (one
 * per symbolic name, so inputs sharing 'seq' agree), as large as keeps every trial input small.
 * The runs also show what an axes-less Squeeze removes, so the importer can pin its axes: at
 * batch 1 it would take the batch axis away too. A failure names the node that was running and,
 * for a file that fixes its batch size (PyTorch's export without dynamic_axes), says so.
 */
import { noGrad } from '../../../autograd/grad-mode.js';
import { ArgumentError, ModelFormatError, ShapeError } from '../../../errors.js';
import { zeros } from '../../../tensor/create.js';
import type { Tensor } from '../../../tensor/tensor.js';
import type { OnnxGraph, OnnxNodeConfig } from './onnx-graph-layer.js';
import { MAX_CREATED_VALUES } from './ops/util.js';

/** A graph input as the importer reads it: the shape after the batch axis. */
export interface GraphInput {
  name: string;
  shape: (number | null)[];
  /** Symbolic names of the non-batch dimensions (null for fixed or anonymous ones). */
  params: (string | null)[];
  /** The batch size the file fixes on axis 0 (PyTorch's export without dynamic_axes), or null. */
  fixedBatch: number | null;
}

/** Not 1: a graph written for a fixed batch of 1 (Reshape to [1, −1]) shows up as such. */
const DRY_RUN_BATCHES = [2, 3] as const;
/** Sizes for the dynamic non-batch dimensions, largest first; the first pair that fits is used. */
const DYNAMIC_SIZES = [
  [32, 48],
  [8, 12],
  [2, 3],
] as const;
/** The most values a trial input may hold (16 MB of float32): the runs only need the shapes. */
const TRIAL_INPUT_VALUES = 2 ** 22;

export interface DryRunResult {
  /** Each output's shape without the batch axis (null: differs between the runs). */
  outputShapes: (number | null)[][];
  /** Per Squeeze node without axes: the axes of size 1 it removed in both runs. */
  squeezeAxes: Map<string, number[]>;
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The trial input shapes at this batch size, dynamic dimensions at `dynamic`. */
function trialShapes(inputs: readonly GraphInput[], batch: number, dynamic: number): number[][] {
  const sizes = new Map<string, number>();
  return inputs.map((x) => [
    batch,
    ...x.shape.map((d, k) => {
      if (d !== null) return d;
      const param = x.params[k] ?? `${x.name}#${k}`;
      if (!sizes.has(param)) sizes.set(param, dynamic);
      return sizes.get(param)!;
    }),
  ]);
}

/** The largest dynamic sizes that keep every trial input small; refuses an input too large at any. */
function dynamicSizes(inputs: readonly GraphInput[]): readonly [number, number] {
  const fits = (sizes: readonly [number, number], limit: number) =>
    trialShapes(inputs, DRY_RUN_BATCHES[1], sizes[1]).every((s) => count(s) <= limit);
  for (const sizes of DYNAMIC_SIZES) if (fits(sizes, TRIAL_INPUT_VALUES)) return sizes;
  const smallest = DYNAMIC_SIZES[DYNAMIC_SIZES.length - 1]!;
  trialShapes(inputs, DRY_RUN_BATCHES[1], smallest[1]).forEach((s, i) => {
    if (count(s) > MAX_CREATED_VALUES * s[0]!) {
      throw new ModelFormatError(
        `ONNX graph: input '${inputs[i]!.name}' would hold ${count(s)} values at batch ${s[0]} ` +
          `(shape [${s.join(', ')}], dynamic dimensions at ${smallest[1]}), more than ${MAX_CREATED_VALUES} per sample`,
      );
    }
  });
  return smallest;
}

/** Errors from running operators on the file's values are the file's fault: ModelFormatError. */
export function asFormatError<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw formatError(where, e);
  }
}

function formatError(where: string, e: unknown): unknown {
  if (e instanceof ModelFormatError) return e;
  // RangeError: a typed array or wasm memory too large; RuntimeError: the wasm kernels' traps.
  const runtime = typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError;
  if (e instanceof ShapeError || e instanceof ArgumentError || e instanceof RangeError || runtime) {
    return new ModelFormatError(`ONNX ${where}: ${(e as Error).message}`);
  }
  return e;
}

/** One trial run: the outputs' shapes; records what each axes-less Squeeze saw. */
function runAt(
  layer: OnnxGraph,
  inputs: readonly GraphInput[],
  batch: number,
  dynamic: number,
  squeezed: Map<string, number[][]>,
): number[][] {
  let running: OnnxNodeConfig | undefined;
  const watch = (node: OnnxNodeConfig, ins: readonly (Tensor | undefined)[]) => {
    running = node;
    if (node.opType === 'Squeeze' && (node.inputs[1] ?? '') === '' && ins[0] !== undefined) {
      squeezed.set(node.name, [...(squeezed.get(node.name) ?? []), [...ins[0].shape]]);
    }
  };
  try {
    const xs = trialShapes(inputs, batch, dynamic).map((s) => zeros(s));
    return noGrad(() => layer.runGraph(xs, watch).map((y: Tensor) => [...y.shape]));
  } catch (e) {
    // Name the node unless its own error does.
    const named = running === undefined || (e instanceof Error && e.message.includes(`'${running.name}'`));
    const where = named
      ? `graph, a trial run on zeros at batch ${batch}`
      : `node '${running!.name}' (${running!.opType}), in a trial run on zeros at batch ${batch}`;
    throw formatError(where, e);
  }
}

/** Run the graph at batch sizes 2 and 3: the output shapes and the axes each axes-less Squeeze removes. */
export function dryRun(layer: OnnxGraph, inputs: readonly GraphInput[]): DryRunResult {
  const sizes = dynamicSizes(inputs);
  const squeezed = new Map<string, number[][]>();
  const [batchA, batchB] = DRY_RUN_BATCHES;
  let outputShapes: (number | null)[][];
  try {
    const a = runAt(layer, inputs, batchA, sizes[0], squeezed);
    const b = runAt(layer, inputs, batchB, sizes[1], squeezed);
    outputShapes = a.map((sa, i) => {
      const sb = b[i]!;
      if (sa.length === 0 || sa[0] !== batchA || sb[0] !== batchB || sa.length !== sb.length) {
        throw new ModelFormatError(
          `ONNX graph: output '${layer.graphOutputs[i]}' does not keep the batch axis first (shape [${sa.join(', ')}] ` +
            `for a batch of ${batchA}, [${sb.join(', ')}] for ${batchB}); export the model with a dynamic batch axis`,
        );
      }
      return sa.slice(1).map((d, k) => (d === sb[k + 1] ? d : null));
    });
  } catch (e) {
    throw fixedBatchError(layer, inputs, sizes[0], e);
  }
  return { outputShapes, squeezeAxes: squeezeAxes(layer, squeezed) };
}

/**
 * A graph that fails at batch 2 but runs at the batch size its file fixes was exported for that
 * batch only: say so and how to re-export, rather than the failing node's own complaint.
 */
function fixedBatchError(
  layer: OnnxGraph,
  inputs: readonly GraphInput[],
  dynamic: number,
  e: unknown,
): unknown {
  const fixed = inputs.find((x) => x.fixedBatch !== null);
  if (fixed === undefined || !(e instanceof ModelFormatError)) return e;
  try {
    runAt(layer, inputs, fixed.fixedBatch!, dynamic, new Map());
  } catch {
    return e; // it fails at its own batch size too: the original error is the real one.
  }
  const shape = [fixed.fixedBatch, ...fixed.shape.map((d) => d ?? '?')];
  return new ModelFormatError(
    `ONNX graph: input '${fixed.name}' has a fixed batch size of ${fixed.fixedBatch} (shape [${shape.join(', ')}]) ` +
      `and the graph runs only at that batch size (${e.message}). ` +
      `Re-export the model with a dynamic batch axis, e.g. torch.onnx.export(..., input_names=['${fixed.name}'], ` +
      `dynamic_axes={'${fixed.name}': {0: 'batch'}})`,
  );
}

/** The axes of size 1 each axes-less Squeeze removed in both runs; refuses one that removed different axes. */
function squeezeAxes(layer: OnnxGraph, squeezed: Map<string, number[][]>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, [a, b]] of squeezed) {
    const ones = (s: readonly number[] | undefined) => (s ?? []).flatMap((d, i) => (d === 1 ? [i] : []));
    const axes = ones(a);
    if (a === undefined || b === undefined || a.length !== b.length || ones(b).join() !== axes.join()) {
      throw new ModelFormatError(
        `ONNX node '${name}' (Squeeze): without axes it removes different axes from [${a?.join(', ')}] ` +
          `and [${b?.join(', ')}] in the trial runs of OnnxGraph '${layer.name}'; give its axes`,
      );
    }
    out.set(name, axes);
  }
  return out;
}

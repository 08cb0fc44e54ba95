/**
 * What the fused sequence ops (lstmSequence, gruSequence) share: checking their operands, moving a
 * [batch, time, features] sequence to time-major order (so each step's rows are one contiguous
 * block a matrix product can read) and back, plain matrix products on storages, and the recorded
 * backward used under createGraph.
 */
import { gradients } from '../../autograd/functional.js';
import type { Backend, Storage } from '../../backend/backend.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { sliceAxis } from '../slice.js';

export interface SequenceOptions {
  /** Read the input from the last step to the first (Keras go_backwards); outputs in that order. */
  goBackwards?: boolean;
  /** Return every step's h as `output` [batch, time, units] instead of the last one [batch, units]. */
  returnSequences?: boolean;
}

export interface SequenceDims {
  batch: number;
  time: number;
  features: number;
  units: number;
}

/** The shape checks both ops make; throws a ShapeError naming the op, the operand and the shapes. */
export function checkSequenceOperands(
  op: string,
  gates: number,
  x: Tensor,
  states: ReadonlyArray<[string, Tensor | null]>,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  biasShape: (units: number) => number[],
): SequenceDims {
  for (const [name, t] of [
    ['x', x],
    ['kernel', kernel],
    ['recurrentKernel', recurrentKernel],
    ...states,
    ['bias', bias],
  ] as const) {
    if (t !== null && !(t instanceof Tensor)) {
      throw new ArgumentError(
        `${op}: ${name} must be a Tensor${name === 'bias' ? ' or null' : ''}, got ${String(t)}`,
      );
    }
    if (t !== null && t.backend !== x.backend) {
      throw new ArgumentError(
        `${op}: ${name} lives on backend '${t.backend.name}', x on '${x.backend.name}'; move one with t.to()`,
      );
    }
  }
  if (x.ndim !== 3) {
    throw new ShapeError(`${op}: x must be [batch, time, features], got ${formatShape(x.shape)}`);
  }
  const [batch, time, features] = x.shape as [number, number, number];
  if (time === 0) throw new ShapeError(`${op}: x ${formatShape(x.shape)} has no time steps`);
  const units = recurrentKernel.shape[0] ?? 0;
  const want = (name: string, t: Tensor, shape: number[]) => {
    if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(
        `${op}: ${name} must be ${formatShape(shape)} for x ${formatShape(x.shape)} and ${units} units ` +
          `(${gates} gates), got ${formatShape(t.shape)}`,
      );
    }
  };
  if (recurrentKernel.ndim !== 2 || units === 0) {
    throw new ShapeError(
      `${op}: recurrentKernel must be [units, ${gates}·units], got ${formatShape(recurrentKernel.shape)}`,
    );
  }
  want('recurrentKernel', recurrentKernel, [units, gates * units]);
  want('kernel', kernel, [features, gates * units]);
  for (const [name, t] of states) if (t !== null) want(name, t, [batch, units]);
  if (bias !== null) want('bias', bias, biasShape(units));
  return { batch, time, features, units };
}

/**
 * Row r of the time-major order ([time, batch], steps reversed when `reverse`) is row
 * stepRows[r] of the batch-major one ([batch, time]): one gather of `features`-long rows moves a
 * sequence either way (a strided copy went element by element, in TypeScript).
 */
function stepRows(d: SequenceDims, reverse: boolean): Int32Array {
  const { batch, time } = d;
  const rows = new Int32Array(time * batch);
  for (let t = 0; t < time; t++) {
    const step = reverse ? time - 1 - t : t;
    for (let b = 0; b < batch; b++) rows[t * batch + b] = b * time + step;
  }
  return rows;
}

/** x [batch, time, features] → [time, batch, features], steps reversed when `reverse`. */
export function toTimeMajor(backend: Backend, x: Storage, d: SequenceDims, reverse: boolean): Storage {
  const out = backend.alloc(d.time * d.batch * d.features, true);
  backend.gatherRows(x, d.features, stepRows(d, reverse), out);
  return out;
}

/** The inverse of toTimeMajor: [time, batch, features] (reversed when `reverse`) → [batch, time, features]. */
export function fromTimeMajor(backend: Backend, src: Storage, d: SequenceDims, reverse: boolean): Storage {
  const rows = stepRows(d, reverse);
  const inverse = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) inverse[rows[r]!] = r;
  const out = backend.alloc(d.time * d.batch * d.features, true);
  backend.gatherRows(src, d.features, inverse, out);
  return out;
}

/** out [m, n] = op(a)·op(b) on raw storages. */
export function matmulInto(
  backend: Backend,
  a: Storage,
  b: Storage,
  out: Storage,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
): void {
  backend.matmul(a, b, out, { batch: 1, m, k, n, transA, transB, aBatchStride: m * k, bBatchStride: k * n });
}

/**
 * The sequence ops record one tensor `seq` [time + 1, batch, units]: rows 0…time−1 are h after each
 * step (in processing order), the last row the final cell state (LSTM) or h again (GRU). The
 * results the user sees are recorded slices of it, so their gradients reach the op's rule as one
 * tensor of seq's shape.
 */
export function splitSequence(
  seq: Tensor,
  d: SequenceDims,
  returnSequences: boolean,
): { output: Tensor; h: Tensor; last: Tensor } {
  const h = sliceAxis(seq, 0, d.time - 1, d.time).reshape([d.batch, d.units]);
  const last = sliceAxis(seq, 0, d.time, d.time + 1).reshape([d.batch, d.units]);
  const output = returnSequences ? sliceAxis(seq, 0, 0, d.time).permute(1, 0, 2) : h;
  return { output, h, last };
}

/**
 * The backward of a fused op under createGraph: run the op's composition of recorded ops on the same
 * inputs and differentiate that, so the gradients are differentiable again (a fused kernel is not).
 */
export function recordedGradients(
  inputs: readonly Tensor[],
  composed: () => Tensor,
  g: Tensor,
): Array<Tensor | null> {
  // One entry per distinct tensor (h0 and c0 may be the same zeros): gradients() returns a tensor's
  // total gradient, which must be handed back once, at its first position.
  const wanted = inputs.filter((t, i) => t.requiresGrad && inputs.indexOf(t) === i);
  const grads = gradients(composed(), wanted, { gradOutputs: g, createGraph: true, allowUnused: true });
  return inputs.map((t, i) => (t.requiresGrad && inputs.indexOf(t) === i ? grads[wanted.indexOf(t)]! : null));
}

/**
 * The gradients a sequence op's two projections give, once the recurrence has produced the
 * pre-activation gradients of every step: through x·kernel (`dIn`, [time·batch, width]) the input
 * and the kernel, through h·recurrentKernel (`dRec`; the same as dIn for LSTM) the recurrent
 * kernel — each one product over all steps. `xs` is x time-major, `hs` h_0…h_{T−1}. Null where the
 * operand needs no gradient. `into` holds storage already allocated for the kernel's and the
 * recurrent kernel's gradients (a backend's whole-sequence backward was offered it), with `done`
 * set where that backward already wrote them; the others are computed into it, or into new storage
 * where there is none.
 */
export function projectionGradients(
  backend: Backend,
  d: SequenceDims,
  width: number,
  goBackwards: boolean,
  operands: { x: Tensor; kernel: Tensor; recurrentKernel: Tensor },
  xs: Storage,
  hs: Storage,
  dIn: Storage,
  dRec: Storage,
  into: { du: Storage | null; dw: Storage | null; done: { du: boolean; dw: boolean } } = {
    du: null,
    dw: null,
    done: { du: false, dw: false },
  },
): { dx: Tensor | null; dw: Tensor | null; du: Tensor | null } {
  const { batch, time, features, units } = d;
  const { x, kernel, recurrentKernel } = operands;
  let dx: Tensor | null = null;
  let dw: Tensor | null = null;
  let du: Tensor | null = null;
  if (x.requiresGrad) {
    const dxs = backend.alloc(time * batch * features, true);
    matmulInto(backend, dIn, kernel.storage, dxs, time * batch, width, features, false, true);
    dx = new Tensor(fromTimeMajor(backend, dxs, d, goBackwards), x.shape, backend);
  }
  if (kernel.requiresGrad) {
    const w = into.dw ?? backend.alloc(features * width, true);
    if (!into.done.dw) matmulInto(backend, xs, dIn, w, features, time * batch, width, true, false);
    dw = new Tensor(w, kernel.shape, backend);
  }
  if (recurrentKernel.requiresGrad) {
    const u = into.du ?? backend.alloc(units * width, true);
    if (!into.done.du)
      matmulInto(
        backend,
        backend.slice(hs, 0, time * batch * units),
        dRec,
        u,
        units,
        time * batch,
        width,
        true,
        false,
      );
    du = new Tensor(u, recurrentKernel.shape, backend);
  }
  return { dx, dw, du };
}

/**
 * A whole LSTM sequence as one op, with Keras' equations, weight layout and gate order (i, f, c, o):
 *
 *   z_t = x_t·kernel + h_{t−1}·recurrentKernel + bias
 *   i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o)
 *   c_t = f·c_{t−1} + i·g,   h_t = o·tanh(c_t)
 *
 * Forward: x·kernel for all steps in one matrix product before the loop; per step one product
 * h·recurrentKernel and one element-wise kernel (backend.lstmCell) for all gates and the new state,
 * writing into buffers allocated once per sequence. Backward (BPTT): per step, in reverse, one
 * gate-gradient kernel and one product dz·recurrentKernelᵀ; the weight gradients are then three
 * products over all steps at once. Memory is O(time): the gates and cell states of the forward, one
 * buffer each (a backend's whole-sequence forward also keeps tanh(c_t) and h_t in the state
 * buffer for its backward). Under createGraph the rule differentiates the composition below
 * instead, so second derivatives flow; a backend without the kernels runs the composition
 * (recorded op by op).
 */
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { record } from '../../autograd/graph.js';
import type { Backend, LstmWeightGradients } from '../../backend/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { sigmoid, tanh } from '../activations.js';
import { stack } from '../layout.js';
import { sliceAxis } from '../slice.js';
import { split } from '../split.js';
import { alloc } from '../util.js';
import {
  checkSequenceOperands,
  matmulInto,
  projectionGradients,
  recordedGradients,
  type SequenceDims,
  type SequenceOptions,
  splitSequence,
  toTimeMajor,
} from './common.js';

export type LstmSequenceOptions = SequenceOptions;

export interface LstmSequenceResult {
  /** h of every step [batch, time, units] with returnSequences, else the last h [batch, units]. */
  output: Tensor;
  /** The last hidden state [batch, units]. */
  h: Tensor;
  /** The last cell state [batch, units]. */
  c: Tensor;
}

/**
 * Run an LSTM over x [batch, time, features] from states h0, c0 [batch, units] (null: zeros) with
 * kernel [features, 4·units], recurrentKernel [units, 4·units] and bias [4·units] or null.
 */
export function lstmSequence(
  x: Tensor,
  h0: Tensor | null,
  c0: Tensor | null,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  options: LstmSequenceOptions = {},
): LstmSequenceResult {
  const d = checkSequenceOperands(
    'lstmSequence',
    4,
    x,
    [
      ['h0', h0],
      ['c0', c0],
    ],
    kernel,
    recurrentKernel,
    bias,
    (units) => [4 * units],
  );
  const backend = x.backend;
  const h = h0 ?? alloc([d.batch, d.units], backend);
  const c = c0 ?? alloc([d.batch, d.units], backend);
  const goBackwards = options.goBackwards ?? false;
  const composed = () => lstmComposed(x, h, c, kernel, recurrentKernel, bias, d, goBackwards);
  const seq =
    backend.lstmCell && backend.lstmCellGrad
      ? lstmFused(backend, x, h, c, kernel, recurrentKernel, bias, d, goBackwards, composed)
      : composed();
  const parts = splitSequence(seq, d, options.returnSequences ?? false);
  return { output: parts.output, h: parts.h, c: parts.last };
}

/** The fused forward and its BPTT rule; seq = [h_1 … h_T, c_T] as [time + 1, batch, units]. */
function lstmFused(
  backend: Backend,
  x: Tensor,
  h0: Tensor,
  c0: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  d: SequenceDims,
  goBackwards: boolean,
  composed: () => Tensor,
): Tensor {
  const { batch, time, features, units } = d;
  const width = 4 * units;
  const row = batch * units; // one step's states
  const step = batch * width; // one step's gates
  const cell = backend.lstmCell!;
  const cellGrad = backend.lstmCellGrad!;
  const xs = toTimeMajor(backend, x.storage, d, goBackwards);
  // x·kernel for every step at once; the cell kernel writes each step's activated gates (all the
  // backward needs) to their own buffer, so a step redone after a worker died reads x·kernel intact.
  const xz = backend.alloc(time * step, true);
  matmulInto(backend, xs, kernel.storage, xz, time * batch, features, width);
  const gates = backend.alloc(time * step, true);
  // hs: h_0, h_1 … h_T, then c_T (so seq is one view); cs: c_0 … c_T, then room for what a
  // whole-sequence forward keeps for its backward: tanh(c_t) (which it requires), and h laid out
  // for dU only when a backward can follow (predict has no use for the copy).
  const hs = backend.alloc((time + 2) * row, true);
  const backwardMayFollow =
    isGradEnabled() && [x, h0, c0, kernel, recurrentKernel, bias].some((t) => t?.requiresGrad === true);
  const kept = backend.lstmSequenceForward ? (backwardMayFollow ? 2 : 1) * time : 0;
  const cs = backend.alloc((time + 1 + kept) * row, true);
  backend.copy(h0.storage, backend.slice(hs, 0, row));
  backend.copy(c0.storage, backend.slice(cs, 0, row));
  const b = bias?.storage ?? null;
  // A backend that runs the whole recurrence (threads over the batch's rows) takes it; else step.
  const wholeForward =
    backend.lstmSequenceForward?.(batch, units, time, xz, gates, recurrentKernel.storage, b, cs, hs) ?? false;
  if (!wholeForward) {
    const hz = backend.alloc(step, true);
    for (let t = 0; t < time; t++) {
      matmulInto(
        backend,
        backend.slice(hs, t * row, (t + 1) * row),
        recurrentKernel.storage,
        hz,
        batch,
        units,
        width,
      );
      cell(batch, units, xz, t * step, hz, b, cs, t * row, (t + 1) * row, hs, (t + 1) * row, gates, t * step);
    }
  }
  backend.copy(
    backend.slice(cs, time * row, (time + 1) * row),
    backend.slice(hs, (time + 1) * row, (time + 2) * row),
  );
  const seq = new Tensor(backend.slice(hs, row, (time + 2) * row), [time + 1, batch, units], backend);

  const inputs = bias ? [x, h0, c0, kernel, recurrentKernel, bias] : [x, h0, c0, kernel, recurrentKernel];
  return record('lstmSequence', seq, inputs, (g) => {
    if (isGradEnabled()) return recordedGradients(inputs, composed, g);
    const gs = g.storage;
    // dh (what step t+1 sends back to h_t through the recurrent kernel) and dc side by side.
    const dhdc = backend.alloc(2 * row);
    const dh = backend.slice(dhdc, 0, row);
    const dc = backend.slice(dhdc, row, 2 * row);
    backend.copy(backend.slice(gs, time * row, (time + 1) * row), dc);
    const dz = backend.alloc(time * step, true);
    // The whole backward may also give the weight gradients (as matmul and reduce would).
    const weights: LstmWeightGradients | null = wholeForward
      ? {
          xs,
          features,
          dzWanted: x.requiresGrad,
          du: recurrentKernel.requiresGrad ? backend.alloc(units * width, true) : null,
          dw: kernel.requiresGrad ? backend.alloc(features * width, true) : null,
          db: bias?.requiresGrad ? backend.alloc(width, true) : null,
        }
      : null;
    const whole =
      wholeForward &&
      (backend.lstmSequenceBackward?.(
        batch,
        units,
        time,
        gates,
        recurrentKernel.storage,
        cs,
        gs,
        dhdc,
        dz,
        h0.requiresGrad,
        weights,
      ) ??
        false);
    const done = typeof whole === 'object' ? whole : { du: false, dw: false, db: false };
    for (let t = time - 1; t >= 0 && !whole; t--) {
      cellGrad(batch, units, gates, t * step, cs, t * row, (t + 1) * row, gs, t * row, dh, dc, dz, t * step);
      if (t > 0 || h0.requiresGrad) {
        matmulInto(
          backend,
          backend.slice(dz, t * step, (t + 1) * step),
          recurrentKernel.storage,
          dh,
          batch,
          width,
          units,
          false,
          true,
        );
      }
    }
    const { dx, dw, du } = projectionGradients(
      backend,
      d,
      width,
      goBackwards,
      { x, kernel, recurrentKernel },
      xs,
      hs,
      dz,
      dz,
      // The storage offered to the backend holds the gradients it did not write as well.
      { du: weights?.du ?? null, dw: weights?.dw ?? null, done },
    );
    const grads: Array<Tensor | null> = [
      dx,
      h0.requiresGrad ? new Tensor(dh, h0.shape, backend) : null,
      c0.requiresGrad ? new Tensor(dc, c0.shape, backend) : null,
      dw,
      du,
    ];
    if (bias?.requiresGrad) {
      const db = weights?.db ?? backend.alloc(width, true);
      if (!done.db) backend.reduce('sum', dz, 1, time * batch, width, db);
      grads.push(new Tensor(db, bias.shape, backend));
    }
    return grads;
  });
}

/** The same sequence composed of recorded ops, step by step: the reference, and the createGraph path. */
function lstmComposed(
  x: Tensor,
  h0: Tensor,
  c0: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  d: SequenceDims,
  goBackwards: boolean,
): Tensor {
  const { batch, time, features, units } = d;
  let xz = x.reshape([batch * time, features]).matmul(kernel);
  if (bias) xz = xz.add(bias);
  xz = xz.reshape([batch, time, 4 * units]);
  let h = h0;
  let c = c0;
  const hs: Tensor[] = [];
  for (let s = 0; s < time; s++) {
    const t = goBackwards ? time - 1 - s : s;
    const z = sliceAxis(xz, 1, t, t + 1)
      .reshape([batch, 4 * units])
      .add(h.matmul(recurrentKernel));
    const [zi, zf, zc, zo] = split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    c = sigmoid(zf)
      .mul(c)
      .add(sigmoid(zi).mul(tanh(zc)));
    h = sigmoid(zo).mul(tanh(c));
    hs.push(h);
  }
  return stack([...hs, c], 0);
}

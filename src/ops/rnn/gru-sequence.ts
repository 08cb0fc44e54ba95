/**
 * A whole GRU sequence as one op, with Keras' equations, weight layout and gate order (z, r, h).
 * With resetAfter (Keras 2 / TF2 default; bias [2, 3·units]: input bias, recurrent bias):
 *
 *   x_* = x_t·kernel_* + b_in_*,   r_* = h_{t−1}·recurrentKernel_* + b_rec_*
 *   z = σ(x_z + r_z), r = σ(x_r + r_r), ĥ = tanh(x_h + r·r_h),   h_t = z·h_{t−1} + (1 − z)·ĥ
 *
 * and without (bias [3·units]): ĥ = tanh(x_h + (r·h_{t−1})·recurrentKernel_h).
 *
 * resetAfter runs fused as lstmSequence does (one input product before the loop; per step one
 * recurrent product and one gate kernel each way; weight gradients as products over all steps).
 * resetAfter: false, whose candidate needs a second product inside each step, runs the composition
 * of recorded ops, as does every backend without the kernels.
 */
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { record } from '../../autograd/graph.js';
import type { Backend } from '../../backend/backend.js';
import { ArgumentError } from '../../errors.js';
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

export interface GruSequenceOptions extends SequenceOptions {
  /** Keras reset_after: apply the reset gate after the recurrent product (bias [2, 3·units]). */
  resetAfter: boolean;
}

export interface GruSequenceResult {
  /** h of every step [batch, time, units] with returnSequences, else the last h [batch, units]. */
  output: Tensor;
  /** The last hidden state [batch, units]. */
  h: Tensor;
}

/**
 * Run a GRU over x [batch, time, features] from h0 [batch, units] (null: zeros) with kernel
 * [features, 3·units], recurrentKernel [units, 3·units] and bias ([2, 3·units] with resetAfter,
 * else [3·units]) or null.
 */
export function gruSequence(
  x: Tensor,
  h0: Tensor | null,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  options: GruSequenceOptions,
): GruSequenceResult {
  if (typeof options?.resetAfter !== 'boolean') {
    throw new ArgumentError(
      `gruSequence: options.resetAfter must be true (Keras 2 / TF2, bias [2, 3·units]) or false (bias [3·units]), got ${String(options?.resetAfter)}`,
    );
  }
  const resetAfter = options.resetAfter;
  const d = checkSequenceOperands(
    'gruSequence',
    3,
    x,
    [['h0', h0]],
    kernel,
    recurrentKernel,
    bias,
    (units) => (resetAfter ? [2, 3 * units] : [3 * units]),
  );
  const backend = x.backend;
  const h = h0 ?? alloc([d.batch, d.units], backend);
  const goBackwards = options.goBackwards ?? false;
  const composed = () => gruComposed(x, h, kernel, recurrentKernel, bias, d, goBackwards, resetAfter);
  const seq =
    resetAfter && backend.gruCell && backend.gruCellGrad
      ? gruFused(backend, x, h, kernel, recurrentKernel, bias, d, goBackwards, composed)
      : composed();
  const parts = splitSequence(seq, d, options.returnSequences ?? false);
  return { output: parts.output, h: parts.h };
}

/** The fused forward (resetAfter) and its BPTT rule; seq = [h_1 … h_T, h_T]. */
function gruFused(
  backend: Backend,
  x: Tensor,
  h0: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  d: SequenceDims,
  goBackwards: boolean,
  composed: () => Tensor,
): Tensor {
  const { batch, time, features, units } = d;
  const width = 3 * units;
  const row = batch * units;
  const step = batch * width; // one step's x-part
  const kept = batch * 4 * units; // one step's saved gates: z, r, ĥ, r_h
  const cell = backend.gruCell!;
  const cellGrad = backend.gruCellGrad!;
  const xs = toTimeMajor(backend, x.storage, d, goBackwards);
  const xz = backend.alloc(time * step, true);
  matmulInto(backend, xs, kernel.storage, xz, time * batch, features, width);
  const biasIn = bias ? backend.slice(bias.storage, 0, width) : null;
  const biasRec = bias ? backend.slice(bias.storage, width, 2 * width) : null;
  // hs: h_0, h_1 … h_T, then h_T again (so seq is one view of the same shape as the LSTM's).
  const hs = backend.alloc((time + 2) * row, true);
  backend.copy(h0.storage, backend.slice(hs, 0, row));
  const gates = backend.alloc(time * kept, true);
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
    cell(batch, units, xz, t * step, hz, biasIn, biasRec, hs, t * row, (t + 1) * row, gates, t * kept);
  }
  backend.copy(
    backend.slice(hs, time * row, (time + 1) * row),
    backend.slice(hs, (time + 1) * row, (time + 2) * row),
  );
  const seq = new Tensor(backend.slice(hs, row, (time + 2) * row), [time + 1, batch, units], backend);

  const inputs = bias ? [x, h0, kernel, recurrentKernel, bias] : [x, h0, kernel, recurrentKernel];
  return record('gruSequence', seq, inputs, (g) => {
    if (isGradEnabled()) return recordedGradients(inputs, composed, g);
    // seq's last row repeats h_T: its gradient joins that of h_T (row time − 1).
    const gs = backend.alloc(time * row, true);
    backend.copy(backend.slice(g.storage, 0, time * row), gs);
    backend.binary(
      'add',
      backend.slice(gs, (time - 1) * row, time * row),
      [1],
      backend.slice(g.storage, time * row, (time + 1) * row),
      [1],
      backend.slice(gs, (time - 1) * row, time * row),
      [row],
    );
    const dhCarry = backend.alloc(row);
    const dhDirect = backend.alloc(row);
    const dxz = backend.alloc(time * step, true);
    const drec = backend.alloc(time * step, true);
    for (let t = time - 1; t >= 0; t--) {
      cellGrad(
        batch,
        units,
        gates,
        t * kept,
        hs,
        t * row,
        gs,
        t * row,
        dhCarry,
        dhDirect,
        dxz,
        drec,
        t * step,
      );
      if (t > 0 || h0.requiresGrad) {
        matmulInto(
          backend,
          backend.slice(drec, t * step, (t + 1) * step),
          recurrentKernel.storage,
          dhCarry,
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
      dxz,
      drec,
    );
    let dh0: Tensor | null = null;
    if (h0.requiresGrad) {
      const sum = backend.alloc(row, true);
      backend.binary('add', dhCarry, [1], dhDirect, [1], sum, [row]);
      dh0 = new Tensor(sum, h0.shape, backend);
    }
    const grads: Array<Tensor | null> = [dx, dh0, dw, du];
    if (bias?.requiresGrad) {
      const db = backend.alloc(2 * width, true);
      backend.reduce('sum', dxz, 1, time * batch, width, backend.slice(db, 0, width));
      backend.reduce('sum', drec, 1, time * batch, width, backend.slice(db, width, 2 * width));
      grads.push(new Tensor(db, bias.shape, backend));
    }
    return grads;
  });
}

/** The same sequence composed of recorded ops, step by step (both resetAfter modes). */
function gruComposed(
  x: Tensor,
  h0: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  d: SequenceDims,
  goBackwards: boolean,
  resetAfter: boolean,
): Tensor {
  const { batch, time, features, units } = d;
  let xz = x.reshape([batch * time, features]).matmul(kernel);
  let biasRec: Tensor | null = null;
  if (bias) {
    if (resetAfter) {
      xz = xz.add(sliceAxis(bias, 0, 0, 1).reshape([3 * units]));
      biasRec = sliceAxis(bias, 0, 1, 2).reshape([3 * units]);
    } else {
      xz = xz.add(bias);
    }
  }
  xz = xz.reshape([batch, time, 3 * units]);
  const [uzr, uh] = split(recurrentKernel, [2 * units, units], 1) as [Tensor, Tensor];
  let h = h0;
  const hs: Tensor[] = [];
  for (let s = 0; s < time; s++) {
    const t = goBackwards ? time - 1 - s : s;
    const [xZ, xR, xH] = split(sliceAxis(xz, 1, t, t + 1).reshape([batch, 3 * units]), 3, 1) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    let z: Tensor;
    let r: Tensor;
    let candidate: Tensor;
    if (resetAfter) {
      let rec = h.matmul(recurrentKernel);
      if (biasRec) rec = rec.add(biasRec);
      const [rZ, rR, rH] = split(rec, 3, 1) as [Tensor, Tensor, Tensor];
      z = sigmoid(xZ.add(rZ));
      r = sigmoid(xR.add(rR));
      candidate = tanh(xH.add(r.mul(rH)));
    } else {
      const [rZ, rR] = split(h.matmul(uzr), 2, 1) as [Tensor, Tensor];
      z = sigmoid(xZ.add(rZ));
      r = sigmoid(xR.add(rR));
      candidate = tanh(xH.add(r.mul(h).matmul(uh)));
    }
    h = z.mul(h).add(z.neg().add(1).mul(candidate));
    hs.push(h);
  }
  return stack([...hs, h], 0);
}

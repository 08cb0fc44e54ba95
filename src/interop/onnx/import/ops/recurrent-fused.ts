/**
 * The common case of ONNX's LSTM and GRU — the default activations, no clip, no peepholes, no
 * input_forget, no sequence_lens — on backprop's fused sequence ops (lstmSequence, gruSequence),
 * which compute Keras' equations: ONNX's, once the gates are put in Keras' order (LSTM i, o, f, c →
 * i, f, c, o; GRU z, r, h is the same) and the two biases merged where Keras has one. The moves
 * are tensor ops, so gradients still reach W, R, B and the initial states.
 */
import { concat } from '../../../../ops/layout.js';
import { gruSequence } from '../../../../ops/rnn/gru-sequence.js';
import { lstmSequence } from '../../../../ops/rnn/lstm-sequence.js';
import type { Tensor } from '../../../../tensor/tensor.js';

/** ONNX's LSTM gate blocks i, o, f, c taken in Keras' order i, f, c, o. */
const KERAS_LSTM_ORDER = [0, 2, 3, 1];

export interface FusedDirection {
  kind: 'LSTM' | 'GRU';
  /** X batch-first [batch, seq, input]. */
  x: Tensor;
  /** This direction's W [gates·H, input], R [gates·H, H], B [2·gates·H] (or undefined). */
  w: Tensor;
  r: Tensor;
  b: Tensor | undefined;
  h0: Tensor | undefined;
  c0: Tensor | undefined;
  reverse: boolean;
  linearBeforeReset: boolean;
}

/** Y of this direction [seq, batch, H] in input time order, and the last h and c [batch, H]. */
export function runFusedDirection(d: FusedDirection): { y: Tensor; h: Tensor; c: Tensor | undefined } {
  const options = { returnSequences: true, goBackwards: d.reverse };
  let y: Tensor;
  let h: Tensor;
  let c: Tensor | undefined;
  if (d.kind === 'LSTM') {
    const reorder = (t: Tensor) => {
      const blocks = t.split(4, 0);
      return concat(
        KERAS_LSTM_ORDER.map((k) => blocks[k]!),
        0,
      );
    };
    const bias = d.b && reorder(d.b.split(2, 0).reduce((a, b) => a.add(b)));
    const out = lstmSequence(
      d.x,
      d.h0 ?? null,
      d.c0 ?? null,
      reorder(d.w).transpose(),
      reorder(d.r).transpose(),
      bias ?? null,
      options,
    );
    [y, h, c] = [out.output, out.h, out.c];
  } else {
    // linear_before_reset is Keras' resetAfter, whose bias keeps Wb and Rb apart as [2, 3·H].
    const [wb, rb] = d.b?.split(2, 0) ?? [];
    const bias =
      wb && rb && (d.linearBeforeReset ? concat([wb.reshape([1, -1]), rb.reshape([1, -1])], 0) : wb.add(rb));
    const out = gruSequence(d.x, d.h0 ?? null, d.w.transpose(), d.r.transpose(), bias ?? null, {
      ...options,
      resetAfter: d.linearBeforeReset,
    });
    [y, h] = [out.output, out.h];
  }
  // goBackwards returns the steps in the order it ran them; ONNX's Y is in the input's order.
  if (d.reverse)
    y = y.gather(
      Array.from({ length: y.shape[1]! }, (_, t) => y.shape[1]! - 1 - t),
      1,
    );
  return { y: y.permute(1, 0, 2), h, c };
}

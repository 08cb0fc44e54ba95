/**
 * ONNX operators LSTM, GRU and RNN as a loop of tensor ops over the time steps, so that gradients
 * reach X, W, R, B, the initial states and the peepholes (an imported model fine-tunes). Every
 * attribute of the specification is honoured: activations (with activation_alpha/beta), clip,
 * direction (forward, reverse, bidirectional), hidden_size, input_forget, layout (0 time-first,
 * 1 batch-first), linear_before_reset (GRU); inputs sequence_lens (per-batch lengths: a sequence
 * stops at its length, Y is zero past it, and 'reverse' starts from its last valid step),
 * initial_h, initial_c and P (peepholes i, o, f).
 *
 * The common case (default activations, no clip, peepholes, input_forget, and no sequence_lens or
 * one that keeps every step) runs on backprop's fused sequence ops instead (recurrent-fused.ts);
 * both are checked against the specification's equations in the tests. The choice is the one
 * backprop's LSTM and GRU layers make (a mask that keeps every step takes their fused path too), so
 * a layer exported by toOnnx with its mask's lengths imports bit-identically.
 *
 * ONNX's gate order: LSTM i, o, f, c; GRU z, r, h. W [dirs, gates·H, input], R [dirs, gates·H, H],
 * B [dirs, 2·gates·H] (Wb then Rb).
 */
import { stack } from '../../../../ops/layout.js';
import { where } from '../../../../ops/where.js';
import { zeros } from '../../../../tensor/create.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import type { Attributes, NodeInfo, OperatorTable } from '../op-types.js';
import { runFusedDirection } from './recurrent-fused.js';
import { type Activation, recurrentActivations } from './rnn-activations.js';
import { floatOf, intOf, refuse, required } from './spatial.js';

type Kind = 'LSTM' | 'GRU' | 'RNN';

const GATES: Record<Kind, number> = { LSTM: 4, GRU: 3, RNN: 1 };
const DEFAULT_ACTIVATIONS: Record<Kind, string[]> = {
  LSTM: ['Sigmoid', 'Tanh', 'Tanh'],
  GRU: ['Sigmoid', 'Tanh'],
  RNN: ['Tanh'],
};
const DIRECTIONS = ['forward', 'reverse', 'bidirectional'];

/** One direction's weights, all as 2-D/1-D tensors ready for [batch, ·] products. */
interface DirectionWeights {
  /** Wᵀ [input, gates·H] */
  w: Tensor;
  /** Rᵀ [H, gates·H] */
  r: Tensor;
  /** Wb [gates·H] and Rb [gates·H], or undefined without B. */
  wb?: Tensor;
  rb?: Tensor;
  /** Peepholes i, o, f, each [H]. */
  peep?: [Tensor, Tensor, Tensor];
}

interface StepContext {
  activations: Activation[];
  clip: (t: Tensor) => Tensor;
  inputForget: boolean;
  linearBeforeReset: boolean;
}

/** One LSTM step: (x·Wᵀ + Wb + Rb precomputed as xw, h, c) → (h', c'). */
function lstmStep(
  ctx: StepContext,
  weights: DirectionWeights,
  xw: Tensor,
  h: Tensor,
  c: Tensor,
): [Tensor, Tensor] {
  const [f, g, act] = ctx.activations as [Activation, Activation, Activation];
  const [pi, po, pf] = (weights.peep ?? []) as (Tensor | undefined)[];
  let [i, o, fg, cc] = xw.add(h.matmul(weights.r)).split(4, 1) as [Tensor, Tensor, Tensor, Tensor];
  if (pi) i = i.add(c.mul(pi));
  if (pf) fg = fg.add(c.mul(pf));
  const it = f(ctx.clip(i));
  // input_forget couples the gates: what is let in is what is forgotten.
  const ft = ctx.inputForget ? it.neg().add(1) : f(ctx.clip(fg));
  const ct = g(ctx.clip(cc));
  const cNew = ft.mul(c).add(it.mul(ct));
  if (po) o = o.add(cNew.mul(po));
  const ot = f(ctx.clip(o));
  return [ot.mul(act(cNew)), cNew];
}

/** One GRU step (linear_before_reset picks where the reset gate applies). */
function gruStep(ctx: StepContext, weights: DirectionWeights, xw: Tensor, h: Tensor): Tensor {
  const [f, g] = ctx.activations as [Activation, Activation];
  const [xz, xr, xh] = xw.split(3, 1) as [Tensor, Tensor, Tensor];
  if (ctx.linearBeforeReset) {
    // Keras' GRU (resetAfter) adds (x·W + Wb) and (h·R + Rb) for all three gates — the same sums
    // grouped the same way, so a Keras/backprop GRU reads back bit-identical (xw has no Rb here).
    let hr = h.matmul(weights.r);
    if (weights.rb) hr = hr.add(weights.rb);
    const [hz, hrr, hh] = hr.split(3, 1) as [Tensor, Tensor, Tensor];
    const zt = f(ctx.clip(xz.add(hz)));
    const rt = f(ctx.clip(xr.add(hrr)));
    const ht = g(ctx.clip(xh.add(rt.mul(hh))));
    return ht.add(zt.mul(h.sub(ht)));
  }
  const [rz, rr, rh] = weights.r.split(3, 1) as [Tensor, Tensor, Tensor];
  const [, , rbh] = (weights.rb?.split(3, 0) ?? []) as (Tensor | undefined)[];
  const zt = f(ctx.clip(xz.add(h.matmul(rz))));
  const rt = f(ctx.clip(xr.add(h.matmul(rr))));
  let candidate = xh.add(rt.mul(h).matmul(rh));
  if (rbh) candidate = candidate.add(rbh);
  const ht = g(ctx.clip(candidate));
  // H' = (1 − z)·h̃ + z·H = h̃ + z·(H − h̃)
  return ht.add(zt.mul(h.sub(ht)));
}

function runRecurrent(
  kind: Kind,
  inputs: readonly (Tensor | undefined)[],
  attributes: Attributes,
  node: NodeInfo,
): Tensor[] {
  const gates = GATES[kind];
  let x = required(node, inputs, 0, 'X');
  const W = required(node, inputs, 1, 'W');
  const R = required(node, inputs, 2, 'R');
  const [B, seqLens, initialH] = [inputs[3], inputs[4], inputs[5]];
  const initialC = kind === 'LSTM' ? inputs[6] : undefined;
  const P = kind === 'LSTM' ? inputs[7] : undefined;
  const direction = attributes.direction ?? 'forward';
  if (typeof direction !== 'string' || !DIRECTIONS.includes(direction)) {
    refuse(
      node,
      `attribute direction must be one of ${DIRECTIONS.join(', ')}, got ${JSON.stringify(direction)}`,
    );
  }
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const layout = intOf(node, attributes, 'layout', 0, 0, 1);
  const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;
  if (x.ndim !== 3)
    refuse(
      node,
      `input X must be 3-D (${layout === 0 ? '[seq, batch, input]' : '[batch, seq, input]'}), got ${shape(x)}`,
    );
  if (layout === 1) x = x.permute(1, 0, 2);
  const [seq, batch, inputSize] = x.shape as [number, number, number];
  if (W.ndim !== 3 || W.shape[0] !== dirs || W.shape[1]! % gates !== 0 || W.shape[2] !== inputSize) {
    refuse(
      node,
      `input W must be [${dirs}, ${gates}·hidden_size, ${inputSize}] for direction '${direction}', got ${shape(W)}`,
    );
  }
  const hidden = W.shape[1]! / gates;
  if (attributes.hidden_size !== undefined) {
    const h = intOf(node, attributes, 'hidden_size', hidden, 1);
    if (h !== hidden)
      refuse(node, `attribute hidden_size ${h} disagrees with W of shape ${shape(W)} (${hidden})`);
  }
  const expect = (t: Tensor | undefined, name: string, dims: number[]) => {
    if (t !== undefined && (t.ndim !== dims.length || t.shape.some((d, i) => d !== dims[i]))) {
      refuse(node, `input ${name} must be [${dims.join(', ')}], got ${shape(t)}`);
    }
  };
  expect(R, 'R', [dirs, gates * hidden, hidden]);
  expect(B, 'B', [dirs, 2 * gates * hidden]);
  expect(seqLens, 'sequence_lens', [batch]);
  const stateDims = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  expect(initialH, 'initial_h', stateDims);
  expect(initialC, 'initial_c', stateDims);
  expect(P, 'P', [dirs, 3 * hidden]);
  const clipValue = attributes.clip === undefined ? undefined : floatOf(node, attributes, 'clip', 0);
  if (clipValue !== undefined && clipValue <= 0)
    refuse(node, `attribute clip must be positive, got ${clipValue}`);
  const activations = recurrentActivations(node, attributes, DEFAULT_ACTIVATIONS[kind], dirs);
  const inputForget = kind === 'LSTM' && intOf(node, attributes, 'input_forget', 0, 0, 1) === 1;
  const linearBeforeReset = kind === 'GRU' && intOf(node, attributes, 'linear_before_reset', 0, 0, 1) === 1;

  // States as [dirs, batch, H] whatever the layout.
  const toDirsFirst = (t: Tensor | undefined) => (t === undefined || layout === 0 ? t : t.permute(1, 0, 2));
  const h0 = toDirsFirst(initialH)?.unstack(0);
  const c0 = toDirsFirst(initialC)?.unstack(0);
  const Ws = W.unstack(0);
  const Rs = R.unstack(0);
  const Bs = B?.unstack(0);
  const Ps = P?.unstack(0);
  // Step masks from sequence_lens: step t counts for batch entry b while t < length[b].
  const everyStepKept = seqLens === undefined || seqLens.dataSync().every((n) => n >= seq);
  const masks =
    seqLens === undefined || everyStepKept
      ? undefined
      : Array.from({ length: seq }, (_, t) => seqLens.gt(t).reshape([batch, 1]));
  const xFlat = x.reshape([seq * batch, inputSize]);

  const ys: Tensor[] = [];
  const finalH: Tensor[] = [];
  const finalC: Tensor[] = [];
  // Keras' equations are ONNX's with the default activations and none of the extras: the fused ops.
  const defaults = DEFAULT_ACTIVATIONS[kind].map((n) => n.toLowerCase());
  const defaultActivations =
    attributes.activations === undefined ||
    (attributes.activations as string[]).every((n, i) => n.toLowerCase() === defaults[i % defaults.length]);
  const fused =
    kind !== 'RNN' && defaultActivations && clipValue === undefined && !inputForget && !P && everyStepKept;
  const xBatchFirst = fused ? x.permute(1, 0, 2) : x;
  for (let d = 0; d < dirs; d++) {
    const reverse = direction === 'reverse' || d === 1;
    if (fused) {
      const out = runFusedDirection({
        kind: kind as 'LSTM' | 'GRU',
        x: xBatchFirst,
        w: Ws[d]!,
        r: Rs[d]!,
        b: Bs?.[d],
        h0: h0?.[d],
        c0: c0?.[d],
        reverse,
        linearBeforeReset,
      });
      ys.push(out.y);
      finalH.push(out.h);
      finalC.push(out.c ?? out.h);
      continue;
    }
    const [wb, rb] = (Bs?.[d]?.split(2, 0) ?? []) as (Tensor | undefined)[];
    const weights: DirectionWeights = {
      w: Ws[d]!.transpose(),
      r: Rs[d]!.transpose(),
      ...(wb && { wb }),
      ...(rb && { rb }),
      ...(Ps && { peep: Ps[d]!.split(3, 0) as [Tensor, Tensor, Tensor] }),
    };
    const ctx: StepContext = {
      activations: activations[d]!,
      clip: clipValue === undefined ? (t) => t : (t) => t.clip(-clipValue, clipValue),
      inputForget,
      linearBeforeReset,
    };
    // X·Wᵀ + Wb (+ Rb, except GRU's candidate gate, whose Rb sits inside the reset; with
    // linear_before_reset gruStep adds all of GRU's Rb to h·Rᵀ) for every step at once.
    let xw = xFlat.matmul(weights.w);
    if (wb) xw = xw.add(wb);
    if (rb && !(kind === 'GRU' && linearBeforeReset)) {
      xw = xw.add(kind === 'GRU' ? rb.sliceAxis(0, 0, 2 * hidden).pad([[0, hidden]]) : rb);
    }
    const steps = xw.reshape([seq, batch, gates * hidden]).unstack(0);
    let h = h0?.[d] ?? zeros([batch, hidden]);
    let c = c0?.[d] ?? zeros([batch, hidden]);
    const perStep = new Array<Tensor>(seq);
    for (let s = 0; s < seq; s++) {
      const t = reverse ? seq - 1 - s : s;
      let hNew: Tensor;
      let cNew = c;
      if (kind === 'LSTM') [hNew, cNew] = lstmStep(ctx, weights, steps[t]!, h, c);
      else if (kind === 'GRU') hNew = gruStep(ctx, weights, steps[t]!, h);
      else hNew = ctx.activations[0]!(ctx.clip(steps[t]!.add(h.matmul(weights.r))));
      const mask = masks?.[t];
      perStep[t] = mask ? where(mask, hNew, 0) : hNew;
      h = mask ? where(mask, hNew, h) : hNew;
      c = mask ? where(mask, cNew, c) : cNew;
    }
    ys.push(stack(perStep, 0));
    finalH.push(h);
    finalC.push(c);
  }
  // Y [seq, dirs, batch, H] (layout 1: [batch, seq, dirs, H]); Y_h, Y_c [dirs, batch, H] (layout 1: [batch, dirs, H]).
  const y = stack(ys, 1);
  const yh = stack(finalH, 0);
  const yc = stack(finalC, 0);
  const outputs =
    layout === 1 ? [y.permute(2, 0, 1, 3), yh.permute(1, 0, 2), yc.permute(1, 0, 2)] : [y, yh, yc];
  return outputs.slice(0, kind === 'LSTM' ? 3 : 2);
}

const recurrentAttributes = {
  activation_alpha: { type: 'floats', optional: true },
  activation_beta: { type: 'floats', optional: true },
  activations: { type: 'strings', optional: true },
  clip: { type: 'float', optional: true },
  direction: { type: 'string', default: 'forward' },
  hidden_size: { type: 'int', optional: true },
  layout: { type: 'int', default: 0 },
} as const;

export const recurrentOperators: OperatorTable = {
  LSTM: {
    attributes: { ...recurrentAttributes, input_forget: { type: 'int', default: 0 } },
    run: (inputs, attributes, _consts, node) => runRecurrent('LSTM', inputs, attributes, node),
  },
  GRU: {
    attributes: { ...recurrentAttributes, linear_before_reset: { type: 'int', default: 0 } },
    run: (inputs, attributes, _consts, node) => runRecurrent('GRU', inputs, attributes, node),
  },
  RNN: {
    attributes: recurrentAttributes,
    run: (inputs, attributes, _consts, node) => runRecurrent('RNN', inputs, attributes, node),
  },
};

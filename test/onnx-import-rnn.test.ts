/**
 * ONNX import of the recurrent operators LSTM, GRU and RNN: every attribute (activations with
 * their alpha/beta, clip, direction, hidden_size, input_forget, layout, linear_before_reset) and
 * every input (B, sequence_lens with per-batch lengths, initial_h, initial_c, P) as a one-node
 * graph checked against the specification's equations in float64 (onnx-import-reference.ts),
 * through the operator's run, through fromOnnx and in ONNX Runtime; gradients checked numerically.
 *
 * The graphs feed X batch-first and transpose it to ONNX's time-first layout (and Y, Y_h, Y_c
 * back), as exporters do: an imported model's inputs and outputs keep the batch axis first.
 */
import { it } from 'node:test';
import { describeEachBackend } from './helpers.js';
import { type Arr, type RecurrentRef, refActivation, refRecurrent } from './onnx-import-reference.js';
import {
  checkCase,
  data,
  expectGradcheck,
  expectRefused,
  type OpCase,
  type OpInput,
  permuteArr,
} from './onnx-op-cases.js';

const GATES = { LSTM: 4, GRU: 3, RNN: 1 } as const;
type Kind = keyof typeof GATES;

interface Setup {
  kind: Kind;
  seq: number;
  batch: number;
  input: number;
  hidden: number;
  direction?: 'forward' | 'reverse' | 'bidirectional';
  withB?: boolean;
  withStates?: boolean;
  withP?: boolean;
  seqLens?: number[];
  attributes?: OpCase['attributes'];
  /** The activations by name, per direction (for the reference), with alpha/beta. */
  activations?: [string, number, number][];
  seed: number;
}

const DEFAULTS: Record<Kind, string[]> = {
  LSTM: ['Sigmoid', 'Tanh', 'Tanh'],
  GRU: ['Sigmoid', 'Tanh'],
  RNN: ['Tanh'],
};

/** The case (time-first X, layout 0) and its float64 reference outputs. */
function recurrentCase(s: Setup): { c: OpCase; expected: Arr[]; ref: RecurrentRef } {
  const dirs = s.direction === 'bidirectional' ? 2 : 1;
  const g = GATES[s.kind];
  const H = s.hidden;
  const x = data(s.seed, [s.seq, s.batch, s.input]);
  const w = data(s.seed + 1, [dirs, g * H, s.input], -0.8, 0.8);
  const r = data(s.seed + 2, [dirs, g * H, H], -0.8, 0.8);
  const b = s.withB ? data(s.seed + 3, [dirs, 2 * g * H], -0.5, 0.5) : undefined;
  const h0 = s.withStates ? data(s.seed + 4, [dirs, s.batch, H], -1, 1) : undefined;
  const c0 = s.withStates && s.kind === 'LSTM' ? data(s.seed + 5, [dirs, s.batch, H], -1, 1) : undefined;
  const p = s.withP ? data(s.seed + 6, [dirs, 3 * H], -0.5, 0.5) : undefined;
  // sequence_lens is fed (a fixed-batch initializer would pin the batch) as float, Cast to int32.
  const lens: OpInput | undefined = s.seqLens && { dims: [s.batch], data: s.seqLens, castTo: 'int32' };
  const inputs: (OpInput | null)[] = [x, w, r, b ?? null, lens ?? null, h0 ?? null];
  if (s.kind === 'LSTM') inputs.push(c0 ?? null, p ?? null);
  while (inputs[inputs.length - 1] === null) inputs.pop();
  const names =
    s.activations ??
    Array.from({ length: dirs }, () =>
      DEFAULTS[s.kind].map((n): [string, number, number] => [n, 0, 0]),
    ).flat();
  const per = DEFAULTS[s.kind].length;
  const ref: RecurrentRef = {
    kind: s.kind,
    x,
    w,
    r,
    ...(b && { b }),
    ...(h0 && { h0 }),
    ...(c0 && { c0 }),
    ...(p && { p }),
    ...(s.seqLens && { seqLens: s.seqLens }),
    direction: s.direction ?? 'forward',
    activations: Array.from({ length: dirs }, (_, d) =>
      names.slice(d * per, (d + 1) * per).map(([n, a, bb]) => refActivation(n, a, bb)),
    ),
    ...(s.attributes?.clip !== undefined && { clip: (s.attributes.clip as { float: number }).float }),
    inputForget: s.attributes?.input_forget === 1,
    linearBeforeReset: s.attributes?.linear_before_reset === 1,
  };
  const out = refRecurrent(ref);
  const outputs = s.kind === 'LSTM' ? 3 : 2;
  const c: OpCase = {
    op: s.kind,
    attributes: { hidden_size: H, ...(s.direction && { direction: s.direction }), ...s.attributes },
    inputs,
    outputs,
    // X and the initial states are fed batch-first: fixed-batch initializers would pin the batch.
    feedPerms: [[1, 0, 2], undefined, undefined, undefined, undefined, h0 && [1, 0, 2], c0 && [1, 0, 2]],
    // Y [seq, dirs, batch, H] → [batch, seq, dirs, H]; Y_h, Y_c [dirs, batch, H] → [batch, dirs, H].
    outputPerms: [
      [2, 0, 1, 3],
      [1, 0, 2],
      [1, 0, 2],
    ].slice(0, outputs),
  };
  return { c, expected: [out.y, out.yh, out.yc].slice(0, outputs), ref };
}

/** The same case in layout 1 (batch-first X, states and outputs): no Transposes needed. */
function layout1(c: OpCase, expected: Arr[]): { c: OpCase; expected: Arr[] } {
  const perm = [1, 0, 2];
  const inputs = c.inputs.map((t, i) => {
    if (!t || !(i === 0 || i === 5 || i === 6)) return t;
    const p = permuteArr(t, perm);
    return { ...t, dims: p.dims, data: [...p.data] };
  });
  const { feedPerms: _f, outputPerms: _o, ...rest } = c;
  return {
    c: {
      ...rest,
      inputs: inputs.map((t, i) => (t && (i === 5 || i === 6) ? { ...t, feed: true } : t)),
      attributes: { ...c.attributes, layout: 1 },
    },
    expected: expected.map((e, i) => permuteArr(e, i === 0 ? [2, 0, 1, 3] : perm)),
  };
}

describeEachBackend('ONNX import: LSTM', () => {
  it('forward with the defaults (no B, no states)', async () => {
    const { c, expected } = recurrentCase({ kind: 'LSTM', seq: 4, batch: 2, input: 3, hidden: 2, seed: 100 });
    await checkCase(c, expected, 'LSTM forward');
  });
  it('bidirectional with B, initial_h, initial_c, peepholes and hidden_size', async () => {
    const { c, expected } = recurrentCase({
      kind: 'LSTM',
      seq: 3,
      batch: 2,
      input: 2,
      hidden: 3,
      direction: 'bidirectional',
      withB: true,
      withStates: true,
      withP: true,
      attributes: { hidden_size: 3 },
      seed: 110,
    });
    await checkCase(c, expected, 'LSTM bidirectional');
  });
  it('reverse with clip and input_forget', async () => {
    const { c, expected } = recurrentCase({
      kind: 'LSTM',
      seq: 4,
      batch: 3,
      input: 2,
      hidden: 2,
      direction: 'reverse',
      withB: true,
      attributes: { clip: { float: 0.7 }, input_forget: 1 },
      seed: 120,
    });
    await checkCase(c, expected, 'LSTM reverse');
  });
  it('activations with activation_alpha / activation_beta, consumed in order', async () => {
    const activations: [string, number, number][] = [
      ['HardSigmoid', 0.3, 0.4],
      ['LeakyRelu', 0.2, 0],
      ['ScaledTanh', 1.5, 0.7],
      ['Sigmoid', 0, 0],
      ['Softsign', 0, 0],
      ['Affine', 0.5, 0.1],
    ];
    const { c, expected } = recurrentCase({
      kind: 'LSTM',
      seq: 3,
      batch: 2,
      input: 2,
      hidden: 2,
      direction: 'bidirectional',
      withB: true,
      seed: 130,
      activations,
      attributes: {
        activations: activations.map(([n]) => n),
        activation_alpha: { floats: [0.3, 0.2, 1.5, 0.5] },
        activation_beta: { floats: [0.4, 0.7, 0.1] },
      },
    });
    await checkCase(c, expected, 'LSTM activations');
  });
  it('sequence_lens with per-batch lengths, bidirectional', async () => {
    const { c, expected } = recurrentCase({
      kind: 'LSTM',
      seq: 4,
      batch: 3,
      input: 2,
      hidden: 2,
      direction: 'bidirectional',
      withB: true,
      withStates: true,
      seqLens: [4, 2, 3],
      seed: 140,
    });
    await checkCase(c, expected, 'LSTM sequence_lens');
  });
  it('layout 1 (batch-first X, states and outputs)', async () => {
    const base = recurrentCase({
      kind: 'LSTM',
      seq: 3,
      batch: 2,
      input: 2,
      hidden: 2,
      direction: 'bidirectional',
      withB: true,
      withStates: true,
      seed: 150,
    });
    const { c, expected } = layout1(base.c, base.expected);
    // ONNX Runtime's CPU LSTM kernel refuses layout 1: checked against the reference only.
    await checkCase(c, expected, 'LSTM layout 1', false);
  });
  it('gradcheck through X, W, R, B, the initial states and the peepholes, and on the fused path', () => {
    const { c } = recurrentCase({
      kind: 'LSTM',
      seq: 2,
      batch: 2,
      input: 2,
      hidden: 2,
      direction: 'bidirectional',
      withB: true,
      withStates: true,
      withP: true,
      seed: 160,
    });
    // 12 random elements of each of the seven inputs, for time.
    expectGradcheck(c, 'LSTM Y', undefined, 0, 12);
    expectGradcheck(c, 'LSTM Y_c', undefined, 2, 12);
    // Without peepholes: the fused path.
    const fused = { ...c, inputs: c.inputs.slice(0, 7) };
    expectGradcheck(fused, 'LSTM Y (fused)', undefined, 0, 12);
    expectGradcheck(fused, 'LSTM Y_h (fused)', undefined, 1, 12);
  });
  it('refuses an unknown activation, a bad direction, a hidden_size that disagrees and a W of the wrong shape', () => {
    const { c } = recurrentCase({ kind: 'LSTM', seq: 2, batch: 1, input: 2, hidden: 2, seed: 170 });
    expectRefused(
      { ...c, attributes: { activations: ['Sigmoid', 'Gelu', 'Tanh'] } },
      /the_lstm.*activation 'Gelu' is not supported/,
    );
    expectRefused(
      { ...c, attributes: { activations: ['Sigmoid', 'Tanh'] } },
      /activations must name 3 functions/,
    );
    expectRefused({ ...c, attributes: { direction: 'backward' } }, /direction.*"backward"/);
    expectRefused({ ...c, attributes: { hidden_size: 3 } }, /hidden_size 3 disagrees/);
    expectRefused({ ...c, attributes: { layout: 2 } }, /layout.*2/);
    expectRefused(
      { ...c, inputs: [c.inputs[0]!, data(1, [1, 7, 2]), c.inputs[2]!] },
      /input W must be \[1, 4·hidden_size, 2\]/,
    );
  });
});

describeEachBackend('ONNX import: GRU', () => {
  for (const lbr of [0, 1]) {
    it(`linear_before_reset ${lbr}, bidirectional with B and initial_h (the fused path)`, async () => {
      const { c, expected } = recurrentCase({
        kind: 'GRU',
        seq: 4,
        batch: 2,
        input: 3,
        hidden: 2,
        direction: 'bidirectional',
        withB: true,
        withStates: true,
        attributes: { linear_before_reset: lbr },
        seed: 200 + lbr,
      });
      await checkCase(c, expected, `GRU lbr ${lbr}`);
    });
    it(`linear_before_reset ${lbr}, bidirectional with initial_h, sequence_lens and clip`, async () => {
      const { c, expected } = recurrentCase({
        kind: 'GRU',
        seq: 3,
        batch: 3,
        input: 2,
        hidden: 2,
        direction: 'bidirectional',
        withB: true,
        withStates: true,
        seqLens: [1, 3, 2],
        attributes: { linear_before_reset: lbr, clip: { float: 0.9 } },
        seed: 210 + lbr,
      });
      await checkCase(c, expected, `GRU lbr ${lbr} bidirectional`);
    });
    it(`gradcheck, linear_before_reset ${lbr}`, () => {
      const { c } = recurrentCase({
        kind: 'GRU',
        seq: 2,
        batch: 2,
        input: 2,
        hidden: 2,
        direction: 'bidirectional',
        withB: true,
        withStates: true,
        attributes: { linear_before_reset: lbr },
        seed: 220 + lbr,
      });
      expectGradcheck(c, `GRU lbr ${lbr} (fused)`);
      // sequence_lens takes the step-by-step path.
      const lens = [2, 1];
      expectGradcheck(
        { ...c, inputs: [...c.inputs.slice(0, 4), { dims: [2], data: lens, castTo: 'int32' }, c.inputs[5]!] },
        `GRU lbr ${lbr} (steps)`,
      );
    });
  }
  it('reverse with activations Elu (alpha) and ThresholdedRelu / Softplus', async () => {
    const activations: [string, number, number][] = [
      ['Elu', 0.5, 0],
      ['Softplus', 0, 0],
    ];
    const { c, expected } = recurrentCase({
      kind: 'GRU',
      seq: 3,
      batch: 2,
      input: 2,
      hidden: 2,
      direction: 'reverse',
      withB: true,
      seed: 230,
      activations,
      attributes: { activations: ['Elu', 'Softplus'], activation_alpha: { floats: [0.5] } },
    });
    await checkCase(c, expected, 'GRU activations');
    const t: [string, number, number][] = [
      ['Sigmoid', 0, 0],
      ['ThresholdedRelu', 0.2, 0],
    ];
    const second = recurrentCase({
      kind: 'GRU',
      seq: 3,
      batch: 2,
      input: 2,
      hidden: 2,
      withB: true,
      seed: 231,
      activations: t,
      attributes: { activations: ['Sigmoid', 'ThresholdedRelu'], activation_alpha: { floats: [0.2] } },
    });
    await checkCase(second.c, second.expected, 'GRU ThresholdedRelu');
  });
  it('layout 1', async () => {
    const base = recurrentCase({
      kind: 'GRU',
      seq: 3,
      batch: 2,
      input: 2,
      hidden: 2,
      withB: true,
      withStates: true,
      attributes: { linear_before_reset: 1 },
      seed: 240,
    });
    const { c, expected } = layout1(base.c, base.expected);
    // ONNX Runtime's CPU GRU kernel refuses layout 1: checked against the reference only.
    await checkCase(c, expected, 'GRU layout 1', false);
  });
});

describeEachBackend('ONNX import: RNN', () => {
  it('forward with the default Tanh', async () => {
    const { c, expected } = recurrentCase({ kind: 'RNN', seq: 4, batch: 2, input: 3, hidden: 3, seed: 300 });
    await checkCase(c, expected, 'RNN forward');
  });
  it('bidirectional with B, initial_h, sequence_lens and activations Relu / LeakyRelu', async () => {
    const activations: [string, number, number][] = [
      ['Relu', 0, 0],
      ['LeakyRelu', 0.3, 0],
    ];
    const { c, expected } = recurrentCase({
      kind: 'RNN',
      seq: 3,
      batch: 2,
      input: 2,
      hidden: 2,
      direction: 'bidirectional',
      withB: true,
      withStates: true,
      seqLens: [3, 2],
      seed: 310,
      activations,
      attributes: { activations: ['Relu', 'LeakyRelu'], activation_alpha: { floats: [0.3] } },
    });
    await checkCase(c, expected, 'RNN bidirectional');
  });
  it('layout 1 and gradcheck', async () => {
    const base = recurrentCase({
      kind: 'RNN',
      seq: 3,
      batch: 2,
      input: 2,
      hidden: 2,
      direction: 'reverse',
      withB: true,
      withStates: true,
      seed: 320,
    });
    const { c, expected } = layout1(base.c, base.expected);
    // ONNX Runtime's CPU RNN kernel refuses layout 1: checked against the reference only.
    await checkCase(c, expected, 'RNN layout 1', false);
    expectGradcheck(base.c, 'RNN');
  });
});

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

/** A Setup from its sizes [seq, batch, input, hidden], seed and the rest. */
function setup(
  kind: Kind,
  [seq, batch, input, hidden]: [number, number, number, number],
  seed: number,
  rest: Partial<Setup> = {},
): Setup {
  return { kind, seq, batch, input, hidden, seed, ...rest };
}

/** Both directions with B and the initial states: the inputs most cases feed. */
const FULL = { direction: 'bidirectional', withB: true, withStates: true } as const;

/**
 * A case checked against the float64 reference, through fromOnnx and in ONNX Runtime — or, in
 * layout 1 (batch-first X, states and outputs), against the reference only: ONNX Runtime's CPU
 * LSTM, GRU and RNN kernels refuse layout 1.
 */
interface Checked {
  title: string;
  setup: Setup;
  layout1?: boolean;
}

async function checkRecurrent({ title, setup: s, layout1: batchFirst }: Checked): Promise<void> {
  const base = recurrentCase(s);
  const { c, expected } = batchFirst ? layout1(base.c, base.expected) : base;
  await checkCase(c, expected, `${s.kind} ${title}`, !batchFirst);
}

const LSTM_CASES: Checked[] = [
  { title: 'forward with the defaults (no B, no states)', setup: setup('LSTM', [4, 2, 3, 2], 100) },
  {
    title: 'bidirectional with B, initial_h, initial_c, peepholes and hidden_size',
    setup: setup('LSTM', [3, 2, 2, 3], 110, { ...FULL, withP: true, attributes: { hidden_size: 3 } }),
  },
  {
    title: 'reverse with clip and input_forget',
    setup: setup('LSTM', [4, 3, 2, 2], 120, {
      direction: 'reverse',
      withB: true,
      attributes: { clip: { float: 0.7 }, input_forget: 1 },
    }),
  },
  {
    title: 'activations with activation_alpha / activation_beta, consumed in order',
    setup: setup('LSTM', [3, 2, 2, 2], 130, {
      direction: 'bidirectional',
      withB: true,
      activations: [
        ['HardSigmoid', 0.3, 0.4],
        ['LeakyRelu', 0.2, 0],
        ['ScaledTanh', 1.5, 0.7],
        ['Sigmoid', 0, 0],
        ['Softsign', 0, 0],
        ['Affine', 0.5, 0.1],
      ],
      attributes: {
        activations: ['HardSigmoid', 'LeakyRelu', 'ScaledTanh', 'Sigmoid', 'Softsign', 'Affine'],
        activation_alpha: { floats: [0.3, 0.2, 1.5, 0.5] },
        activation_beta: { floats: [0.4, 0.7, 0.1] },
      },
    }),
  },
  {
    title: 'sequence_lens with per-batch lengths, bidirectional',
    setup: setup('LSTM', [4, 3, 2, 2], 140, { ...FULL, seqLens: [4, 2, 3] }),
  },
  {
    title: 'layout 1 (batch-first X, states and outputs)',
    setup: setup('LSTM', [3, 2, 2, 2], 150, FULL),
    layout1: true,
  },
];

const GRU_CASES: Checked[] = [
  ...[0, 1].flatMap((lbr): Checked[] => [
    {
      title: `linear_before_reset ${lbr}, bidirectional with B and initial_h (the fused path)`,
      setup: setup('GRU', [4, 2, 3, 2], 200 + lbr, { ...FULL, attributes: { linear_before_reset: lbr } }),
    },
    {
      title: `linear_before_reset ${lbr}, bidirectional with initial_h, sequence_lens and clip`,
      setup: setup('GRU', [3, 3, 2, 2], 210 + lbr, {
        ...FULL,
        seqLens: [1, 3, 2],
        attributes: { linear_before_reset: lbr, clip: { float: 0.9 } },
      }),
    },
  ]),
  {
    title: 'reverse with activations Elu (alpha) / Softplus',
    setup: setup('GRU', [3, 2, 2, 2], 230, {
      direction: 'reverse',
      withB: true,
      activations: [
        ['Elu', 0.5, 0],
        ['Softplus', 0, 0],
      ],
      attributes: { activations: ['Elu', 'Softplus'], activation_alpha: { floats: [0.5] } },
    }),
  },
  {
    title: 'activations Sigmoid / ThresholdedRelu (alpha)',
    setup: setup('GRU', [3, 2, 2, 2], 231, {
      withB: true,
      activations: [
        ['Sigmoid', 0, 0],
        ['ThresholdedRelu', 0.2, 0],
      ],
      attributes: { activations: ['Sigmoid', 'ThresholdedRelu'], activation_alpha: { floats: [0.2] } },
    }),
  },
  {
    title: 'layout 1',
    setup: setup('GRU', [3, 2, 2, 2], 240, {
      withB: true,
      withStates: true,
      attributes: { linear_before_reset: 1 },
    }),
    layout1: true,
  },
];

const RNN_REVERSE = setup('RNN', [3, 2, 2, 2], 320, { direction: 'reverse', withB: true, withStates: true });

const RNN_CASES: Checked[] = [
  { title: 'forward with the default Tanh', setup: setup('RNN', [4, 2, 3, 3], 300) },
  {
    title: 'bidirectional with B, initial_h, sequence_lens and activations Relu / LeakyRelu',
    setup: setup('RNN', [3, 2, 2, 2], 310, {
      ...FULL,
      seqLens: [3, 2],
      activations: [
        ['Relu', 0, 0],
        ['LeakyRelu', 0.3, 0],
      ],
      attributes: { activations: ['Relu', 'LeakyRelu'], activation_alpha: { floats: [0.3] } },
    }),
  },
  { title: 'layout 1, reverse', setup: RNN_REVERSE, layout1: true },
];

describeEachBackend('ONNX import: LSTM', () => {
  for (const k of LSTM_CASES) it(k.title, () => checkRecurrent(k));
  it('gradcheck through X, W, R, B, the initial states and the peepholes, and on the fused path', () => {
    // 12 random elements of each of the seven inputs, for time.
    const { c } = recurrentCase(setup('LSTM', [2, 2, 2, 2], 160, { ...FULL, withP: true }));
    expectGradcheck(c, 'LSTM Y', undefined, 0, 12);
    expectGradcheck(c, 'LSTM Y_c', undefined, 2, 12);
    // Without peepholes: the fused path.
    const fused = { ...c, inputs: c.inputs.slice(0, 7) };
    expectGradcheck(fused, 'LSTM Y (fused)', undefined, 0, 12);
    expectGradcheck(fused, 'LSTM Y_h (fused)', undefined, 1, 12);
  });
  it('refuses an unknown activation, a bad direction, a hidden_size that disagrees and a W of the wrong shape', () => {
    const { c } = recurrentCase(setup('LSTM', [2, 1, 2, 2], 170));
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
  for (const k of GRU_CASES) it(k.title, () => checkRecurrent(k));
  for (const lbr of [0, 1]) {
    it(`gradcheck, linear_before_reset ${lbr}`, () => {
      const attributes = { linear_before_reset: lbr };
      const { c } = recurrentCase(setup('GRU', [2, 2, 2, 2], 220 + lbr, { ...FULL, attributes }));
      expectGradcheck(c, `GRU lbr ${lbr} (fused)`);
      // sequence_lens takes the step-by-step path.
      const lens = [2, 1];
      expectGradcheck(
        { ...c, inputs: [...c.inputs.slice(0, 4), { dims: [2], data: lens, castTo: 'int32' }, c.inputs[5]!] },
        `GRU lbr ${lbr} (steps)`,
      );
    });
  }
});

describeEachBackend('ONNX import: RNN', () => {
  for (const k of RNN_CASES) it(k.title, () => checkRecurrent(k));
  it('gradcheck, reverse', () => {
    expectGradcheck(recurrentCase(RNN_REVERSE).c, 'RNN');
  });
});

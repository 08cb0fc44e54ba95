/**
 * Shared by the LSTM whole-sequence tests (rnn-whole-sequence, rnn-weight-grads): the operands of
 * lstmSequence drawn from seeds, and one forward + backward through it on a given backend, whose
 * outputs and gradients the tests compare bit for bit between paths.
 */
import type { Backend } from '../src/backend/backend.js';
import { lstmSequence, randn, Tensor } from '../src/index.js';

/**
 * x, h0, c0, kernel, recurrent kernel and bias for [batch, time, features, units], drawn from seeds
 * seed … seed + 5 in that order (x from seed unless given).
 */
export function lstmValues(
  [batch, time, features, units]: [number, number, number, number],
  seed: number,
  x: Tensor = randn([batch, time, features], { seed }),
): Tensor[] {
  return [
    x,
    randn([batch, units], { seed: seed + 1 }),
    randn([batch, units], { seed: seed + 2 }),
    randn([features, 4 * units], { seed: seed + 3, std: 0.4 }),
    randn([units, 4 * units], { seed: seed + 4, std: 0.2 }),
    randn([4 * units], { seed: seed + 5 }),
  ];
}

/**
 * Outputs (sequence and c) and every used input's gradient of a loss through lstmSequence on
 * `backend`. `xGrad` false: x needs no gradient (default true). `poison`: an Inf in the gradient of
 * sample 0's h_T, which puts Inf/NaN into sample 0's rows of dz at every step (rows do not mix going
 * back) while the other rows stay finite: where sample 0's x is 0 the dense product gives
 * 0·Inf = NaN and a product skipping zeros would not.
 */
export function runLstm(
  backend: Backend,
  values: Tensor[],
  options: { bias: boolean; states: boolean; goBackwards: boolean; poison?: boolean; xGrad?: boolean },
): Float32Array[] {
  const xGrad = options.xGrad ?? true;
  const [x, h0, c0, w, u, b] = values.map(
    (t, i) => new Tensor(backend.fromValues(t.dataSync()), t.shape, backend, i > 0 || xGrad),
  ) as Tensor[];
  const o = lstmSequence(
    x!,
    options.states ? h0! : null,
    options.states ? c0! : null,
    w!,
    u!,
    options.bias ? b! : null,
    { returnSequences: true, goBackwards: options.goBackwards },
  );
  let loss = o.output.square().sum().add(o.c.mul(o.h).sum());
  if (options.poison) {
    const [batch, units] = o.h.shape as [number, number];
    const mask = new Float32Array(batch * units);
    mask.fill(Number.POSITIVE_INFINITY, 0, units);
    loss = loss.add(o.h.mul(new Tensor(backend.fromValues(mask), [batch, units], backend)).sum());
  }
  loss.backward();
  const used = [
    ...(xGrad ? [x!] : []),
    ...(options.states ? [h0!, c0!] : []),
    w!,
    u!,
    ...(options.bias ? [b!] : []),
  ];
  return [o.output.dataSync(), o.c.dataSync(), ...used.map((t) => t.grad!.dataSync())];
}

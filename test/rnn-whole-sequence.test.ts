/**
 * The wasm backend's whole-sequence LSTM kernels (lstmSequenceForward/Backward: each thread runs
 * every step for a block of the batch's rows, against a recurrent kernel packed once) must give
 * exactly what the step-by-step path gives — matmul + lstmCell per step — values and gradients,
 * bit for bit, with and without threads' worth of rows, bias, initial states, goBackwards.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend } from '../src/backend/backend.js';
import { backendByName } from '../src/backend/registry.js';
import { lstmSequence, randn, Tensor, wasmSimdSupported } from '../src/index.js';

const skip = !wasmSimdSupported();

/** The values and every input's gradient of a loss through lstmSequence on `backend`. */
function run(
  backend: Backend,
  values: Tensor[],
  options: { goBackwards: boolean; bias: boolean; states: boolean },
): Float32Array[] {
  const [x, h0, c0, w, u, b] = values.map(
    (t) => new Tensor(backend.fromValues(t.dataSync()), t.shape, backend, true),
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
  const loss = o.output.square().sum().add(o.c.mul(o.h).sum());
  loss.backward();
  const used = [x!, ...(options.states ? [h0!, c0!] : []), w!, u!, ...(options.bias ? [b!] : [])];
  return [o.output.dataSync(), o.c.dataSync(), ...used.map((t) => t.grad!.dataSync())];
}

it('wasm: the whole-sequence LSTM kernels equal the step-by-step path bit for bit', { skip }, () => {
  const wasm = backendByName('wasm');
  assert.ok(wasm.lstmSequenceForward && wasm.lstmSequenceBackward, 'the wasm backend has the kernels');
  const steps: Backend = {
    ...wasm,
    name: 'wasm-steps',
    lstmSequenceForward: undefined,
    lstmSequenceBackward: undefined,
  };
  let used = 0;
  const counting: Backend = {
    ...wasm,
    name: 'wasm-counting',
    lstmSequenceForward: (...a) => {
      const ok = wasm.lstmSequenceForward!(...a);
      if (ok) used++;
      return ok;
    },
    lstmSequenceBackward: (...a) => {
      const ok = wasm.lstmSequenceBackward!(...a);
      if (ok) used++;
      return ok;
    },
  };
  // [batch, time, features, units]: 4 rows (one block), 8 rows and units not a multiple of 8
  // (edge tiles), and 64 × 130 (a block per thread).
  const shapes: [number, number, number, number][] = [
    [4, 3, 2, 3],
    [8, 6, 5, 5],
    [64, 4, 7, 130],
  ];
  let seed = 1;
  for (const [batch, time, features, units] of shapes) {
    const values = [
      randn([batch, time, features], { seed: seed++ }),
      randn([batch, units], { seed: seed++ }),
      randn([batch, units], { seed: seed++ }),
      randn([features, 4 * units], { seed: seed++, std: 0.4 }),
      randn([units, 4 * units], { seed: seed++, std: 0.2 }),
      randn([4 * units], { seed: seed++ }),
    ];
    for (const goBackwards of [false, true]) {
      for (const [bias, states] of [
        [true, true],
        [false, false],
      ] as const) {
        const options = { goBackwards, bias, states };
        const before = used;
        const whole = run(counting, values, options);
        assert.equal(used, before + 2, 'forward and backward took the whole-sequence kernels');
        const stepwise = run(steps, values, options);
        whole.forEach((v, i) => {
          assert.deepEqual(
            v,
            stepwise[i],
            `${[batch, time, features, units]} ${JSON.stringify(options)}: result ${i}`,
          );
        });
      }
    }
  }
  // A batch that is not a multiple of 4 is left to the step path.
  const before = used;
  run(
    counting,
    [randn([6, 2, 2]), randn([6, 3]), randn([6, 3]), randn([2, 12]), randn([3, 12]), randn([12])],
    {
      goBackwards: false,
      bias: true,
      states: true,
    },
  );
  assert.equal(used, before);
});

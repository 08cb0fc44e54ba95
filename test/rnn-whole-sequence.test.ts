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
import { createWasmBackend, setGemmPoolFactory } from '../src/backend/wasm/index.js';
import { randn, wasmSimdSupported } from '../src/index.js';
import { nodeGemmPool } from '../src/node/threads.js';
import { lstmValues, runLstm } from './lstm-sequence-runs.js';
import { counting } from './pool-backends.js';

const skip = !wasmSimdSupported();

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
  let duTaken = 0;
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
      if (typeof ok === 'object' && ok.du) duTaken++;
      return ok;
    },
  };
  // [batch, time, features, units]: 4 rows (one block), 8 rows and units not a multiple of 8
  // (edge tiles), and 64 × 130 (a block per thread); units a multiple of 4 (h and dz kept packed,
  // the recurrent kernel's gradient computed by the backward): 12 × 4, 8 × 12 (gates of 12 columns
  // straddling dz's 8-column panels) and 64 × 64 (blocks per thread).
  const shapes: [number, number, number, number][] = [
    [4, 3, 2, 3],
    [8, 6, 5, 5],
    [64, 4, 7, 130],
    [12, 5, 3, 4],
    [8, 3, 2, 12],
    [64, 5, 6, 64],
  ];
  let seed = 1;
  for (const [batch, time, features, units] of shapes) {
    const values = lstmValues([batch, time, features, units], seed);
    seed += 6;
    for (const goBackwards of [false, true]) {
      for (const [bias, states] of [
        [true, true],
        [false, false],
      ] as const) {
        const options = { goBackwards, bias, states };
        const before = used;
        const duBefore = duTaken;
        const whole = runLstm(counting, values, options);
        assert.equal(used, before + 2, 'forward and backward took the whole-sequence kernels');
        assert.equal(
          duTaken,
          duBefore + (units % 4 === 0 ? 1 : 0),
          'the backward gave dU when units % 4 = 0',
        );
        const stepwise = runLstm(steps, values, options);
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
  runLstm(
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

it('wasm: with worker threads (a block of rows each) the whole-sequence kernels give the same bits', {
  skip,
}, () => {
  const wasm = backendByName('wasm');
  const steps: Backend = {
    ...wasm,
    name: 'wasm-steps',
    lstmSequenceForward: undefined,
    lstmSequenceBackward: undefined,
  };
  const inner = nodeGemmPool(2);
  assert.ok(inner, 'worker threads are available');
  const counted = counting(inner);
  setGemmPoolFactory(counted.factory);
  const threaded = createWasmBackend();
  setGemmPoolFactory(null);
  let seed = 100;
  // 64 rows: two blocks of 32; units 64 (h and dz packed, dU from the backward) and 66 (not).
  for (const units of [64, 66]) {
    const [batch, time, features] = [64, 4, 5];
    const values = lstmValues([batch, time, features, units], seed);
    seed += 6;
    const options = { goBackwards: false, bias: true, states: true };
    const before = counted.splits();
    const got = runLstm(threaded, values, options);
    assert.ok(counted.splits() > before, `units ${units}: the recurrence was split over the workers`);
    const want = runLstm(steps, values, options);
    for (const [i, v] of got.entries()) assert.deepEqual(v, want[i], `units ${units}: result ${i}`);
  }
});

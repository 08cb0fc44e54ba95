/**
 * Fixes from the review of the Keras / TF.js formats (issue 17): real Keras 3.15 files
 * (test/fixtures/keras-review/make_review.py) that used to load and predict otherwise than Keras,
 * or be refused for a wrong reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ModelFormatError } from '../src/errors.js';
import {
  Bidirectional,
  Dense,
  Embedding,
  fromKeras,
  GRU,
  input,
  LSTM,
  Model,
  manualSeed,
  Sequential,
  tensor,
  toOnnx,
} from '../src/index.js';
import { toTfjs } from '../src/interop/keras/tfjs/to-tfjs.js';
import { Add, Concatenate } from '../src/nn/merge/index.js';
import { describeEachBackend } from './helpers.js';

const DIR = 'test/fixtures/keras-review';

interface Recorded {
  x: unknown;
  multi: boolean;
  y: unknown[];
}

async function load(name: string) {
  return fromKeras(new Uint8Array(readFileSync(`${DIR}/${name}.keras`)), { source: `${name}.keras` });
}

/** The model's predictions agree with Keras' (1e-5 relative, 1e-6 absolute). */
async function agrees(name: string): Promise<void> {
  const rec = JSON.parse(readFileSync(`${DIR}/${name}.json`, 'utf8')) as Recorded;
  const model = await load(name);
  const x = rec.multi ? (rec.x as number[][]).map((a) => tensor(a)) : tensor(rec.x as number[]);
  const out = model.predict(x as never) as unknown;
  const outs = (Array.isArray(out) ? out : [out]) as { dataSync(): Float32Array }[];
  assert.equal(outs.length, rec.y.length, `${name}: outputs`);
  outs.forEach((y, k) => {
    const want = (rec.y[k] as unknown[]).flat(Infinity) as number[];
    const got = y.dataSync();
    assert.equal(got.length, want.length, `${name}: output ${k} size`);
    want.forEach((v, i) => {
      assert.ok(
        Math.abs(got[i]! - v) <= 1e-5 * Math.abs(v) + 1e-6,
        `${name}: output ${k}[${i}] = ${got[i]}, Keras gives ${v}`,
      );
    });
  });
}

async function refused(name: string, pattern: RegExp): Promise<void> {
  await assert.rejects(load(name), (e: unknown) => {
    assert.ok(e instanceof ModelFormatError, `${(e as Error).name}: ${(e as Error).message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describeEachBackend('Keras review fixes: Keras 3 files', () => {
  // K7, K8: Keras 3 merges masks as "none if an input is unmasked, else OR"; its mask operations
  // (NotEqual, LogicalOr, ExpandDims…) have no weights group.
  for (const name of [
    'mask_merge',
    'mask_merge_second',
    'mask_merge_both',
    'mask_concat_one',
    'mask_concat_time',
  ]) {
    it(`${name}: a merge of masked inputs predicts what Keras 3 predicted`, async () => {
      await agrees(name);
    });
  }

  it("K7: a Keras 3 merge gets maskMerge 'any'; backprop's own default stays 'all' (Keras 2 / TF.js)", async () => {
    const model = await load('mask_merge');
    const merge = model.layers.find((l) => l instanceof Add) as Add;
    assert.equal(merge.maskMerge, 'any');
    assert.equal(new Add().maskMerge, 'all');
    assert.deepEqual(new Concatenate({ maskMerge: 'any' }).getConfig().config.maskMerge, 'any');
  });

  it('K12: BatchNormalization(axis=1) inside TimeDistributed is refused naming the axis, not loaded', async () => {
    await refused(
      'td_bn_axis_sq',
      /layer 'batch_normalization' \(BatchNormalization\): normalises over axis 1/,
    );
    // Shapes that do not fit used to be refused with a weight-shape message: now it names the axis.
    await refused(
      'td_bn_axis',
      /layer 'batch_normalization_\d+' \(BatchNormalization\): normalises over axis 1/,
    );
  });

  // K9: Keras 3 counts a nested functional model's own node in output_layers (not in inbound_nodes).
  for (const name of ['nested_out_once', 'nested_fn_twice', 'nested_two_calls_out_first']) {
    it(`${name}: a nested functional model as an output predicts what Keras 3 predicted`, async () => {
      await agrees(name);
    });
  }

  // K14: zero_output_for_mask (and Keras 3's Bidirectional, which sets it on copies returning sequences).
  for (const name of ['mask_seq_out_zero', 'mask_bidir_seq_out', 'tagger', 'mask_seq_out']) {
    it(`${name}: masked steps of a returned sequence are what Keras 3 predicted`, async () => {
      await agrees(name);
    });
  }
});

const ids = () =>
  tensor([
    [1, 2, 0, 0],
    [3, 0, 5, 0],
  ]);

describeEachBackend('Keras review fixes: zeroOutputForMask, maskMerge', () => {
  for (const [Layer, fused] of [
    [LSTM, true],
    [LSTM, false],
    [GRU, true],
    [GRU, false],
  ] as const) {
    for (const goBackwards of [false, true]) {
      it(`${Layer.name} (fused ${fused}, goBackwards ${goBackwards}): skipped steps give zeros, kept ones the usual output`, () => {
        const make = (zeroOutputForMask: boolean, returnSequences: boolean) => {
          // Same seed, same build order: the same weights for every variant.
          manualSeed(4);
          const emb = new Embedding({ inputDim: 7, outputDim: 3, maskZero: true, inputShape: [4] });
          const rnn = new Layer({ units: 2, returnSequences, goBackwards, zeroOutputForMask });
          rnn.fused = fused;
          return new Sequential({ layers: [emb, rnn] });
        };
        const plain = make(false, true).predict(ids()).dataSync();
        const zeroed = make(true, true).predict(ids()).dataSync();
        const mask = [1, 1, 0, 0, 1, 0, 1, 0];
        for (let b = 0; b < 2; b++) {
          for (let j = 0; j < 4; j++) {
            const t = goBackwards ? 3 - j : j; // the returned sequence is in processing order
            for (let u = 0; u < 2; u++) {
              const k = (b * 4 + j) * 2 + u;
              assert.equal(zeroed[k]! + 0, mask[b * 4 + t] ? plain[k] : 0, `sample ${b} step ${j} unit ${u}`);
            }
          }
        }
        // The last output: the last processed step's, zero where that step is skipped (Keras).
        const last = make(true, false).predict(ids()).dataSync();
        const lastPlain = make(false, false).predict(ids()).dataSync();
        for (let b = 0; b < 2; b++) {
          const kept = mask[b * 4 + (goBackwards ? 0 : 3)];
          for (let u = 0; u < 2; u++) assert.equal(last[b * 2 + u]! + 0, kept ? lastPlain[b * 2 + u] : 0);
        }
      });
    }
  }

  it('zeroOutputForMask is saved in the config only when set', () => {
    assert.equal(new LSTM({ units: 2, zeroOutputForMask: true }).getConfig().config.zeroOutputForMask, true);
    assert.equal('zeroOutputForMask' in new LSTM({ units: 2 }).getConfig().config, false);
  });

  it("maskMerge 'any' ORs two masks and gives none when an input has none; 'all' ANDs the masked ones", () => {
    const a = tensor([[1, 1, 0, 0]]);
    const b = tensor([[1, 0, 1, 0]]);
    const x = tensor([[[1], [2], [3], [4]]]);
    const any = new Add({ maskMerge: 'any' });
    const all = new Add();
    assert.deepEqual(
      [...(any.computeMask([x, x], [a, b]) as { dataSync(): Float32Array }).dataSync()],
      [1, 1, 1, 0],
    );
    assert.equal(any.computeMask([x, x], [a, null]), null);
    assert.deepEqual(
      [...(all.computeMask([x, x], [a, b]) as { dataSync(): Float32Array }).dataSync()],
      [1, 0, 0, 0],
    );
    assert.deepEqual(
      [...(all.computeMask([x, x], [a, null]) as { dataSync(): Float32Array }).dataSync()],
      [1, 1, 0, 0],
    );
    assert.deepEqual(any.computeOutputMasked([true, false]), [false]);
    assert.deepEqual(all.computeOutputMasked([true, false]), [true]);
  });

  it('toTfjs and toOnnx refuse what they would compute otherwise: zeroOutputForMask and maskMerge any over masks', async () => {
    const tagger = await load('tagger');
    assert.throws(
      () => toTfjs(tagger),
      /layer 'bidirectional(_\d+)?' \(Bidirectional\) has zeroOutputForMask: true and reads a mask/,
    );
    assert.throws(() => toOnnx(tagger), /zeroOutputForMask: true and reads a mask/);
    const merged = await load('mask_merge');
    assert.throws(
      () => toTfjs(merged),
      /layer 'add(_\d+)?' \(Add\) merges masked inputs with maskMerge 'any'/,
    );
    // Without a mask the option changes nothing, and nothing is refused.
    manualSeed(1);
    const x = input({ shape: [4, 3] });
    const y = new Bidirectional({
      layer: new GRU({ units: 2, returnSequences: true, zeroOutputForMask: true, resetAfter: false }),
    }).apply(x);
    const plain = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(y) });
    assert.ok(toTfjs(plain).modelJson);
    // Joining steps along time joins the masks under either rule (TF.js too): nothing to refuse.
    const ids = input({ shape: [3] });
    const words = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true }).apply(ids);
    const joined = new Concatenate({ axis: 1, maskMerge: 'any' }).apply([words, words]);
    const steps = new Model({ inputs: ids, outputs: new GRU({ units: 1, resetAfter: false }).apply(joined) });
    assert.ok(toTfjs(steps).modelJson);
  });
});

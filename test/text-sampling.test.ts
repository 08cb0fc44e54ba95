/** The character model's data and sampling (src/cli/train-chars.ts, char-sample.ts), on stub models. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sampleText } from '../src/cli/char-sample.js';
import { charWindows } from '../src/cli/train-chars.js';
import { CharTokenizer } from '../src/data/index.js';
import { Rng, type Tensor, tensor } from '../src/node/index.js';
import { describeEachBackend } from './helpers.js';

/** A "model" that always predicts `p` for the next character and records the contexts it was given. */
function fixedModel(p: number[]) {
  const seen: number[][][] = [];
  return {
    seen,
    predict(x: Tensor): Tensor {
      const [n, t] = x.shape as [number, number];
      seen.push(x.toArray() as number[][]);
      const out = new Float32Array(n * t * p.length);
      for (let i = 0; i < n * t; i++) out.set(p, i * p.length);
      return tensor(out, { shape: [n, t, p.length] });
    },
  };
}

describeEachBackend('character model helpers', () => {
  it('charWindows: inputs and next-character targets, stride apart', () => {
    const { x, y } = charWindows([1, 2, 3, 4, 5, 6, 7], 3, 2);
    assert.deepEqual(x.toArray(), [
      [1, 2, 3],
      [3, 4, 5],
    ]);
    assert.deepEqual(y.toArray(), [
      [2, 3, 4],
      [4, 5, 6],
    ]);
    assert.throws(() => charWindows([1, 2, 3], 3, 1), /3 characters, too few for windows of --seq-len 3/);
  });

  it('sampleText draws from p^(1/T), renormalised, never the padding id', () => {
    const tokenizer = new CharTokenizer().fitOnTexts(['aaaabbc']); // a → 1, b → 2, c → 3
    const p = [0.5, 0.3, 0.15, 0.05]; // id 0 (padding) gets mass here and must still never be drawn
    for (const temperature of [0.5, 1, 2]) {
      const model = fixedModel(p);
      const samples = sampleText(model, tokenizer, {
        seqLen: 4,
        length: 1,
        temperature,
        prime: 'a',
        count: 6000,
        rng: new Rng(3),
      });
      const w = p.slice(1).map((q) => q ** (1 / temperature));
      const total = w.reduce((a, b) => a + b, 0);
      ['a', 'b', 'c'].forEach((c, i) => {
        const share = samples.filter((s) => s === c).length / samples.length;
        assert.ok(
          Math.abs(share - w[i]! / total) < 0.02,
          `T ${temperature}: '${c}' ${share} vs ${w[i]! / total}`,
        );
      });
    }
  });

  it('sampleText feeds the prime, then the last seqLen characters; an unknown prime character is named', () => {
    const tokenizer = new CharTokenizer().fitOnTexts(['aaaabbc']);
    const model = fixedModel([0, 0, 0, 1]); // always 'c'
    const [sample] = sampleText(model, tokenizer, {
      seqLen: 3,
      length: 4,
      temperature: 1,
      prime: 'ab',
      count: 1,
      rng: new Rng(1),
    });
    assert.equal(sample, 'cccc');
    assert.deepEqual(
      model.seen.map((b) => b[0]),
      [
        [1, 2],
        [1, 2, 3],
        [2, 3, 3],
        [3, 3, 3],
      ],
    );
    const options = { seqLen: 3, length: 1, temperature: 1, count: 1, rng: new Rng(1) };
    assert.throws(
      () => sampleText(model, tokenizer, { ...options, prime: 'ax' }),
      /"x" is not one of the 3 characters/,
    );
    assert.throws(
      () => sampleText(model, tokenizer, { ...options, prime: '' }),
      /--prime must have at least one/,
    );
    assert.throws(
      () => sampleText(model, tokenizer, { ...options, prime: 'a', temperature: 0 }),
      /--temperature must be a number > 0, got 0/,
    );
  });
});

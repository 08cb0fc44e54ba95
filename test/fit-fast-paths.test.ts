import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ArgumentError, Rng, tensor } from '../src/index.js';
import { checkTargets } from '../src/losses/targets.js';

it('Rng.permutation is Fisher–Yates with int(i + 1) draws, and leaves the state where they leave it', () => {
  for (const n of [0, 1, 2, 7, 1000]) {
    const a = new Rng(n + 3);
    const b = new Rng(n + 3);
    const expected = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = b.int(i + 1);
      [expected[i], expected[j]] = [expected[j]!, expected[i]!];
    }
    assert.deepEqual(Array.from(a.permutation(n)), expected, `n = ${n}`);
    assert.equal(a.uniform(), b.uniform(), `n = ${n}: the state moved on the same`);
  }
});

/** checkTargets' error for y (null: accepted). */
function verdict(domain: Parameters<typeof checkTargets>[1], rows: number[][], classes = 3): string | null {
  try {
    checkTargets('theLoss', domain, tensor(rows), [classes], 'fit(): y');
    return null;
  } catch (e) {
    assert.ok(e instanceof ArgumentError);
    return e.message;
  }
}

it('checkTargets accepts valid targets and words the first bad one of several', () => {
  assert.equal(
    verdict('distribution', [
      [0, 1, 0],
      [0.25, 0.25, 0.5],
      [0.5, 0.5, 0.0005],
    ]),
    null,
  );
  assert.match(
    verdict('distribution', [
      [0, 1, 0],
      [0.5, 0.5, 0.01],
    ])!,
    /row 1 of y sums to 1\.0099/,
  );
  // A value outside [0, 1] is reported before any row sum, at its position.
  assert.match(
    verdict('distribution', [
      [0, 1, 1],
      [1.5, -0.5, 0],
    ])!,
    /needs one-hot or probability rows \(values in \[0, 1\]\), but y has 1\.5 at row 1, column 0/,
  );
  assert.match(
    verdict('distribution', [[0, Number.NaN, 1]])!,
    /needs finite targets, but y has NaN at row 0, column 1/,
  );
  assert.equal(verdict('classIndex', [[0], [2], [1]]), null);
  assert.match(
    verdict('classIndex', [[0], [1.5], [3]])!,
    /integer class labels in \[0, 3\), but y has 1\.5 at row 1/,
  );
  assert.match(verdict('classIndex', [[0], [3]])!, /but y has 3 at row 1/);
  assert.equal(verdict('probability', [[0, 0.5, 1]]), null);
  assert.match(
    verdict('probability', [[0, 0.5, 1.25]])!,
    /targets in \[0, 1\], but y has 1\.25 at row 0, column 2/,
  );
  assert.equal(verdict('nonNegative', [[0, 3, 1e30]]), null);
  assert.match(
    verdict('nonNegative', [[0, Number.POSITIVE_INFINITY]])!,
    /finite targets, but y has Infinity/,
  );
  assert.match(verdict('nonNegative', [[0, -1]])!, /targets ≥ 0, but y has -1/);
  assert.equal(verdict('real', [[-5, 2, 1e30]]), null);
  assert.match(verdict('real', [[-5, Number.NEGATIVE_INFINITY]])!, /finite targets, but y has -Infinity/);
});

/** loadFirstNames (Node): the @stdlib English first-name lists the character model learns. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadFirstNames } from '../src/node/index.js';

it('loadFirstNames reads the female and male lists, one name each, without duplicates in both', async () => {
  const female = await loadFirstNames('female');
  const male = await loadFirstNames('male');
  const both = await loadFirstNames();
  assert.equal(female.length, 4944); // 4,951 lines, a few names twice (Ann, Dee, Jo…)
  assert.equal(male.length, 3897);
  assert.equal(female[0], 'Aaren');
  assert.ok(both.includes('Mary') && both.includes('John'));
  assert.equal(both.length, new Set([...female, ...male]).size);
  assert.ok(both.length < female.length + male.length, 'names in both lists appear once');
  assert.ok(both.every((n) => n.length > 0 && n === n.trim() && !n.includes('\n')));
  await assert.rejects(loadFirstNames('all' as never), {
    name: 'ArgumentError',
    message: /list must be 'female', 'male' or 'both', got 'all'/,
  });
});

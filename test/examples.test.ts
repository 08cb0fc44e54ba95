/** Examples run as a user would run them: a separate process importing the built `backprop` package. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';

function runExample(file: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' });
}

it('examples/computational-graph.ts prints the tutorial values', () => {
  const out = runExample('examples/computational-graph.ts');
  assert.match(out, /p = x \+ y = 4, {2}g = p·z = -12/);
  assert.match(out, /dg\/dx = -3, {2}dg\/dy = -3, {2}dg\/dz = 4/);
  assert.match(out, /gradcheck against central differences: agree/);
});

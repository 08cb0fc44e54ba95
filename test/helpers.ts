/** Shared test helpers: closeness checks and a loop over every registered backend. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { getBackend, listBackends, type NestedArray, setBackend, type Tensor } from '../src/index.js';

export function flat(x: Tensor | NestedArray): number[] {
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) {
    const out: number[] = [];
    const walk = (v: NestedArray): void => {
      if (typeof v === 'number') out.push(v);
      else for (const c of v) walk(c);
    };
    walk(x);
    return out;
  }
  return Array.from(x.dataSync());
}

/** Assert element-wise |a − b| ≤ atol + rtol·|b|, naming the first element that is off. */
export function assertClose(
  actual: Tensor | NestedArray,
  expected: Tensor | NestedArray,
  atol = 1e-5,
  rtol = 1e-4,
): void {
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `length ${a.length} vs expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = Object.is(a[i], e[i]) || Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!);
    if (!ok) assert.fail(`element ${i}: got ${a[i]}, expected ${e[i]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Run a describe block once per backend, with that backend active. */
export function describeEachBackend(title: string, body: () => void): void {
  for (const name of listBackends()) {
    describe(`${title} [${name}]`, () => {
      let previous = '';
      before(() => {
        previous = getBackend().name;
        setBackend(name);
      });
      after(() => {
        setBackend(previous);
      });
      body();
    });
  }
}

/**
 * A fresh temporary folder for the calling test file, created before its tests and removed after:
 * `const tmp = useTempDir('data'); … join(tmp.path, 'file')`. Files the tests need go in `setup`,
 * which runs in the same hook once the folder exists (separate root-level hooks are not ordered).
 */
export function useTempDir(
  label: string,
  setup?: (path: string) => Promise<void>,
): { readonly path: string } {
  const state = { path: '' };
  before(async () => {
    state.path = await mkdtemp(join(tmpdir(), `backprop-${label}-`));
    await setup?.(state.path);
  });
  after(async () => {
    await rm(state.path, { recursive: true, force: true });
  });
  return state;
}

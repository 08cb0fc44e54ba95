/**
 * The "Backprop, step by step" page (web/graph.html) in Chromium: step the tutorial's graph
 * g = (x + y) · z forward and back node by node and check what the page shows against the
 * tutorial's hand-computed numbers; type another expression and check its gradients against values
 * computed by hand here; a syntax error points at the bad character; screenshots, desktop and phone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, startWebApp, type WebApp } from './web-e2e.js';

/** What a node of the drawn graph shows: its value and gradient ('' until the passes reach it). */
async function nodes(page: Page): Promise<Record<string, { value: string; grad: string }>> {
  return page.$$eval('#graph [data-node]', (els) =>
    Object.fromEntries(
      els.map((e) => [
        e.getAttribute('data-node'),
        { value: e.getAttribute('data-value'), grad: e.getAttribute('data-grad') },
      ]),
    ),
  );
}

/** The gradient-check table: per input, backprop's gradient, the numerical one and the verdict. */
async function checks(
  page: Page,
): Promise<Record<string, { backprop: number; numerical: number; agree: string }>> {
  const rows = await page.$$eval('#checks tbody tr', (trs) =>
    trs.map((tr) => {
      // Full precision from data-value (the cells show 4 significant digits). No named helper
      // functions in here: tsx would wrap them in a __name() call the page does not have.
      const cells = Array.from((tr as HTMLTableRowElement).cells);
      return [
        (tr as HTMLElement).dataset.var,
        cells[2]?.dataset.value ?? '',
        cells[3]?.dataset.value ?? '',
        cells[4]?.textContent ?? '',
      ] as const;
    }),
  );
  const num = (s: string) => (s === '' ? Number.NaN : Number(s));
  return Object.fromEntries(
    rows.map(([name, b, n, a]) => [name, { backprop: num(b), numerical: num(n), agree: a ?? '' }]),
  );
}

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );

describe('graph.html: backprop step by step, in Chromium', () => {
  let app: WebApp;
  before(async () => {
    app = await startWebApp();
  });
  after(async () => {
    await app?.close();
  });

  it('steps the tutorial graph g = (x + y)·z forward then back, node by node, and checks the gradients', async () => {
    const { page, errors, screenshot } = await app.open('graph.html', { viewport: DESKTOP });
    assert.equal(await page.inputValue('#expression'), '(x + y) * z');
    // Inputs x, y, z, then p = x + y, then g = p · z: 5 forward steps, 5 backward steps.
    let shown = await nodes(page);
    assert.deepEqual(Object.keys(shown).sort(), ['g', 'p', 'x', 'y', 'z']);
    assert.ok(
      Object.values(shown).every((n) => n.value === '' && n.grad === ''),
      'nothing computed yet',
    );

    const forwardOrder: string[] = [];
    for (let i = 0; i < 5; i++) {
      const before = await nodes(page);
      await page.click('#step');
      const after = await nodes(page);
      const filled = Object.keys(after).filter((k) => after[k]!.value !== '' && before[k]!.value === '');
      assert.equal(filled.length, 1, `forward step ${i + 1} fills exactly one node's value`);
      forwardOrder.push(filled[0]!);
    }
    // Evaluation order, as in the tutorial: p = x + y once x and y are known, g = p · z last.
    assert.ok(forwardOrder.indexOf('p') > Math.max(forwardOrder.indexOf('x'), forwardOrder.indexOf('y')));
    assert.equal(forwardOrder.at(-1), 'g');
    shown = await nodes(page);
    assert.deepEqual(Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, Number(v.value)])), {
      x: 1,
      y: 3,
      z: -3,
      p: 4,
      g: -12,
    });
    assert.match((await page.textContent('#summary')) ?? '', /g = −12/);
    assert.ok(
      Object.values(shown).every((n) => n.grad === ''),
      'no gradient before the backward pass',
    );
    assert.match((await page.textContent('#current-step')) ?? '', /g = p · z = 4 · \(−3\) = −12/);

    const backwardOrder: string[] = [];
    for (let i = 0; i < 5; i++) {
      const before = await nodes(page);
      await page.click('#step');
      const after = await nodes(page);
      const filled = Object.keys(after).filter((k) => after[k]!.grad !== '' && before[k]!.grad === '');
      assert.equal(filled.length, 1, `backward step ${i + 1} fills exactly one node's gradient`);
      backwardOrder.push(filled[0]!);
    }
    assert.equal(backwardOrder[0], 'g', 'the backward pass starts at the output');
    assert.equal(backwardOrder.indexOf('p') < backwardOrder.indexOf('x'), true, 'p before x');
    assert.equal(backwardOrder.indexOf('p') < backwardOrder.indexOf('y'), true, 'p before y');
    assert.equal(await page.isDisabled('#step'), true, 'all steps done');
    shown = await nodes(page);
    // The tutorial: ∂g/∂g = 1, ∂g/∂z = p = 4, ∂g/∂p = z = −3, ∂g/∂x = ∂g/∂y = ∂g/∂p · 1 = −3.
    assert.deepEqual(Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, Number(v.grad)])), {
      g: 1,
      z: 4,
      p: -3,
      x: -3,
      y: -3,
    });
    assert.match(
      (await page.textContent('#current-step')) ?? '',
      /∂g\/∂x = ∂g\/∂p · ∂\(x \+ y\)\/∂x = ∂g\/∂p · 1 = \(−3\) · 1 = −3$/,
    );
    // The tutorial's ∂g/∂z = p = 4 and ∂g/∂p = z = −3, in the log of all steps.
    const log = await page.$$eval('#step-log li', (items) => items.map((li) => li.textContent));
    assert.equal(log.length, 10);
    assert.ok(log.includes('∂g/∂z = ∂g/∂g · ∂(p · z)/∂z = ∂g/∂g · p = 1 · 4 = 4'), log.join('\n'));
    assert.ok(log.includes('∂g/∂p = ∂g/∂g · ∂(p · z)/∂p = ∂g/∂g · z = 1 · (−3) = −3'), log.join('\n'));

    const table = await checks(page);
    assert.deepEqual(Object.keys(table), ['x', 'y', 'z']);
    for (const [name, expected] of Object.entries({ x: -3, y: -3, z: 4 })) {
      assert.equal(table[name]!.backprop, expected, `backprop ∂g/∂${name}`);
      close(table[name]!.numerical, expected, 1e-3, `numerical ∂g/∂${name}`);
      assert.equal(table[name]!.agree, '✓ agree');
    }
    await screenshot('graph-desktop');

    // Play all: steps on its own from the start, and pauses.
    await page.click('#reset');
    await page.click('#play');
    await page.waitForFunction(() =>
      /^Forward 2\/5/.test(document.querySelector('#current-step')?.textContent ?? ''),
    );
    await page.click('#play');
    const paused = await page.textContent('#current-step');
    await page.waitForTimeout(1000);
    assert.equal(await page.textContent('#current-step'), paused, 'paused');
    await page.click('#show-all');

    // Back steps undo one node at a time; an edited value recomputes everything.
    await page.click('#back');
    assert.equal((await nodes(page)).x!.grad === '' || (await nodes(page)).y!.grad === '', true);
    await page.click('#show-all');
    await page.fill('#checks tr[data-var="z"] input', '2');
    shown = await nodes(page);
    assert.equal(Number(shown.g!.value), 8);
    assert.equal(Number(shown.x!.grad), 2);
    assert.equal((await checks(page)).z!.backprop, 4);
    assert.deepEqual(errors, []);
  });

  it('differentiates a typed expression, sigmoid(w·x + b), as computed by hand', async () => {
    const { page, errors, screenshot } = await app.open('graph.html', { viewport: PHONE });
    await page.fill('#expression', 'sigmoid(w*x + b)');
    await page.press('#expression', 'Enter');
    await page.waitForSelector('#checks tr[data-var="b"]');
    for (const [name, v] of Object.entries({ w: 2, x: -1, b: -3 }))
      await page.fill(`#checks tr[data-var="${name}"] input`, String(v));
    await page.click('#show-all');
    // s = σ(2·(−1) − 3) = σ(−5); ∂s/∂b = s(1 − s), ∂s/∂w = s(1 − s)·x, ∂s/∂x = s(1 − s)·w.
    const s = 1 / (1 + Math.exp(5));
    const ds = s * (1 - s);
    const shown = await nodes(page);
    close(Number(shown.g!.value), s, 1e-6, 'g = σ(−5)');
    const table = await checks(page);
    for (const [name, expected] of Object.entries({ w: -ds, x: 2 * ds, b: ds })) {
      close(table[name]!.backprop, expected, 1e-6, `backprop ∂g/∂${name}`);
      close(table[name]!.numerical, expected, 1e-4, `numerical ∂g/∂${name}`);
      assert.equal(table[name]!.agree, '✓ agree', name);
    }
    // No sideways scrolling at phone width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow} px at 390 px`);
    await screenshot('graph-phone');
    assert.deepEqual(errors, []);
  });

  it('agrees with the numerical gradient on every example, and handles edge cases', async () => {
    const { page, errors, screenshot } = await app.open('graph.html', { viewport: DESKTOP });
    const examples = await page.locator('button.example').count();
    assert.ok(examples >= 4);
    for (let i = 0; i < examples; i++) {
      await page.locator('button.example').nth(i).click();
      await page.click('#show-all');
      const table = await checks(page);
      for (const [name, check] of Object.entries(table))
        assert.equal(
          check.agree,
          '✓ agree',
          `example ${i}, ∂/∂${name}: ${check.backprop} vs ${check.numerical}`,
        );
      if (i === 2) {
        // x · y + sin(x): x feeds two nodes, and its gradient is the sum over both paths, y + cos(x).
        assert.match((await page.textContent('#current-step')) ?? '', /the paths add up/);
        close(table.x!.backprop, 2 + Math.cos(1), 1e-5, '∂/∂x of x·y + sin x');
      }
      if (i === examples - 1) await screenshot('graph-desktop-example');
    }
    // The same variable twice in one operation: ∂(x · x)/∂x = 2x.
    await page.fill('#expression', 'x * x');
    await page.press('#expression', 'Enter');
    await page.click('#show-all');
    const x = Number(await page.inputValue('#checks tr[data-var="x"] input'));
    assert.equal((await checks(page)).x!.backprop, 2 * x);
    assert.equal((await checks(page)).x!.agree, '✓ agree');
    // No variables: values, and no gradient to take.
    await page.fill('#expression', '2 * 3 + 1');
    await page.press('#expression', 'Enter');
    await page.click('#show-all');
    assert.match((await page.textContent('#summary')) ?? '', /g = 7 — no variables/);
    assert.deepEqual(errors, []);
  });

  it('points at the bad character of a syntax error, and keeps the last graph', async () => {
    const { page, errors, screenshot } = await app.open('graph.html', { viewport: PHONE });
    await page.fill('#expression', 'x + * y');
    await page.press('#expression', 'Enter');
    const error = page.locator('#expression-error');
    await error.waitFor({ state: 'visible' });
    const text = (await error.textContent()) ?? '';
    assert.match(text, /Column 5: expected a number, a name or “\(”, found “\*”/);
    // The caret sits under the "*" (column 5).
    assert.equal((await error.locator('pre').textContent())?.split('\n')[1], '    ^');
    assert.deepEqual(
      Object.keys(await nodes(page)).sort(),
      ['g', 'p', 'x', 'y', 'z'],
      'last good graph kept',
    );
    await screenshot('graph-error-phone');

    await page.fill('#expression', 'foo(x)');
    await page.press('#expression', 'Enter');
    assert.match((await error.textContent()) ?? '', /Column 1: unknown function “foo”/);
    await page.fill('#expression', '2x');
    await page.press('#expression', 'Enter');
    assert.match((await error.textContent()) ?? '', /Column 2: unexpected “x”: an operator is missing/);
    await page.fill('#expression', 'x * x');
    await page.press('#expression', 'Enter');
    assert.equal(await error.isHidden(), true, 'a good expression clears the error');
    assert.deepEqual(errors, []);
  });
});

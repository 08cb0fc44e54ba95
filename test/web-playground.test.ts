/**
 * The playground page in Chromium (see test/web-e2e.ts): the default network separates the spiral
 * (test loss < 0.1) within a few hundred epochs — the wall time is reported, not asserted (the
 * issue's 10 s target is a measurement: docs/web.md) — the decision boundary is redrawn as it
 * learns, pause and step do what they say, another data set can be chosen, and the page fits a phone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, startWebApp, type WebApp } from './web-e2e.js';

/** Seeded data and weights separate the spiral in 69–167 epochs; more means the training broke. */
const SPIRAL_WITHIN_EPOCHS = 400;
/** Only a guard against a hang: the speed itself is reported, never asserted. */
const HANG_GUARD_MS = 120_000;

const epochOf = async (page: Page) => Number(await page.textContent('#epoch'));
const testLossOf = async (page: Page) => Number(await page.getAttribute('#test-loss', 'data-value'));
const boundaryPixels = (page: Page) =>
  page.evaluate(() => (document.getElementById('boundary') as HTMLCanvasElement).toDataURL());

describe('playground page in Chromium', () => {
  let app: WebApp;
  before(async () => {
    app = await startWebApp();
  });
  after(async () => {
    await app?.close();
  });

  it('separates the spiral, redraws the boundary, pauses, steps, switches data', async (t) => {
    const opened = await app.open('playground.html', { viewport: DESKTOP });
    const { page, errors } = opened;
    assert.equal(
      await page.getAttribute('[data-dataset="spiral"]', 'aria-pressed'),
      'true',
      'spiral by default',
    );
    assert.equal(await epochOf(page), 0);
    const untrained = await testLossOf(page);
    assert.ok(untrained > 0.5, `an untrained network has a high test loss (${untrained})`);
    const before = await boundaryPixels(page);

    // The page must stay responsive while it trains: record the main thread's long tasks.
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
      }).observe({ type: 'longtask' });
    });
    const start = Date.now();
    await page.click('#play');
    await page.waitForFunction(
      () => Number(document.getElementById('test-loss')?.dataset.value) < 0.1,
      undefined,
      { timeout: HANG_GUARD_MS, polling: 50 },
    );
    const elapsed = Date.now() - start;
    const epochs = await epochOf(page);
    const clock = await page.textContent('#clock');
    t.diagnostic(
      `spiral: test loss < 0.1 after ${elapsed} ms of wall time (page clock ${clock}), ${epochs} epochs`,
    );
    assert.ok(epochs <= SPIRAL_WITHIN_EPOCHS, `spiral separated only after ${epochs} epochs`);
    await page.waitForTimeout(500);
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    const longest = Math.max(0, ...longTasks);
    t.diagnostic(`while playing: ${longTasks.length} tasks over 50 ms, the longest ${longest.toFixed(0)} ms`);
    assert.ok(longest < 250, `the page froze for ${longest.toFixed(0)} ms while training`);
    assert.notEqual(await boundaryPixels(page), before, 'the decision boundary was redrawn');
    t.diagnostic(`screenshot: ${await opened.screenshot('playground-spiral')}`);

    // Pause: training stops (the epoch stays put across several frames).
    await page.click('#play');
    // Pointing at a neuron shows its own map in the output view; pointing away, the output again.
    const network = await page.locator('#network').boundingBox();
    assert.ok(network);
    const output = await boundaryPixels(page);
    // Five columns (input, three hidden layers, output): the first hidden layer's top unit.
    await page.mouse.move(network.x + network.width * (1.5 / 5), network.y + 25);
    assert.equal(await page.textContent('#showing'), 'Showing neuron 1 of hidden layer 1.');
    assert.notEqual(await boundaryPixels(page), output, 'the neuron’s map is shown');
    t.diagnostic(`screenshot: ${await opened.screenshot('playground-neuron')}`);
    await page.mouse.move(network.x + 2, network.y + network.height - 2);
    assert.equal(await page.textContent('#showing'), 'Showing the network’s output.');
    // The keyboard reaches the same maps: arrows from the first input feature, Escape back.
    await page.focus('#network');
    await page.keyboard.press('ArrowDown'); // the first key lands on the first unit
    assert.equal(await page.textContent('#showing'), 'Showing the input feature x.');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.textContent('#showing'), 'Showing the input feature y.');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.textContent('#showing'), 'Showing neuron 3 of hidden layer 1.');
    await page.keyboard.press('Escape');
    assert.equal(await page.textContent('#showing'), 'Showing the network’s output.');
    assert.equal(await page.textContent('#play'), 'Play');
    const paused = await epochOf(page);
    await page.waitForTimeout(300);
    assert.equal(await epochOf(page), paused, 'no training while paused');
    // Step: exactly one more epoch.
    await page.click('#step');
    assert.equal(await epochOf(page), paused + 1);

    // Noise and the train/test split make new points (and a new run).
    const clean = await boundaryPixels(page);
    for (const [slider, value] of [
      ['#noise', '30'],
      ['#ratio', '70'],
    ] as const) {
      await page.$eval(
        slider,
        (input, v) => {
          (input as HTMLInputElement).value = v;
          input.dispatchEvent(new Event('input'));
          input.dispatchEvent(new Event('change'));
        },
        value,
      );
      assert.equal(await epochOf(page), 0, `${slider} starts a new run`);
    }
    assert.notEqual(await boundaryPixels(page), clean, 'noisy points drawn');
    assert.equal(await page.textContent('label:has(#ratio) output'), '70%');

    // Another data set: a fresh network (epoch 0), new points, and it trains on them.
    const spiral = await boundaryPixels(page);
    await page.click('[data-dataset="xor"]');
    assert.equal(await page.getAttribute('[data-dataset="xor"]', 'aria-pressed'), 'true');
    assert.equal(await epochOf(page), 0);
    assert.notEqual(await boundaryPixels(page), spiral);
    const xorStart = await testLossOf(page);
    for (let i = 0; i < 20; i++) await page.click('#step');
    const xorLoss = await testLossOf(page);
    t.diagnostic(`xor: test loss ${xorStart.toFixed(3)} → ${xorLoss.toFixed(3)} after 20 epochs`);
    assert.ok(xorLoss < xorStart / 2, `XOR test loss fell (${xorStart} → ${xorLoss})`);

    // Every other control rebuilds the network and it still trains: Momentum, ReLU, L2, dropout,
    // one hidden layer less, one unit less in the first, other input features.
    await page.click('[data-dataset="circles"]');
    await page.selectOption('#optimizer', 'momentum');
    await page.selectOption('#learning-rate', '0.1');
    await page.selectOption('#activation', 'relu');
    await page.selectOption('#l2', '0.001');
    await page.selectOption('#dropout', '0.1');
    await page.click('[aria-label="remove a hidden layer"]');
    await page.click('[aria-label="one unit less in layer 1"]');
    await page.click('[data-feature="sin x"]'); // off
    await page.click('[data-feature="x²"]'); // on
    assert.match((await page.textContent('#layers')) ?? '', /2 hidden layers/);
    assert.equal(await epochOf(page), 0);
    const circlesStart = await testLossOf(page);
    for (let i = 0; i < 20; i++) await page.click('#step');
    const circlesLoss = await testLossOf(page);
    t.diagnostic(
      `circles (Momentum, ReLU, L2, dropout): test loss ${circlesStart.toFixed(3)} → ${circlesLoss.toFixed(3)}`,
    );
    assert.ok(circlesLoss < circlesStart / 2, `circles test loss fell (${circlesStart} → ${circlesLoss})`);
    t.diagnostic(`screenshot: ${await opened.screenshot('playground-circles')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('fits a phone screen and trains there', async (t) => {
    const { page, errors, screenshot } = await app.open('playground.html', { viewport: PHONE });
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('epoch')?.textContent) >= 30, undefined, {
      timeout: 15_000,
    });
    await page.click('#play');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `the playground at phone width scrolls sideways by ${overflow} px`);
    t.diagnostic(`screenshot: ${await screenshot('playground-spiral-phone')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

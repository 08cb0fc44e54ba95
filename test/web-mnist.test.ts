/**
 * The MNIST page (web/mnist.html) in Chromium: training in its worker makes the loss fall while
 * the page keeps drawing frames; a digit drawn with the mouse gets probabilities; the shipped
 * pre-trained MLP reads a drawn 7 and a 1; the benchmark runs backprop and TF.js (wasm) on the
 * same slice and logs the ratio (timing is reported, never asserted); screenshots desktop + phone.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { PHONE, startWebApp, type WebApp } from './web-e2e.js';

/** Draw polyline strokes on the pad with mouse events; points in the pad's 0..1 coordinates. */
async function draw(page: Page, strokes: [number, number][][]): Promise<void> {
  // Mouse events land where the pad is on screen: bring it into view first (phone layout).
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = (await page.locator('#pad').boundingBox())!;
  for (const stroke of strokes) {
    const [first, ...rest] = stroke;
    await page.mouse.move(box.x + first![0] * box.width, box.y + first![1] * box.height);
    await page.mouse.down();
    for (const [x, y] of rest)
      await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 8 });
    await page.mouse.up();
  }
}

const SEVEN: [number, number][][] = [
  [
    [0.3, 0.25],
    [0.7, 0.25],
    [0.45, 0.8],
  ],
];
const ONE: [number, number][][] = [
  [
    [0.5, 0.2],
    [0.5, 0.8],
  ],
];

async function prediction(page: Page): Promise<number> {
  await page.waitForSelector('#bars[data-prediction]', { timeout: 10_000 });
  return Number(await page.getAttribute('#bars', 'data-prediction'));
}

describe('MNIST page in Chromium', () => {
  let app: WebApp;
  before(async () => {
    app = await startWebApp();
  });
  after(async () => {
    await app?.close();
  });

  it('trains in its worker (loss falls, page keeps drawing), predicts drawn digits, benchmarks TF.js', async (t) => {
    const { page, errors, screenshot } = await app.open('mnist.html');
    await page.waitForSelector('#train:not([disabled])', { timeout: 20_000 });
    assert.match((await page.textContent('#trainer')) ?? '', /backend: wasm/);

    // Train ~2 s and count animation frames meanwhile: a frozen main thread would draw none.
    // (A string: tsx would wrap a named inner function in a helper the page does not have.)
    await page.evaluate(
      'window.frames = 0; (function tick() { window.frames++; requestAnimationFrame(tick); })()',
    );
    await page.click('#train');
    await page.waitForSelector('#progress[data-loss]', { timeout: 10_000 });
    const firstLoss = Number(await page.getAttribute('#progress', 'data-loss'));
    await page.waitForTimeout(2000);
    const lastLoss = Number(await page.getAttribute('#progress', 'data-loss'));
    const seen = Number(await page.getAttribute('#progress', 'data-seen'));
    const frames = Number(await page.evaluate('window.frames'));
    t.diagnostic(
      `loss ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)} after ${seen} images; ${frames} frames drawn`,
    );
    t.diagnostic(`progress: ${await page.textContent('#progress')}`);
    assert.ok(lastLoss < firstLoss * 0.7, `loss fell from ${firstLoss} to ${lastLoss}`);
    assert.ok(frames > 20, `only ${frames} animation frames in ~2 s of training: the page froze`);

    // Draw while it trains: the current model answers with ten probabilities summing to 1.
    await draw(page, SEVEN);
    await prediction(page);
    const total = await page.$$eval('#bars .pct', (cells) =>
      cells.reduce((s, c) => s + Number.parseFloat(c.textContent ?? '0'), 0),
    );
    assert.ok(Math.abs(total - 100) < 1, `probabilities sum to ${total}%`);
    await page.click('#train'); // pause
    // Let the epoch views appear if the first epoch ended; the screenshot shows what is there.
    t.diagnostic(`screenshot: ${await screenshot('mnist-trained')}`);

    // The shipped pre-trained MLP reads the drawn 7, then a drawn 1.
    await page.click('#pretrained');
    await page.waitForSelector('#model-name[data-model^="pre-trained"]', { timeout: 10_000 });
    await page.waitForFunction(() =>
      document.querySelector('#model-name')?.textContent?.includes('(trained)'),
    );
    await page.click('text=Clear');
    await draw(page, SEVEN);
    assert.equal(await prediction(page), 7, 'the pre-trained MLP reads the drawn 7');
    await page.waitForSelector('text=As loaded: test accuracy', { timeout: 10_000 });
    await page.click('text=Clear');
    await draw(page, ONE);
    await page.waitForTimeout(300);
    assert.equal(await prediction(page), 1, 'the pre-trained MLP reads the drawn 1');

    // Benchmark on a small slice: both libraries must run; the ratio is logged, not asserted.
    await page.selectOption('#bench-images', '2048');
    await page.click('#benchmark');
    await page.waitForSelector('#bench-result[data-ratio]', { timeout: 60_000 });
    t.diagnostic(`benchmark: ${(await page.textContent('#bench-result'))?.replace(/\s+/g, ' ')}`);
    assert.equal(await page.locator('#bench-result table.results tr').count(), 3, 'both libraries ran');
    // The optimiser comparison, so the desktop screenshot shows its chart too.
    await page.click('#compare');
    await page.waitForSelector('#compare[data-done]', { timeout: 30_000 });
    t.diagnostic(`screenshot: ${await screenshot('mnist')}`);
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('compares optimisers and fits a phone screen', async (t) => {
    const { page, errors, screenshot } = await app.open('mnist.html', { viewport: PHONE });
    await page.waitForSelector('#train:not([disabled])', { timeout: 20_000 });
    await page.click('#compare');
    await page.waitForSelector('#compare[data-done]', { timeout: 30_000 });
    await draw(page, ONE);
    await prediction(page);
    // The file picker takes a model folder's files as the CLI saved them (here the shipped one's).
    const folder = 'web/public/pretrained';
    const weights = readdirSync(folder).find((f) => f.endsWith('.bin'))!;
    await page.setInputFiles('#model-file', [join(folder, 'model.json'), join(folder, weights)]);
    await page.waitForSelector('#model-name[data-model="model.json"]', { timeout: 10_000 });
    await page.click('text=Clear');
    await draw(page, ONE);
    assert.equal(await prediction(page), 1, 'the model loaded by the file picker reads the drawn 1');
    // The CNN trains too (a few batches: its loss is reported).
    await page.selectOption('#arch', 'cnn');
    await page.waitForSelector('#model-name[data-model="CNN"]', { timeout: 10_000 });
    await page.click('#train');
    await page.waitForSelector('#progress[data-loss]', { timeout: 10_000 });
    await page.click('#train');
    t.diagnostic(`CNN: ${await page.textContent('#progress')}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px at phone width`);
    t.diagnostic(`screenshot: ${await screenshot('mnist-phone')}`);
    await page.close();
    assert.deepEqual(errors, []);
  });
});

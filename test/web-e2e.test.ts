/**
 * The web app's pages in Chromium (see test/web-e2e.ts): each loads cross-origin isolated, without
 * a console error, reports (never asserts) how soon it is interactive, and runs the library on the wasm backend with its
 * worker threads — on the page and inside the MNIST page's training worker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PHONE, startWebApp, type WebApp } from './web-e2e.js';

/** What web/src/shared/page.ts puts on `window` (types only: the page has its own copy). */
type PageGlobals = { bp: typeof import('../src/index.js') };

describe('web app in Chromium', () => {
  let app: WebApp;
  before(async () => {
    app = await startWebApp();
  });
  after(async () => {
    await app?.close();
  });

  for (const name of ['index', 'playground', 'graph', 'mnist']) {
    it(`${name}.html loads cross-origin isolated, on the wasm backend, without console errors`, async (t) => {
      const opened = await app.open(`${name}.html`);
      const { page } = opened;
      assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'crossOriginIsolated');
      assert.match((await page.textContent('#status')) ?? '', /^backend: wasm, \d+ threads?$/);
      assert.ok(((await page.textContent('main')) ?? '').length > 0, '<main> filled');
      if (name === 'index') {
        // One card per page, each with its picture drawn (more than one colour on the canvas).
        const cards = await page.$$eval('a.card', (links) => links.map((a) => a.getAttribute('href')));
        assert.deepEqual(cards, ['./playground.html', './graph.html', './mnist.html']);
        const colours = await page.$$eval('canvas.thumb', (canvases) =>
          canvases.map((element) => {
            const c = element as HTMLCanvasElement;
            const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
            const seen = new Set<number>();
            for (let i = 0; i < data.length; i += 4 * 97)
              seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
            return seen.size;
          }),
        );
        assert.ok(colours.length === 3 && colours.every((n) => n > 5), `thumbnails drawn: ${colours}`);
      }
      if (name === 'mnist') {
        // The training worker imports the library too: wasm there, not the TypeScript fallback.
        await page.waitForSelector('#trainer[data-state]', { timeout: 20_000 });
        assert.match((await page.textContent('#trainer')) ?? '', /Training worker ready \(backend: wasm, /);
      }
      const { domContentLoaded, ready } = await opened.timing();
      t.diagnostic(
        `${name}: DOMContentLoaded ${domContentLoaded.toFixed(0)} ms, ready ${ready.toFixed(0)} ms`,
      );
      t.diagnostic(`screenshot: ${await opened.screenshot(name)}`);
      await page.close();

      const phone = await app.open(`${name}.html`, { viewport: PHONE });
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `${name} at phone width scrolls sideways by ${overflow} px`);
      t.diagnostic(`screenshot: ${await phone.screenshot(`${name}-phone`)}`);
      await phone.page.close();
      assert.deepEqual([...opened.errors, ...phone.errors], []);
    });
  }

  it('works offline once loaded: reloads without a network, isolated, and still trains', async (t) => {
    const { page, errors } = await app.open('mnist.html');
    // The first visit installs the service worker, which caches the whole build, then takes the page.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 60_000,
    });
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const cache = await caches.open(names[0]!);
      return { names, files: (await cache.keys()).map((r) => new URL(r.url).pathname) };
    });
    t.diagnostic(`cache ${cached.names.join(', ')}: ${cached.files.length} files`);
    assert.equal(cached.names.length, 1);
    for (const file of ['/mnist.html', '/playground.html', '/mnist-subset.bin', '/pretrained/model.json'])
      assert.ok(cached.files.includes(file), `${file} cached`);

    app.serve(false);
    await page.context().setOffline(true);
    try {
      await assert.rejects(fetch(app.url), 'the server is unreachable now');
      await page.reload();
      await page.waitForSelector('html[data-ready]', { timeout: 20_000 });
      assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'still cross-origin isolated');
      // The worker reads the MNIST subset from the cache and trains: the loss falls.
      await page.waitForSelector('#train:not([disabled])', { timeout: 20_000 });
      await page.click('#train');
      await page.waitForSelector('#progress[data-loss]', { timeout: 10_000 });
      const firstLoss = Number(await page.getAttribute('#progress', 'data-loss'));
      await page.waitForTimeout(1500);
      const lastLoss = Number(await page.getAttribute('#progress', 'data-loss'));
      await page.click('#train');
      t.diagnostic(`offline MNIST: loss ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)}`);
      assert.ok(lastLoss < firstLoss * 0.7, `loss fell offline (${firstLoss} → ${lastLoss})`);
      // The shipped model comes from the cache too.
      await page.click('#pretrained');
      await page.waitForSelector('#model-name[data-model^="pre-trained"]', { timeout: 10_000 });
      // Another page, never opened before, loads offline and trains.
      await page.goto(new URL('playground.html', app.url).href);
      await page.waitForSelector('html[data-ready]', { timeout: 20_000 });
      await page.click('#step');
      assert.equal(await page.textContent('#epoch'), '1');
    } finally {
      app.serve(true);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('the wasm backend hands matrix products to its Web Workers in the built app', async (t) => {
    const { page, errors } = await app.open('playground.html');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    if (cores < 2) {
      t.diagnostic(`only ${cores} core: one thread, nothing to hand over`);
      return;
    }
    // Workers start while the main thread is idle, so multiply, yield, and look again.
    const jobs = await page.evaluate(async () => {
      const { bp } = window as unknown as PageGlobals;
      const a = bp.randn([256, 256], { seed: 1 });
      for (let round = 0; round < 50; round++) {
        a.matmul(a).dataSync();
        const stats = bp.threadStats();
        if (stats.jobsRunByWorkers > 0) return stats.jobsRunByWorkers;
        await new Promise((done) => setTimeout(done, 100));
      }
      return 0;
    });
    assert.ok(jobs > 0, 'no product ran on a worker thread');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

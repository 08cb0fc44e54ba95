// Manual check that the browser-safe entry trains in a real browser, with and without threads:
// bundles src/index.ts with esbuild, serves it from a local server (once with the
// Cross-Origin-Opener/Embedder-Policy headers that allow SharedArrayBuffer, once without), and runs
// headless Chromium on a page that multiplies 512×512 matrices, trains a small CNN with fit(),
// round-trips the model through in-memory artifacts and reports how many jobs the Web Worker pool
// took. Needs a Chromium binary (Debian: apt-get install chromium), which npm ci does not install —
// so this is not part of `npm test`.
//
//   node scripts/browser-check.mjs [path-to-chromium]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.argv[2] ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'backprop-browser-'));
await build({
  entryPoints: [join(root, 'src/index.ts')],
  bundle: true,
  format: 'esm',
  outfile: join(dir, 'backprop.js'),
  logLevel: 'warning',
});
writeFileSync(
  join(dir, 'index.html'),
  `<!doctype html><meta charset="utf-8"><script type="module">
import * as bp from './backprop.js';
const log = (s) => console.log('BP ' + s);
try {
  // The pool as built, counting the calls handed to it; the workers' own count says what they ran.
  let calls = 0, pool = null;
  const inner = bp.webWorkerGemmPool(2);
  if (inner) bp.setGemmPoolFactory((m, mem) => { pool = inner(m, mem); return { ...pool, start: (j) => { const s = pool.start(j); if (s) calls++; return s; } }; });
  log('crossOriginIsolated=' + globalThis.crossOriginIsolated + ' backend=' + bp.getBackend().name);
  await new Promise((r) => setTimeout(r, 500)); // workers start while the page is idle
  const a = bp.randn([512, 512], { seed: 1 }), b = bp.randn([512, 512], { seed: 2 });
  a.matmul(b);
  let t0 = performance.now(); for (let i = 0; i < 10; i++) a.matmul(b);
  log('matmul 512^3: ' + (2 * 512 ** 3 / ((performance.now() - t0) / 10) / 1e6).toFixed(1) + ' GFLOP/s');
  const n = 512, images = new Float32Array(n * 64), labels = new Float32Array(n * 2), rng = new bp.Rng(3);
  for (let i = 0; i < n; i++) { const v = i % 2, at = 1 + Math.floor(rng.uniform() * 6);
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) images[i * 64 + r * 8 + c] = ((v ? c === at : r === at) ? 1 : 0) + 0.1 * rng.normal();
    labels[i * 2 + v] = 1; }
  const x = bp.tensor(images, { shape: [n, 8, 8, 1] }), y = bp.tensor(labels, { shape: [n, 2] });
  bp.manualSeed(1);
  const model = new bp.Sequential();
  model.add(new bp.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }));
  model.add(new bp.MaxPooling2D());
  model.add(new bp.BatchNormalization());
  model.add(new bp.Flatten());
  model.add(new bp.Dense({ units: 2, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const h = await model.fit(x.slice(0, 384), y.slice(0, 384), { batchSize: 32, epochs: 15, verbose: 0 });
  const acc = model.evaluate(x.slice(384), y.slice(384)).accuracy;
  const back = await bp.modelFromArtifacts(model.toArtifacts());
  const p1 = model.predict(x.slice(384)).dataSync(), p2 = back.predict(x.slice(384)).dataSync();
  log('CNN loss ' + h.history.loss[0].toFixed(3) + ' -> ' + h.history.loss.at(-1).toFixed(3) + ', held-out accuracy ' + (acc * 100).toFixed(1) + ' %, reloaded model identical: ' + p1.every((v, i) => v === p2[i]));
  log('calls split over the workers: ' + calls + ', parts the worker ran: ' + (pool ? pool.jobsRunByWorkers() : 0));
  log('DONE');
} catch (e) { log('ERROR ' + (e && e.stack || e)); }
</script>`,
);

async function run(isolated) {
  const server = createServer(async (req, res) => {
    const path = req.url === '/' ? '/index.html' : req.url;
    try {
      const body = await readFile(join(dir, path));
      const headers = { 'Content-Type': path.endsWith('.js') ? 'text/javascript' : 'text/html' };
      if (isolated)
        Object.assign(headers, {
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Cross-Origin-Embedder-Policy': 'require-corp',
        });
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, resolve));
  const url = `http://localhost:${server.address().port}/`;
  const browser = spawn(chromium, [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--enable-logging=stderr',
    '--v=0',
    '--remote-debugging-port=0',
    url,
  ]);
  const lines = await new Promise((resolve) => {
    const found = [];
    const timer = setTimeout(() => resolve([...found, 'TIMEOUT']), 120_000);
    browser.stderr.on('data', (chunk) => {
      for (const m of String(chunk).matchAll(/"BP ([^"]*)"/g)) {
        found.push(m[1]);
        if (m[1] === 'DONE' || m[1].startsWith('ERROR')) {
          clearTimeout(timer);
          resolve(found);
        }
      }
    });
  });
  browser.kill();
  server.close();
  return lines;
}

let ok = true;
for (const isolated of [true, false]) {
  const lines = await run(isolated);
  console.log(`${isolated ? 'cross-origin isolated (threads)' : 'not isolated (one thread)'}:`);
  for (const line of lines) console.log(`  ${line}`);
  ok &&= lines.includes('DONE');
}
process.exit(ok ? 0 : 1);

// How big the web app (web/) is when built: every file's size, raw and gzipped, and the library's
// own chunk (assets/backprop-*.js: what `import … from 'backprop-js'` costs a page). Builds into a
// temporary folder, so web/dist is left alone. Needs dist/ (npm run build).
//
//   node scripts/web-size.mjs
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const outDir = await mkdtemp(join(tmpdir(), 'backprop-web-size-'));
await build({ configFile: 'web/vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files.push(path);
  }
};
walk(outDir);
const kB = (bytes) => `${(bytes / 1024).toFixed(1).padStart(7)} kB`;
let total = 0;
let totalGzip = 0;
for (const file of files.sort()) {
  const bytes = readFileSync(file);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  total += bytes.length;
  totalGzip += gzip;
  console.log(`${relative(outDir, file).padEnd(40)} ${kB(bytes.length)}  gzip ${kB(gzip)}`);
}
console.log(`${'all'.padEnd(40)} ${kB(total)}  gzip ${kB(totalGzip)}`);
const library = files.find((file) => /[\\/]backprop-[^\\/]*\.js$/.test(file));
if (library) {
  const bytes = readFileSync(library);
  const wasm = [...bytes.toString('utf8').matchAll(/[A-Za-z0-9+/=]{5000,}/g)].map((m) => m[0]).join('');
  console.log(
    `library chunk: ${kB(bytes.length)}, gzip ${kB(gzipSync(bytes, { level: 9 }).length)} ` +
      `(of which the embedded wasm kernels, base64: ${kB(wasm.length)}, gzip ${kB(gzipSync(wasm, { level: 9 }).length)})`,
  );
}
rmSync(outDir, { recursive: true, force: true });

// Manual check, run once (test/threads-entry.test.ts covers the common cases in the suite): the wasm
// backend's worker threads under the ways of starting Node a test would be too slow to try all of.
// Bundles src/node/index.ts (as dist/ would be) into a temporary folder and runs, in separate
// processes, a program that multiplies 512×512 matrices three times and prints threadStats():
// scripts, eval and stdin in both module types, the REPL, the tsx command and flag, bundles,
// --experimental-default-type=module, NODE_OPTIONS preloads (one that throws in worker threads)
// and the permission model without --allow-worker (no threads allowed: one warning, one thread).
//
//   node scripts/threads-entry-check.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'backprop-threads-'));
symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
const source = join(root, 'src/node/index.ts');
const lib = join(dir, 'lib.mjs');
const body = `const a = bp.randn([512, 512], { seed: 1 });
let s = 0;
for (let i = 0; i < 3; i++) s = a.matmul(a).sum().item();
console.log('RESULT ' + JSON.stringify({ s, ...bp.threadStats() }));`;
const esm = (from) => `import * as bp from ${JSON.stringify(from)};\n${body}\n`;
const cjs = (from) => `import(${JSON.stringify(from)}).then((bp) => {\n${body}\n});\n`;
const bundle = (entry, outfile, format, minify = false) =>
  build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    packages: 'external',
    format,
    minify,
    outfile,
    logLevel: 'silent',
  });

await bundle(source, lib, 'esm');
const file = (name, text) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
file('app.mjs', esm(source));
await bundle(join(dir, 'app.mjs'), join(dir, 'app.cjs'), 'cjs', true);
await bundle(join(dir, 'app.mjs'), join(dir, 'app.bundle.mjs'), 'esm');
const preload = file(
  'preload.cjs',
  "if (!require('node:worker_threads').isMainThread) throw new Error('this preload refuses worker threads');\n",
);

const cases = [
  ['ES module script', [file('script.mjs', esm(lib))]],
  ['CommonJS script (import())', [file('script.cjs', cjs(lib))]],
  ['-e, CommonJS', ['-e', cjs(lib)]],
  ['--input-type=module -e', ['--input-type=module', '-e', esm(lib)]],
  ['stdin, CommonJS', ['-'], cjs(lib)],
  ['stdin, --input-type=module', ['--input-type=module'], esm(lib)],
  ['the REPL', ['-i'], `${cjs(lib).replace(/\n/g, ' ')}\n`],
  ['--import tsx, src/ script', ['--import', 'tsx', file('src.mjs', esm(source))]],
  [
    '--import tsx --input-type=module -e, src/',
    ['--import', 'tsx', '--input-type=module', '-e', esm(source)],
  ],
  ['the tsx command, .mts', [join(root, 'node_modules/tsx/dist/cli.mjs'), file('script.mts', esm(source))]],
  ['esbuild bundle, ES module', [join(dir, 'app.bundle.mjs')]],
  ['esbuild bundle, CommonJS minified', [join(dir, 'app.cjs')]],
  ['--experimental-default-type=module', ['--experimental-default-type=module', join(dir, 'script.mjs')]],
  [
    'NODE_OPTIONS="--require <preload that throws in workers>"',
    [join(dir, 'script.mjs')],
    undefined,
    { NODE_OPTIONS: `--require ${preload}` },
  ],
  [
    'NODE_OPTIONS="--import tsx", src/ script',
    [join(dir, 'src.mjs')],
    undefined,
    { NODE_OPTIONS: '--import tsx' },
  ],
  [
    'permission model, no --allow-worker',
    ['--experimental-permission', '--allow-fs-read=*', '--allow-addons', join(dir, 'script.mjs')],
  ],
];

function run(args, input, env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, BACKPROP_THREADS: '2', ...env },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (args.includes('-i') && /RESULT|Uncaught/.test(stdout)) child.stdin.end('.exit\n');
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    if (input !== undefined) child.stdin.write(input);
    if (!args.includes('-i')) child.stdin.end();
  });
}

for (const [name, args, input, env] of cases) {
  const { code, stdout, stderr, ms } = await run(args, input, env);
  const result = /RESULT (.*)/.exec(stdout)?.[1] ?? 'no result';
  const warnings = stderr.split('\n').filter((line) => /backprop:|Error/.test(line));
  console.log(
    `${name}\n  exit ${code}, ${ms} ms, ${result}${warnings.length ? `\n  stderr: ${warnings.join(' | ')}` : ''}`,
  );
}
rmSync(dir, { recursive: true, force: true });

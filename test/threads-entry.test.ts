/**
 * The wasm backend's worker threads start however the library is run — an ES module or CommonJS
 * script, `--input-type=module` eval or stdin, the REPL, tsx (flag and command), an esbuild bundle
 * (ES module, and minified CommonJS) — and BACKPROP_THREADS is checked. Each case is a separate
 * Node process that multiplies 512×512 matrices and prints what the workers did (threadStats()).
 * It imports src/ through tsx, or (faster to start, as dist/ would be) src/node/index.ts bundled
 * here into one ES module, `lib.mjs`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { build } from 'esbuild';
import { wasmSimdSupported } from '../src/backend/wasm/index.js';
import { randn } from '../src/index.js';
import { threadCap, threadsFromEnv } from '../src/node/threads.js';
import { useTempDir } from './helpers.js';

const skip = !wasmSimdSupported(); // no wasm backend, no threads
const ROOT = process.cwd();
const SOURCE = join(ROOT, 'src/node/index.ts');

/** Three 512×512 products (each cut into parts for the threads), then what the pools did. */
const BODY = `const a = bp.randn([512, 512], { seed: 1 });
let s = 0;
for (let i = 0; i < 3; i++) s = a.matmul(a).sum().item();
console.log('RESULT ' + JSON.stringify({ s, ...bp.threadStats() }));`;
/** A program using the library at `from`, as an ES module, or as CommonJS (import() of it). */
const esm = (from: string, body = BODY) => `import * as bp from ${JSON.stringify(from)};\n${body}\n`;
const cjs = (from: string) => `import(${JSON.stringify(from)}).then((bp) => {\n${BODY}\n});\n`;

const tmp = useTempDir('threads-entry', async (dir) => {
  const bundle = (entry: string, outfile: string, format: 'esm' | 'cjs', minify = false) =>
    build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      packages: 'external', // packages stay imports; the library's own code is bundled
      format,
      minify,
      outfile: join(dir, outfile),
      logLevel: 'silent',
    });
  // Where the bundles' imports of packages (and `--import tsx`) resolve from.
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await bundle(SOURCE, 'lib.mjs', 'esm');
  const lib = join(dir, 'lib.mjs');
  await writeFile(join(dir, 'script.cjs'), cjs(lib));
  // A user's program bundled with the library: the worker's source must survive bundling and
  // minifying.
  await writeFile(join(dir, 'app.mjs'), esm(SOURCE));
  await bundle(join(dir, 'app.mjs'), 'app.cjs', 'cjs', true);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run node with `args` in the repository (where tsx resolves), stdin from `input`. */
function node(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, BACKPROP_THREADS: '2', BACKPROP_BACKEND: '', ...options.env },
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      // The REPL reads on until told to exit: once the result (or an error) is out.
      if (args.includes('-i') && /RESULT|Uncaught/.test(stdout)) child.stdin.end('.exit\n');
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin.write(options.input);
    if (!args.includes('-i')) child.stdin.end();
  });
}

function resultOf(name: string, run: Run): { s: number; workers: number; jobsRunByWorkers: number } {
  const line = /RESULT (.*)/.exec(run.stdout)?.[1];
  assert.ok(line, `${name}: no result (exit code ${run.code})\n${run.stderr}`);
  return JSON.parse(line);
}

it('worker threads start and take work under eval, stdin, CommonJS, the REPL and a minified bundle', {
  skip,
}, async () => {
  const expected = randn([512, 512], { seed: 1 })
    .matmul(randn([512, 512], { seed: 1 }))
    .sum()
    .item();
  const file = (name: string) => join(tmp.path, name);
  const lib = file('lib.mjs');
  // (The tsx command, --experimental-default-type=module, the permission model and NODE_OPTIONS
  // preloads are checked by scripts/threads-entry-check.mjs: more processes than a test should start.)
  const cases: Array<[string, string[], string?]> = [
    [
      'src/ through tsx, --input-type=module -e',
      ['--import', 'tsx', '--input-type=module', '-e', esm(SOURCE)],
    ],
    ['--input-type=module, code on stdin', ['--input-type=module'], esm(lib)],
    ['CommonJS script', [file('script.cjs')]],
    ['the REPL', ['-i'], `${cjs(lib).replace(/\n/g, ' ')}\n`],
    ['an esbuild bundle (CommonJS, minified)', [file('app.cjs')]],
  ];
  const runs = await Promise.all(cases.map(([, args, input]) => node(args, { input })));
  cases.forEach(([name], i) => {
    const run = runs[i]!;
    assert.equal(run.code, 0, `${name}: exit code ${run.code}\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /backprop:|did not start/, `${name}: a warning`);
    const result = resultOf(name, run);
    assert.equal(result.s, expected, `${name}: the product`);
    assert.equal(result.workers, 1, `${name}: worker threads started`);
    assert.ok(result.jobsRunByWorkers > 0, `${name}: the worker ran none of the parts`);
  });
});

it('BACKPROP_THREADS: nonsense is named with what is used instead; too many are capped', () => {
  // On a 2-core machine: the default is 2 threads, at most 8.
  const cases: Array<[string | undefined, number, RegExp | null]> = [
    [undefined, 2, null],
    ['', 2, null],
    ['1', 1, null],
    [' 3 ', 3, null],
    ['8', 8, null],
    ['0', 2, /^backprop: BACKPROP_THREADS="0" is not a whole number ≥ 1 .*; using 2 \(one per core\)$/],
    ['-1', 2, /BACKPROP_THREADS="-1" is not a whole number ≥ 1 .*; using 2/],
    ['abc', 2, /BACKPROP_THREADS="abc" is not a whole number ≥ 1 .*; using 2/],
    ['2.5', 2, /BACKPROP_THREADS="2\.5" is not a whole number ≥ 1 .*; using 2/],
    ['1e3', 2, /BACKPROP_THREADS="1e3" is not a whole number ≥ 1/],
    [
      '9',
      8,
      /^backprop: BACKPROP_THREADS=9 is more than this machine can use \(2 cores; at most 8\); using 8$/,
    ],
    ['1000', 8, /BACKPROP_THREADS=1000 is more than .*at most 8\); using 8$/],
  ];
  for (const [value, threads, warning] of cases) {
    const got = threadsFromEnv(value, 2);
    assert.equal(got.threads, threads, `BACKPROP_THREADS=${value}`);
    if (warning) assert.match(got.warning ?? '(no warning)', warning);
    else assert.equal(got.warning, undefined, `BACKPROP_THREADS=${value}: no warning`);
  }
  // Many cores: at most 64 threads (a call is cut into at most 64 parts); one core: at most 4.
  assert.equal(threadsFromEnv('1000', 96).threads, 64);
  assert.equal(threadsFromEnv(undefined, 96).threads, 64);
  assert.equal(threadsFromEnv('5', 1).threads, 4);
});

it('BACKPROP_THREADS in a process: one warning, and 1000 does not start 1000 workers', { skip }, async () => {
  const cores = availableParallelism();
  const cap = threadCap(cores);
  const stats = esm(
    join(tmp.path, 'lib.mjs'),
    `bp.randn([2, 2]).sum().item(); // the backend, and its pool, exist from the first op
console.log('RESULT ' + JSON.stringify({ s: 0, ...bp.threadStats() }));`,
  );
  const cases: Array<[string, RegExp, number]> = [
    ['abc', /^backprop: BACKPROP_THREADS="abc" is not a whole number ≥ 1/, Math.min(cores, cap)],
    ['1000', /^backprop: BACKPROP_THREADS=1000 is more than this machine can use/, cap],
  ];
  const runs = await Promise.all(
    cases.map(([value]) => node(['--input-type=module', '-e', stats], { env: { BACKPROP_THREADS: value } })),
  );
  cases.forEach(([value, message, threads], i) => {
    const run = runs[i]!;
    assert.equal(run.code, 0, `${value}: exit code ${run.code}\n${run.stderr}`);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('BACKPROP_THREADS'));
    assert.equal(warnings.length, 1, `${value}: one warning\n${run.stderr}`);
    assert.match(warnings[0]!, message);
    assert.equal(resultOf(value, run).workers, threads - 1, `${value}: worker threads started`);
  });
});

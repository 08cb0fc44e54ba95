// A large generated CSV through `backprop train csv`, printing the peak RSS against the size of the
// float32 feature matrix (issue 13's target: under 3×). Not part of CI.
//
//   npx tsx bench/tabular/big-csv.ts [megabytes=1024] [dir=/tmp/big-csv]
//
// The file (streamed to disk, never held in memory) has 12 numeric columns, a 4-category text
// column, 1 % missing cells and a binary target; training runs 2 epochs (the point is memory).
import { spawnSync } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../src/random/rng.js';

const megabytes = Number(process.argv[2] ?? 1024);
const dir = process.argv[3] ?? '/tmp/big-csv';
await mkdir(dir, { recursive: true });
const file = join(dir, `big-${megabytes}mb.csv`);
const NUMERIC = 12;
const rng = new Rng(7);
const out = createWriteStream(file);
const write = (s: string) =>
  out.write(s) ? Promise.resolve() : new Promise<void>((done) => out.once('drain', () => done()));
await write(`${[...Array.from({ length: NUMERIC }, (_, j) => `x${j}`), 'kind', 'label'].join(',')}\n`);
let bytes = 0;
let rows = 0;
while (bytes < megabytes * 1e6) {
  const lines: string[] = [];
  for (let k = 0; k < 10000; k++) {
    const xs = Array.from({ length: NUMERIC }, () => rng.normal());
    const kind = ['a', 'b', 'c', 'd'][rng.int(4)]!;
    const score = xs[0]! - xs[1]! + 0.5 * xs[2]! + (kind === 'a' ? 1 : 0);
    const cells = xs.map((v) => (rng.uniform() < 0.01 ? '' : v.toFixed(4)));
    lines.push(`${cells.join(',')},${kind},${score > 0 ? 1 : 0}`);
  }
  const chunk = `${lines.join('\n')}\n`;
  bytes += chunk.length;
  rows += lines.length;
  await write(chunk);
}
await new Promise<void>((done) => out.end(() => done()));
// Features: 12 numbers + 12 missing indicators + 3 one-hot columns for 'kind'.
const features = NUMERIC * 2 + 3;
const matrix = rows * features * 4;
console.log(
  `${file}: ${(statSync(file).size / 1e6).toFixed(0)} MB, ${rows} rows; float32 feature matrix ${(matrix / 1e6).toFixed(0)} MB`,
);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const started = performance.now();
// The child reports its own peak RSS (kilobytes) as it exits.
const peak = `data:text/javascript,process.on('exit',()=>console.error('MAXRSS '+process.resourceUsage().maxRSS))`;
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    peak,
    cli,
    'train',
    'csv',
    file,
    '--target',
    'label',
    '--epochs',
    '2',
    '--batch',
    '1024',
    '--out',
    join(dir, 'run'),
  ],
  { encoding: 'utf8', maxBuffer: 1 << 28 },
);
if (run.status !== 0) throw new Error(`train csv failed:\n${run.stderr}`);
const maxRss = Number(/MAXRSS (\d+)/.exec(run.stderr)?.[1]) * 1024;
const lines = run.stdout.split('\n').filter((l) => /^(Read|Split|Test accuracy|Stopped|Trained)/.test(l));
console.log(lines.join('\n'));
console.log(
  `train csv: ${((performance.now() - started) / 1000).toFixed(0)} s; peak RSS ${(maxRss / 1e6).toFixed(0)} MB = ${(maxRss / matrix).toFixed(2)}× the feature matrix`,
);

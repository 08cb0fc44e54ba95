// backprop side of the tabular comparison (not part of CI): default `backprop train csv` on the
// splits prepare.py wrote (train on <name>-train.csv, score on <name>-test.csv), next to
// scikit-learn's scores on the same rows.
//
//   /usr/bin/python3 bench/tabular/prepare.py /tmp/tabular
//   npx tsx bench/tabular/compare.ts /tmp/tabular [extra train csv options…]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '/tmp/tabular';
const extra = process.argv.slice(3);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const sklearn = JSON.parse(readFileSync(join(dir, 'sklearn.json'), 'utf8')) as Record<
  string,
  { task: string; scores: Record<string, number> }
>;

const pct = (v: number) => `${(v * 100).toFixed(2)}`;
const rows: string[][] = [];
for (const [name, ref] of Object.entries(sklearn)) {
  const started = performance.now();
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'train',
      'csv',
      join(dir, `${name}-train.csv`),
      '--test-file',
      join(dir, `${name}-test.csv`),
      '--target',
      'target',
      '--out',
      join(dir, 'runs', name),
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const regression = ref.task === 'regression';
  const ours = regression
    ? Number(/Test R² (-?[\d.]+)/.exec(out)?.[1])
    : Number(/Test accuracy: ([\d.]+)%/.exec(out)?.[1]) / 100;
  const epochs = /(Stopped after epoch \d+|Trained \d+ epochs)/.exec(out)?.[1] ?? '?';
  const best = Math.max(...Object.values(ref.scores));
  const fmt = regression ? (v: number) => v.toFixed(4) : pct;
  rows.push([
    name,
    regression ? 'R²' : 'accuracy %',
    ...Object.entries(ref.scores).map(([k, v]) => `${k} ${fmt(v)}`),
    fmt(ours),
    regression ? (ours - best).toFixed(4) : (100 * (ours - best)).toFixed(2),
    `${epochs}, ${seconds} s`,
  ]);
}
console.log(
  '| dataset | metric | scikit-learn (a) | scikit-learn (b) | backprop train csv | vs best | run |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

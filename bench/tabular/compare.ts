// backprop side of the tabular comparison (not part of CI): default `backprop train csv` on each
// of the 10 splits prepare.py wrote (train on splits/<name>-<seed>-train.csv, score on
// -test.csv, --seed <seed>), next to scikit-learn's scores on the same rows, as mean ± sd over
// the splits (sample sd). Runs go through the real CLI, as many at once as there are CPUs.
//
//   /usr/bin/python3 bench/tabular/prepare.py /tmp/tabular
//   npx tsx bench/tabular/compare.ts /tmp/tabular [extra train csv options…]
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = process.argv[2] ?? '/tmp/tabular';
const extra = process.argv.slice(3);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const sklearn = JSON.parse(readFileSync(join(dir, 'sklearn.json'), 'utf8')) as Record<
  string,
  { task: string; scores: Record<string, number[]> }
>;

interface Job {
  name: string;
  seed: number;
  regression: boolean;
}
interface Outcome {
  score: number;
  epochs: number;
}

async function trainOne({ name, seed, regression }: Job): Promise<Outcome> {
  const prefix = join(dir, 'splits', `${name}-${seed}`);
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'train',
      'csv',
      `${prefix}-train.csv`,
      '--test-file',
      `${prefix}-test.csv`,
      '--target',
      'target',
      '--seed',
      String(seed),
      '--out',
      join(dir, 'runs', `${name}-${seed}`),
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const score = regression
    ? Number(/Test R² (-?[\d.]+)/.exec(stdout)?.[1])
    : Number(/Test accuracy: ([\d.]+)%/.exec(stdout)?.[1]) / 100;
  if (!Number.isFinite(score)) throw new Error(`${name} split ${seed}: no test score in the output`);
  const epochs = Number(/(?:Stopped after epoch|Trained) (\d+)/.exec(stdout)?.[1]);
  return { score, epochs };
}

const jobs: Job[] = Object.entries(sklearn).flatMap(([name, ref]) =>
  ref.scores[Object.keys(ref.scores)[0]!]!.map((_, seed) => ({
    name,
    seed,
    regression: ref.task === 'regression',
  })),
);
const outcomes = new Map<Job, Outcome>();
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: availableParallelism() }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      outcomes.set(job, await trainOne(job));
    }
  }),
);
const seconds = (performance.now() - started) / 1000;

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));
console.log(
  '| dataset | metric | scikit-learn (a) | scikit-learn (b) | backprop train csv | backprop − best, paired | backprop epochs (mean) |',
);
console.log('|---|---|---|---|---|---|---|');
for (const [name, ref] of Object.entries(sklearn)) {
  const regression = ref.task === 'regression';
  const mine = jobs.filter((j) => j.name === name).map((j) => outcomes.get(j)!);
  const ours = mine.map((o) => o.score);
  // Accuracy in percentage points, R² as is.
  const unit = regression ? 1 : 100;
  const digits = regression ? 4 : 2;
  const fmt = (v: number[]) => `${(mean(v) * unit).toFixed(digits)} ± ${(sd(v) * unit).toFixed(digits)}`;
  // The better scikit-learn model by mean, and backprop's split-by-split difference from it: the
  // splits vary far more than the models do, so the paired sd says what a gap means.
  const [, bestScores] = Object.entries(ref.scores).reduce((a, b) => (mean(b[1]) > mean(a[1]) ? b : a));
  const diff = ours.map((v, i) => v - bestScores[i]!);
  console.log(
    `| ${[
      name,
      regression ? 'R²' : 'accuracy %',
      ...Object.entries(ref.scores).map(([k, v]) => `${k} ${fmt(v)}`),
      fmt(ours),
      fmt(diff),
      mean(mine.map((o) => o.epochs)).toFixed(0),
    ].join(' | ')} |`,
  );
}
console.log(
  `\n${jobs.length} runs (${jobs.length / Object.keys(sklearn).length} splits per table), ${availableParallelism()} at a time: ${seconds.toFixed(0)} s${extra.length ? `; extra options: ${extra.join(' ')}` : ''}`,
);

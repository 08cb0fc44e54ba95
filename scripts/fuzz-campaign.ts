/**
 * The long fuzzing campaign (issue 12): N seeded cases per target — the model loader on format 2
 * files, on format 1 files (no checksum of the JSON itself), the IDX reader and the CSV parser —
 * with outcome counts, the slowest case (a hang would show here) and peak memory.
 *
 *   node --import tsx scripts/fuzz-campaign.ts [cases=10000] [seed=1]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvCase, idxBase, idxCase, loaderBases, loaderCase, Rng, tally } from '../test/fixtures/fuzz.js';

const cases = Number(process.argv[2] ?? 10000);
const seed = Number(process.argv[3] ?? 1);
const dir = await mkdtemp(join(tmpdir(), 'backprop-fuzz-'));
const bases = loaderBases();
const idx = idxBase();
const baselineRss = process.resourceUsage().maxRSS;

const targets: [string, (rng: Rng, i: number) => Promise<string> | string, number][] = [
  [
    'loader, format 2',
    (rng, i) => loaderCase(bases[i % 2]!, join(dir, 'm'), rng, false),
    bases[0]!.artifacts.weightData.byteLength,
  ],
  [
    'loader, format 1',
    (rng, i) => loaderCase(bases[i % 2]!, join(dir, 'm'), rng, true),
    bases[0]!.artifacts.weightData.byteLength,
  ],
  ['IDX (raw and gzip)', (rng) => idxCase(idx, join(dir, 'f.idx'), rng), idx.length],
  ['CSV', (rng) => csvCase(rng), 100],
];
for (const [name, run] of targets) {
  const rng = new Rng(seed);
  const outcomes: string[] = [];
  let slowest = 0;
  for (let i = 0; i < cases; i++) {
    const t = performance.now();
    outcomes.push(await run(rng, i));
    slowest = Math.max(slowest, performance.now() - t);
  }
  console.log(
    `\n${name}: ${cases} cases, slowest ${slowest.toFixed(1)} ms, peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (at start ${(baselineRss / 1024).toFixed(0)} MB)`,
  );
  for (const [outcome, n] of Object.entries(tally(outcomes)).sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(n).padStart(6)}  ${outcome}`);
}
await rm(dir, { recursive: true, force: true });

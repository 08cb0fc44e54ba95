/**
 * kill -9 campaign (issue 12): SIGKILL a child that saves a model over and over and checkpoints
 * every epoch (test/fixtures/save-loop.ts) at N seeded random moments — 10 folders, each killed
 * into N/10 times, so saves also start from what killed ones left — and count what loads.
 *
 *   node --import tsx scripts/kill-saves.ts [kills=200] [seed=1]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/random/rng.js';
import { inspect, killDuringSaves } from '../test/fixtures/kill-run.js';

const kills = Number(process.argv[2] ?? 200);
const rng = new Rng(Number(process.argv[3] ?? 1));
const root = await mkdtemp(join(tmpdir(), 'backprop-kill-'));
const folders = Array.from({ length: 10 }, (_, i) => join(root, `run-${i}`));
const counts = {
  kills: 0,
  modelLoadable: 0,
  modelNotLoadable: 0,
  checkpointsSeen: 0,
  checkpointsBad: 0,
  emptyCheckpoints: 0,
};
const problems: string[] = [];
for (let k = 0; k < kills; k++) {
  const dir = folders[k % folders.length]!;
  await killDuringSaves(dir, 1 + rng.int(5), rng.uniform() * 20);
  const outcome = await inspect(dir);
  counts.kills++;
  if (outcome.modelLoads) counts.modelLoadable++;
  else counts.modelNotLoadable++;
  counts.checkpointsSeen += outcome.checkpoints;
  counts.checkpointsBad += outcome.checkpoints - outcome.checkpointsLoading;
  counts.emptyCheckpoints += outcome.emptyCheckpoints;
  if (outcome.problem) problems.push(`kill ${k + 1}: ${outcome.problem}`);
}
console.log(JSON.stringify(counts, null, 2));
for (const p of problems.slice(0, 20)) console.log(p);
await rm(root, { recursive: true, force: true });

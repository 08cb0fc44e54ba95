/**
 * kill -9 at seeded random moments while a child saves a model over and over and checkpoints
 * every epoch: afterwards the model and every visible checkpoint load (issue 12). The kills run
 * in parallel in separate folders, and each folder is killed into twice, so that a save also
 * starts from what a killed one left.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rng } from '../src/random/rng.js';
import { inspect, killDuringSaves } from './fixtures/kill-run.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir('kill');

describe('saving under kill -9', () => {
  it('always leaves a loadable model and only complete checkpoints', async () => {
    const rng = new Rng(12);
    const folders = [0, 1, 2].map((i) => join(tmp.path, `run-${i}`));
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        folders.map((dir) => killDuringSaves(dir, 1 + Math.floor(rng.uniform() * 3), rng.uniform() * 15)),
      );
      for (const dir of folders) {
        const outcome = await inspect(dir);
        assert.equal(outcome.problem, null, `${dir}: ${outcome.problem}`);
        assert.ok(outcome.modelLoads && outcome.checkpoints > 0);
        assert.equal(outcome.emptyCheckpoints, 0);
        assert.equal(outcome.checkpointsLoading, outcome.checkpoints);
      }
    }
  });
});

/**
 * A save crashed at every one of its steps, deterministically: a child kills itself (SIGKILL) just
 * before its K-th file-system change, for K = 1, 2, … until a save finishes. After each crash the
 * folder holds the old model or the new one, loadable and bit for bit; the checkpoint folder is
 * either absent or complete. (The randomly timed kills are in kill-saves.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadModel, type Sequential } from '../src/node/index.js';
import { crashModel } from './fixtures/crash-models.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir('crash-steps');
const TSX = import.meta.resolve('tsx');
const CHILD = join(import.meta.dirname, 'fixtures', 'crash-at-step.ts');

function crashAt(dir: string, k: number): Promise<{ killed: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', TSX, CHILD, dir, String(k)], (error, stdout, stderr) => {
      if (error && error.signal === 'SIGKILL') resolve({ killed: true, stdout });
      else if (error) reject(new Error(`child failed: ${stderr}`));
      else resolve({ killed: false, stdout });
    });
  });
}

const bits = (m: Sequential) => m.getWeights().map((w) => Array.from(new Uint32Array(w.dataSync().buffer)));

it('a save killed before any one of its file-system steps leaves the old or the new model', async () => {
  const [a, b] = [bits(crashModel('A')), bits(crashModel('B'))];
  let sawOld = false;
  let sawNew = false;
  let k = 1;
  for (; k < 100; k++) {
    const dir = join(tmp.path, `k${k}`);
    const { killed } = await crashAt(dir, k);
    if (!killed) break;
    const loaded = bits(await loadModel(join(dir, 'model')));
    const isOld = JSON.stringify(loaded) === JSON.stringify(a);
    const isNew = JSON.stringify(loaded) === JSON.stringify(b);
    assert.ok(isOld || isNew, `step ${k}: the model loads but is neither the old nor the new one`);
    sawOld ||= isOld;
    sawNew ||= isNew;
    const ckpt = join(dir, 'ckpt', 'ep-1');
    if (existsSync(ckpt)) assert.deepEqual(bits(await loadModel(ckpt)), b, `step ${k}: a partial checkpoint`);
    const visible = existsSync(join(dir, 'ckpt'))
      ? (await readdir(join(dir, 'ckpt'))).filter((f) => !f.startsWith('.'))
      : [];
    assert.ok(
      visible.every((f) => f === 'ep-1'),
      `step ${k}: stray folders ${visible.join(', ')}`,
    );
  }
  assert.ok(k > 3 && k < 100, `the saves take several steps and finish (${k - 1} crashed)`);
  assert.ok(sawOld && sawNew, 'crashes both before and after the commit were tried');
});

// The Node loaders of other engines' files name a missing file with a ModelFormatError, as
// loadModel names a missing folder, rather than letting a bare ENOENT through.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadKeras, loadOnnx, loadTfjs, ModelFormatError } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'backprop-interop-files-'));

for (const [name, load, path] of [
  ['loadOnnx', loadOnnx, join(dir, 'missing.onnx')],
  ['loadKeras', loadKeras, join(dir, 'missing.keras')],
  ['loadTfjs', loadTfjs, join(dir, 'missing', 'model.json')],
] as const) {
  it(`${name}: a missing file is a ModelFormatError naming it`, async () => {
    await assert.rejects(
      () => (load as (p: string) => Promise<unknown>)(path),
      (e: unknown) => e instanceof ModelFormatError && e.message === `${path}: no such file`,
    );
  });
}

it('loadOnnx: a folder is a ModelFormatError naming it', async () => {
  await assert.rejects(
    () => loadOnnx(dir),
    (e: unknown) => e instanceof ModelFormatError && e.message.startsWith(`${dir}: cannot read it`),
  );
});

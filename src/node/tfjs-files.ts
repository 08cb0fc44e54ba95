/**
 * TF.js Layers models on disk: model.json beside its weight shards (group1-shard1of2.bin …), as
 * `tf.LayersModel.save('file://…')` and tensorflowjs_converter lay them out.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ArgumentError, ModelFormatError } from '../errors.js';
import { fromTfjs } from '../interop/keras/tfjs/from-tfjs.js';
import { TFJS_SHARD_BYTES } from '../interop/keras/tfjs/tfjs-types.js';
import { toTfjs } from '../interop/keras/tfjs/to-tfjs.js';
import { checkManifest } from '../interop/keras/tfjs/weights-manifest.js';
import type { Model } from '../model/functional/model.js';
import { isPlainFileName, MAX_MODEL_JSON_BYTES } from '../model/manifest.js';
import type { Sequential } from '../model/sequential.js';
import { removeStaleTemps, syncFolder, writeTemp } from './file-io.js';

const SHARD_NAME = /^group1-shard\d+of\d+\.bin$/;

export interface SaveTfjsOptions {
  /**
   * Replace a model.json that is not a TF.js Layers model (a backprop model folder, say); default
   * false: such a folder is refused, so another model is never overwritten by mistake.
   */
  force?: boolean;
}

/** Refuses a folder whose model.json is another kind of model (or unreadable), unless forced. */
async function checkReplaceable(jsonPath: string, force: boolean): Promise<void> {
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch {
    return; // no model.json: nothing to replace
  }
  if (force) return;
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown } | null)?.format;
  } catch {
    format = undefined;
  }
  if (format === 'layers-model') return;
  const what = format === 'backprop-model' ? 'a backprop model' : 'not a TF.js Layers model';
  throw new ArgumentError(
    `saveTfjs: refusing to replace ${jsonPath}, which is ${what}: write the TF.js model to another folder (or pass force: true / --force to replace it)`,
  );
}

/**
 * Write `model` to folder `dir` in TF.js' Layers format: model.json and 4 MB weight shards. Every
 * file is first written in full under a temporary name; only then are they renamed into place,
 * with an earlier model.json removed first — so the folder holds the old model, the new one, or
 * (after a crash in between) no model.json, never a model.json beside shards of another model.
 * Shards of an earlier save that the new model.json does not name are removed after, and
 * temporary files a crashed save left are removed before. A model.json that is not a TF.js Layers
 * model is not replaced unless `options.force`. Returns the names of the files written.
 */
export async function saveTfjs(
  model: Sequential | Model,
  dir: string,
  options: SaveTfjsOptions = {},
): Promise<string[]> {
  const { modelJson, weightData } = toTfjs(model);
  const jsonPath = join(dir, 'model.json');
  await checkReplaceable(jsonPath, options.force === true);
  await mkdir(dir, { recursive: true });
  await removeStaleTemps(dir);
  const paths = modelJson.weightsManifest[0]!.paths;
  const bytes = new Uint8Array(weightData);
  const temps: [string, string][] = [];
  try {
    for (const [i, path] of paths.entries()) {
      const chunk = bytes.subarray(i * TFJS_SHARD_BYTES, (i + 1) * TFJS_SHARD_BYTES);
      temps.push([await writeTemp(join(dir, path), chunk), join(dir, path)]);
    }
    temps.push([await writeTemp(jsonPath, `${JSON.stringify(modelJson)}\n`), jsonPath]);
  } catch (e) {
    await Promise.all(temps.map(([tmp]) => rm(tmp, { force: true })));
    throw e;
  }
  await rm(jsonPath, { force: true });
  for (const [tmp, path] of temps) await rename(tmp, path);
  await syncFolder(dir);
  for (const name of await readdir(dir)) {
    if (SHARD_NAME.test(name) && !paths.includes(name)) await rm(join(dir, name), { force: true });
  }
  return ['model.json', ...paths];
}

/**
 * Load the TF.js Layers model whose model.json is at `modelJsonPath` (its shards beside it). The
 * shards' sizes are checked against the manifest before they are read; errors name the file.
 */
export async function loadTfjs(modelJsonPath: string): Promise<Sequential | Model> {
  const source = modelJsonPath;
  const info = await stat(modelJsonPath).catch(() => {
    throw new ModelFormatError(`${source}: no such file`);
  });
  if (info.size > MAX_MODEL_JSON_BYTES) {
    throw new ModelFormatError(
      `${source}: model.json is ${info.size} bytes, more than the ${MAX_MODEL_JSON_BYTES} allowed`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  } catch (e) {
    throw new ModelFormatError(`${source}: model.json is not valid JSON: ${(e as Error).message}`);
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest ?? [];
  const { paths, bytes } = checkManifest(manifest, source);
  const dir = dirname(modelJsonPath);
  for (const p of paths) {
    if (!isPlainFileName(p)) {
      throw new ModelFormatError(
        `${source}: weight shard path '${p}' is not a plain file name beside model.json`,
      );
    }
  }
  const sizes = await Promise.all(
    paths.map(async (p) => {
      try {
        return (await stat(join(dir, p))).size;
      } catch {
        throw new ModelFormatError(`${source}: weight shard '${p}' is missing`);
      }
    }),
  );
  const present = sizes.reduce((a, b) => a + b, 0);
  const needed = bytes.reduce((a, b) => a + b, 0);
  if (present !== needed) {
    throw new ModelFormatError(
      `${source}: the weight shards hold ${present} bytes but the manifest describes ${needed}${present < needed ? ' (truncated)' : ''}`,
    );
  }
  const shards = await Promise.all(
    paths.map(async (p) => {
      const b = await readFile(join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }),
  );
  return fromTfjs(json, shards, source);
}

/**
 * Saving and loading models on disk (Node only). A model is a folder:
 *
 *   my-model/model.json    architecture, training config, weight manifest
 *   my-model/weights.bin   raw float32 weights
 *
 * Each file is written to a temporary name in the same folder and renamed over the old one, so a
 * crash leaves either the old file or the new one, never half of one. weights.bin goes first: if
 * the process dies between the two renames, model.json's checksum no longer matches and loading
 * says so instead of reading mismatched weights.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelFormatError } from '../errors.js';
import { type ModelArtifacts, type ModelJson, WEIGHTS_FILE } from '../model/artifacts.js';
import type { IOHandler, IORouter } from '../model/io.js';

export const MODEL_JSON = 'model.json';

/** Write `data` to `path` atomically: temp file in the same folder, then rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { flush: true });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** A handler for the model folder at `path` (a path ending in model.json also works for loading). */
export function fileSystem(path: string): IOHandler {
  const dir = resolve(path.endsWith('.json') ? dirname(path) : path);
  const jsonPath = path.endsWith('.json') ? resolve(path) : join(dir, MODEL_JSON);
  return {
    async save(artifacts: ModelArtifacts) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, WEIGHTS_FILE), new Uint8Array(artifacts.weightData));
      await writeFileAtomic(jsonPath, `${JSON.stringify(artifacts.modelJson, null, 2)}\n`);
    },
    async load() {
      const text = await readFile(jsonPath, 'utf8').catch(async (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') {
          const hint = await stat(dir).then(
            (s) => (s.isDirectory() ? `the folder has no ${MODEL_JSON}` : 'it is not a folder'),
            () => 'no such folder',
          );
          throw new ModelFormatError(`no model at '${path}': ${hint}`);
        }
        throw e;
      });
      let modelJson: ModelJson;
      try {
        modelJson = JSON.parse(text) as ModelJson;
      } catch (e) {
        throw new ModelFormatError(
          `${path}: ${MODEL_JSON} is corrupted (not valid JSON: ${(e as Error).message})`,
        );
      }
      const weightsPath = join(dir, basename(modelJson?.weightsManifest?.path ?? WEIGHTS_FILE));
      const bytes = await readFile(weightsPath).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') throw new ModelFormatError(`${path}: ${basename(weightsPath)} is missing`);
        throw e;
      });
      const weightData = bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength,
      ) as ArrayBuffer;
      return { modelJson, weightData };
    },
  };
}

/** Any string that is not a URL with another scheme is a file path. */
export const fileRouter: IORouter = (target) => {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) && !target.startsWith('file://')) return null;
  return fileSystem(target.startsWith('file://') ? new URL(target).pathname : target);
};

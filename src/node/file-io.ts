/**
 * Saving and loading models on disk (Node only). A model is a folder:
 *
 *   my-model/model.json                  architecture, training config, the manifests
 *   my-model/weights-<crc32>.bin         raw float32 weights (format 1: weights.bin)
 *   my-model/training-state-<crc32>.bin  (optional) the raw part of a training state
 *
 * Saving survives kill -9 at any instant. model.json is the one commit point: the binary files
 * are written first under names no committed model.json uses (they are named by content), each
 * through a temporary file, fsync and rename; then model.json the same way. Until that rename the
 * old model.json names the old files, which are still there; after it, the new one names the new
 * files. Only then are files no longer named deleted. A folder that does not exist yet is
 * written whole under a temporary sibling name and renamed into place, so a crash never leaves an
 * empty or half-written folder at the target. Cleanup only deletes names this code writes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelFormatError } from '../errors.js';
import type { BinaryRef, ModelArtifacts, ModelJson } from '../model/artifacts.js';
import type { IOHandler, IORouter } from '../model/io.js';
import { MAX_MODEL_JSON_BYTES, validateModelJson } from '../model/manifest.js';
import { normalizeArtifacts } from '../model/serialization.js';

export const MODEL_JSON = 'model.json';

/** Binary files this code writes into a model folder (format 1's weights.bin included). */
const OUR_BINARY = /^(?:weights\.bin|weights-[0-9a-f]{8}\.bin|training-state-[0-9a-f]{8}\.bin)$/;
/** Temporary names: `.<target name>.<pid>.<8 hex>.tmp` for files, `.tmpdir` for new folders. */
const OUR_TEMP = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp(?:dir)?$/;

function tempName(path: string, suffix: 'tmp' | 'tmpdir'): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.${suffix}`);
}

/** Whether the process that made a temporary name is gone (then its temporary files are garbage). */
function writerIsGone(name: string): boolean {
  const pid = Number(OUR_TEMP.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Write and fsync: after this the bytes survive a crash of the process and of the machine. */
async function writeDurable(path: string, data: string | Uint8Array): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** fsync a folder so that renames in it are durable; some platforms cannot, which is not an error. */
export async function syncFolder(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or fsync a folder; the renames are still atomic there.
  } finally {
    await handle?.close();
  }
}

/**
 * Write `data` durably to a new temporary file beside `path` (a name only this code makes, with
 * the writer's pid); returns its path, for the caller to rename into place.
 */
export async function writeTemp(path: string, data: string | Uint8Array): Promise<string> {
  const tmp = tempName(path, 'tmp');
  try {
    await writeDurable(tmp, data);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return tmp;
}

/** Removes the temporary files in `dir` whose writer is gone (left by a crash mid-save). */
export async function removeStaleTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp') && OUR_TEMP.test(name) && writerIsGone(name))
      await rm(join(dir, name), { force: true });
  }
}

/**
 * The bytes of another engine's model file (.onnx, .keras, .h5): a missing or unreadable file is a
 * ModelFormatError naming it, as loadModel's missing folder is, not a bare ENOENT.
 */
export async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFormatError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${path}: no such file`
        : `${path}: cannot read it (${code ?? (e as Error).message})`,
    );
  }
}

/** Write `data` to `path` atomically and durably: temp file in the same folder, fsync, rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempName(path, 'tmp');
  try {
    await writeDurable(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncFolder(dirname(path));
}

function binaryParts(artifacts: ModelArtifacts): [BinaryRef, ArrayBuffer][] {
  const { modelJson: json } = artifacts;
  return [
    [json.weightsManifest, artifacts.weightData],
    ...(json.trainingState && artifacts.trainingState
      ? [[json.trainingState, artifacts.trainingState.data] as [BinaryRef, ArrayBuffer]]
      : []),
  ];
}

function jsonText(json: ModelJson): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The names a committed model.json refers to, or null when there is no readable one of ours. */
async function referencedNames(jsonPath: string): Promise<Set<string> | null> {
  try {
    const json = validateModelJson(JSON.parse(await readFile(jsonPath, 'utf8')), jsonPath);
    return new Set([json.weightsManifest.path, ...(json.trainingState ? [json.trainingState.path] : [])]);
  } catch {
    return null;
  }
}

/**
 * Delete our binary files in `dir` that no model.json there names (`keep`, plus what every other
 * .json in the folder that is a backprop model names: one folder may hold several), and the
 * temporary files of writers that are gone.
 */
async function collectGarbage(dir: string, keep: Set<string>): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const named = new Set(keep);
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const size = await stat(join(dir, name)).then(
      (s) => (s.isFile() ? s.size : Number.POSITIVE_INFINITY),
      () => 0,
    );
    if (size > MAX_MODEL_JSON_BYTES) continue;
    for (const n of (await referencedNames(join(dir, name))) ?? []) named.add(n);
  }
  for (const name of names) {
    if ((OUR_BINARY.test(name) && !named.has(name)) || (OUR_TEMP.test(name) && writerIsGone(name))) {
      await rm(join(dir, name), { force: true, recursive: name.endsWith('.tmpdir') });
    }
  }
}

/** Temporary folders a killed save of `name` left beside it. */
async function removeStaleFolders(parent: string, name: string): Promise<void> {
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    if (
      entry.startsWith(`.${name}.`) &&
      entry.endsWith('.tmpdir') &&
      OUR_TEMP.test(entry) &&
      writerIsGone(entry)
    ) {
      await rm(join(parent, entry), { recursive: true, force: true });
    }
  }
}

async function isEmptyFolderOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Write a whole new model folder under a temporary sibling name, then rename it into place.
 * False if the target appeared meanwhile (or the platform cannot rename over an empty folder).
 */
async function saveAsNewFolder(dir: string, jsonName: string, artifacts: ModelArtifacts): Promise<boolean> {
  const tmp = tempName(dir, 'tmpdir');
  await mkdir(tmp);
  try {
    for (const [ref, data] of binaryParts(artifacts))
      await writeDurable(join(tmp, ref.path), new Uint8Array(data));
    await writeDurable(join(tmp, jsonName), jsonText(artifacts.modelJson));
    await syncFolder(tmp);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM' || code === 'EISDIR') return false;
    throw e;
  }
  await syncFolder(dirname(dir));
  return true;
}

function readError(path: string, what: string, e: unknown): ModelFormatError {
  const err = e as NodeJS.ErrnoException;
  return new ModelFormatError(`${path}: cannot read ${what}: ${err.code ?? err.message}`);
}

/**
 * Read a binary part: stat first (a regular file of exactly the size model.json gives), then
 * read that many bytes into a buffer of that size — a huge or swapped file is refused unread.
 */
async function readBinary(dir: string, ref: BinaryRef, source: string, what: string): Promise<ArrayBuffer> {
  const path = join(dir, ref.path);
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new ModelFormatError(`${source}: ${ref.path} (${what}) is missing`);
    throw readError(source, `${ref.path} (${what})`, e);
  });
  if (!info.isFile()) throw new ModelFormatError(`${source}: ${ref.path} (${what}) is not a file`);
  if (info.size !== ref.byteLength) {
    throw new ModelFormatError(
      info.size < ref.byteLength
        ? `${source}: ${ref.path} (${what}) is truncated: it has ${info.size} bytes but model.json describes ${ref.byteLength}`
        : `${source}: ${ref.path} (${what}) has ${info.size} bytes but model.json describes ${ref.byteLength} (the files do not belong together)`,
    );
  }
  const data = new ArrayBuffer(ref.byteLength);
  const file = await open(path, 'r').catch((e) => {
    throw readError(source, `${ref.path} (${what})`, e);
  });
  try {
    let filled = 0;
    while (filled < data.byteLength) {
      const { bytesRead } = await file.read(
        new Uint8Array(data, filled),
        0,
        data.byteLength - filled,
        filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    // The file may have changed since stat: it must still end exactly where model.json says.
    const { bytesRead: extra } = await file.read(new Uint8Array(1), 0, 1, filled);
    if (filled !== data.byteLength || extra !== 0) {
      throw new ModelFormatError(`${source}: ${ref.path} (${what}) changed size while it was read`);
    }
  } finally {
    await file.close();
  }
  return data;
}

/** A handler for the model folder at `path` (a path ending in .json names the model.json file). */
export function fileSystem(path: string): IOHandler {
  const dir = resolve(path.endsWith('.json') ? dirname(path) : path);
  const jsonPath = path.endsWith('.json') ? resolve(path) : join(dir, MODEL_JSON);
  const jsonName = basename(jsonPath);
  return {
    async save(given: ModelArtifacts) {
      const artifacts = normalizeArtifacts(given);
      // The names written come from model.json: they must be plain names beside it.
      validateModelJson(artifacts.modelJson, `save to '${path}'`);
      const parent = dirname(dir);
      await mkdir(parent, { recursive: true });
      await removeStaleFolders(parent, basename(dir));
      if ((await isEmptyFolderOrMissing(dir)) && (await saveAsNewFolder(dir, jsonName, artifacts))) return;
      await mkdir(dir, { recursive: true });
      for (const [ref, data] of binaryParts(artifacts)) {
        await writeFileAtomic(join(dir, ref.path), new Uint8Array(data));
      }
      await writeFileAtomic(jsonPath, jsonText(artifacts.modelJson)); // the commit
      await collectGarbage(dir, new Set(binaryParts(artifacts).map(([ref]) => ref.path)));
    },

    async load() {
      const info = await stat(jsonPath).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
          const hint = await stat(dir).then(
            (s) => (s.isDirectory() ? `the folder has no ${jsonName}` : 'it is not a folder'),
            () => 'no such folder',
          );
          throw new ModelFormatError(`no model at '${path}': ${hint}`);
        }
        throw readError(path, jsonName, e);
      });
      if (!info.isFile()) throw new ModelFormatError(`no model at '${path}': ${jsonName} is not a file`);
      if (info.size > MAX_MODEL_JSON_BYTES) {
        throw new ModelFormatError(
          `${path}: ${jsonName} has ${info.size} bytes, more than a model.json can (${MAX_MODEL_JSON_BYTES})`,
        );
      }
      const text = await readFile(jsonPath, 'utf8').catch((e) => {
        throw readError(path, jsonName, e);
      });
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        throw new ModelFormatError(
          `${path}: ${jsonName} is corrupted (not valid JSON: ${(e as Error).message})`,
        );
      }
      const modelJson = validateModelJson(raw, path);
      const weightData = await readBinary(dir, modelJson.weightsManifest, path, 'weights');
      const state = modelJson.trainingState;
      return {
        modelJson,
        weightData,
        ...(state && {
          trainingState: { json: state.json, data: await readBinary(dir, state, path, 'training state') },
        }),
      };
    },

    async exists() {
      return stat(jsonPath).then(
        (s) => s.isFile(),
        () => false,
      );
    },

    /** model.json first (the commit point), then the files it named and ours; the folder if left empty. */
    async remove() {
      const named = (await referencedNames(jsonPath)) ?? new Set<string>();
      await rm(jsonPath, { force: true });
      await syncFolder(dir);
      for (const name of named) if (OUR_BINARY.test(name)) await rm(join(dir, name), { force: true });
      await collectGarbage(dir, new Set());
      await rmdir(dir).catch(() => {}); // not empty: the user's own files stay, and so does the folder
    },
  };
}

/** Any string that is not a URL with another scheme is a file path. */
export const fileRouter: IORouter = (target) => {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) && !target.startsWith('file://')) return null;
  return fileSystem(target.startsWith('file://') ? new URL(target).pathname : target);
};

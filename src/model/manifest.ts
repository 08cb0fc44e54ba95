/**
 * Checking a parsed model.json before anything is read or built from it: every field's type and
 * range, the binary parts' references (plain file names, sizes, checksums), and the weight
 * manifest's byte layout — float32 only, 4-byte aligned offsets, in bounds, no overlap, and
 * together covering the weight file exactly, so each byte has one meaning and the file's size
 * bounds what loading allocates. Format 2 files also carry the CRC-32 of the JSON itself, so an
 * edited or damaged model.json is refused instead of silently describing another model.
 */
import { ModelFormatError } from '../errors.js';
import {
  type BinaryRef,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelJson,
  READABLE_FORMAT_VERSIONS,
  type WeightEntry,
} from './artifacts.js';
import { crc32 } from './crc32.js';

/** model.json is read whole: larger than this it cannot be one we wrote (the layers take a few KB). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** More axes than any layer uses: refusing them keeps shape arithmetic small. */
const MAX_RANK = 8;

/** The CRC-32 of the JSON text of `json` without its jsonCrc32 field. */
export function jsonChecksum(json: ModelJson): number {
  const { jsonCrc32: _ignored, ...rest } = json;
  return crc32(new TextEncoder().encode(JSON.stringify(rest)));
}

/** Add the JSON's own checksum; call last, after every other field is set. */
export function sealModelJson(json: ModelJson): ModelJson {
  const { jsonCrc32: _old, ...rest } = json;
  return { ...rest, jsonCrc32: jsonChecksum(rest as ModelJson) };
}

/** A name that stays beside model.json whatever joins it to the folder or URL: no separators, no '..'. */
export function isPlainFileName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 255 &&
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) &&
    !name.includes('..') &&
    name.toLowerCase() !== 'model.json'
  );
}

type Fail = (what: string) => never;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function count(v: unknown, where: string, fail: Fail): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    fail(`${where} must be a whole number ≥ 0, got ${describe(v)}`);
  return v as number;
}

function string(v: unknown, where: string, fail: Fail): string {
  if (typeof v !== 'string') fail(`${where} must be a string, got ${describe(v)}`);
  return v as string;
}

function object(v: unknown, where: string, fail: Fail): Record<string, unknown> {
  if (!isObject(v)) fail(`${where} must be an object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

function list(v: unknown, where: string, fail: Fail): unknown[] {
  if (!Array.isArray(v)) fail(`${where} must be a list, got ${describe(v)}`);
  return v as unknown[];
}

/** A shape: at most MAX_RANK sizes, each a whole number (≥ 1 with `positive`). */
export function checkShape(v: unknown, where: string, fail: Fail, positive: boolean): number[] {
  const dims = list(v, where, fail);
  if (dims.length > MAX_RANK) fail(`${where} has ${dims.length} axes (at most ${MAX_RANK})`);
  for (const [i, d] of dims.entries()) {
    if (!Number.isSafeInteger(d) || (d as number) < (positive ? 1 : 0)) {
      fail(`${where}[${i}] must be a whole number ≥ ${positive ? 1 : 0}, got ${describe(d)}`);
    }
  }
  return dims as number[];
}

function checkBinaryRef(v: unknown, where: string, fail: Fail): BinaryRef {
  const ref = object(v, where, fail);
  if (!isPlainFileName(ref.path)) {
    fail(
      `${where}.path must be a plain file name beside model.json (no folders, no '..'), got ${describe(ref.path)}`,
    );
  }
  count(ref.byteLength, `${where}.byteLength`, fail);
  const crc = count(ref.crc32, `${where}.crc32`, fail);
  if (crc > 0xffffffff) fail(`${where}.crc32 must be a 32-bit number, got ${crc}`);
  return ref as unknown as BinaryRef;
}

/**
 * The weight entries' layout: each entry's fields, then offsets — 4-byte aligned, in bounds, no
 * two overlapping, and no byte of the file left over. Returns the entries' element counts.
 */
function checkWeightLayout(entries: unknown[], byteLength: number, fail: Fail): void {
  const names = new Set<string>();
  const spans: { start: number; end: number; name: string }[] = [];
  for (const [i, raw] of entries.entries()) {
    const where = `weightsManifest.weights[${i}]`;
    const e = object(raw, where, fail);
    const name = string(e.name, `${where}.name`, fail);
    if (names.has(name)) fail(`${where}: weight '${name}' is listed twice`);
    names.add(name);
    const shape = checkShape(e.shape, `${where}.shape ('${name}')`, fail, false);
    if (e.dtype !== 'float32') fail(`${where}.dtype ('${name}') must be "float32", got ${describe(e.dtype)}`);
    const offset = count(e.byteOffset, `${where}.byteOffset ('${name}')`, fail);
    if (offset % 4 !== 0) fail(`${where}.byteOffset ('${name}') ${offset} is not a multiple of 4`);
    // Sizes are multiplied one axis at a time against the file's size, so no product can overflow.
    let bytes = 4;
    for (const d of shape) {
      bytes *= d;
      if (bytes > byteLength) break;
    }
    if (offset > byteLength || bytes > byteLength - offset) {
      fail(
        `${where} ('${name}'): bytes ${offset}…${offset + bytes} lie outside the ${byteLength}-byte weight file`,
      );
    }
    spans.push({ start: offset, end: offset + bytes, name });
  }
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  let covered = 0;
  for (const s of spans) {
    if (s.start < covered) fail(`weightsManifest: weight '${s.name}' overlaps the bytes of another weight`);
    if (s.start > covered)
      fail(`weightsManifest: bytes ${covered}…${s.start} of the weight file belong to no weight`);
    covered = s.end;
  }
  if (covered !== byteLength) {
    fail(`weightsManifest: bytes ${covered}…${byteLength} of the weight file belong to no weight`);
  }
}

function checkTopology(v: unknown, fail: Fail): void {
  const t = object(v, 'modelTopology', fail);
  if (t.className !== 'Sequential' && t.className !== 'Model')
    fail(`modelTopology.className must be "Sequential" or "Model", got ${describe(t.className)}`);
  string(t.name, 'modelTopology.name', fail);
  if (t.className === 'Model') {
    // The graph's references, names and cycles are checked when it is planned (functional/graph-load.ts).
    for (const [i, raw] of list(t.layers, 'modelTopology.layers', fail).entries()) {
      const layer = object(raw, `modelTopology.layers[${i}]`, fail);
      string(layer.name, `modelTopology.layers[${i}].name`, fail);
      checkLayerSpec(layer, `modelTopology.layers[${i}]`, fail);
      list(layer.inboundNodes, `modelTopology.layers[${i}].inboundNodes`, fail);
    }
    // One reference [name, node, tensor] (a model made with one tensor) or a list of them.
    list(t.inputLayers, 'modelTopology.inputLayers', fail);
    list(t.outputLayers, 'modelTopology.outputLayers', fail);
    return;
  }
  if (t.inputShape === null || t.inputShape === undefined) {
    fail('modelTopology.inputShape is missing (a saved model is always built)');
  }
  checkShape(t.inputShape, 'modelTopology.inputShape', fail, true);
  for (const [i, raw] of list(t.layers, 'modelTopology.layers', fail).entries()) {
    checkLayerSpec(object(raw, `modelTopology.layers[${i}]`, fail), `modelTopology.layers[${i}]`, fail);
  }
}

/** A layer's { className, config } and the config fields every layer shares. */
function checkLayerSpec(layer: Record<string, unknown>, at: string, fail: Fail): void {
  const className = string(layer.className, `${at}.className`, fail);
  const where = `${at} (${className}).config`;
  const config = object(layer.config, where, fail);
  // The fields every layer shares; class-specific ones are checked by the layer's constructor.
  if (config.name !== undefined) string(config.name, `${where}.name`, fail);
  if (config.trainable !== undefined && typeof config.trainable !== 'boolean') {
    fail(`${where}.trainable must be true or false, got ${describe(config.trainable)}`);
  }
  if (config.inputShape !== undefined) checkShape(config.inputShape, `${where}.inputShape`, fail, true);
  if (
    config.inputDim !== undefined &&
    (!Number.isSafeInteger(config.inputDim) || (config.inputDim as number) < 1)
  ) {
    fail(`${where}.inputDim must be a whole number ≥ 1, got ${describe(config.inputDim)}`);
  }
}

function checkTrainingConfig(v: unknown, fail: Fail): void {
  const c = object(v, 'trainingConfig', fail);
  if (Array.isArray(c.loss)) {
    for (const [i, l] of c.loss.entries()) string(l, `trainingConfig.loss[${i}]`, fail);
  } else string(c.loss, 'trainingConfig.loss', fail);
  if (c.lossWeights !== undefined) {
    for (const [i, w] of list(c.lossWeights, 'trainingConfig.lossWeights', fail).entries()) {
      if (typeof w !== 'number' || !Number.isFinite(w))
        fail(`trainingConfig.lossWeights[${i}] must be a number, got ${describe(w)}`);
    }
  }
  const options = object(c.lossOptions, 'trainingConfig.lossOptions', fail);
  if (typeof options.fromLogits !== 'boolean') {
    fail(`trainingConfig.lossOptions.fromLogits must be true or false, got ${describe(options.fromLogits)}`);
  }
  string(options.reduction, 'trainingConfig.lossOptions.reduction', fail);
  for (const [i, m] of list(c.metrics, 'trainingConfig.metrics', fail).entries()) {
    if (Array.isArray(m)) {
      for (const [k, x] of m.entries()) string(x, `trainingConfig.metrics[${i}][${k}]`, fail);
    } else string(m, `trainingConfig.metrics[${i}]`, fail);
  }
  const optimizer = object(c.optimizer, 'trainingConfig.optimizer', fail);
  string(optimizer.className, 'trainingConfig.optimizer.className', fail);
  object(optimizer.config, 'trainingConfig.optimizer.config', fail);
}

/**
 * Check everything model.json says on its own (before any file it names is touched). Throws a
 * ModelFormatError naming `source` and the field; returns the same object, now typed.
 */
export function validateModelJson(raw: unknown, source: string): ModelJson {
  const fail: Fail = (what) => {
    throw new ModelFormatError(`${source}: model.json is invalid: ${what}`);
  };
  if (!isObject(raw) || raw.format !== MODEL_FORMAT) {
    throw new ModelFormatError(
      `${source}: not a backprop model (model.json has no "format": "${MODEL_FORMAT}")`,
    );
  }
  const version = raw.formatVersion;
  if (!Number.isSafeInteger(version)) {
    throw new ModelFormatError(
      `${source}: model.json is corrupted (formatVersion is missing or not an integer)`,
    );
  }
  if (!READABLE_FORMAT_VERSIONS.includes(version as number)) {
    const newer = (version as number) > MODEL_FORMAT_VERSION;
    throw new ModelFormatError(
      `${source}: unsupported model format version ${version} (this backprop reads versions ${READABLE_FORMAT_VERSIONS.join(' and ')}` +
        `${newer ? '; the file was written by a newer backprop — upgrade to load it' : ''})`,
    );
  }
  // The JSON's own checksum first: any other complaint about a damaged file would be beside the point.
  if (raw.jsonCrc32 !== undefined || (version as number) >= 2) {
    if (raw.jsonCrc32 === undefined)
      fail('jsonCrc32 is missing (format 2 files carry the checksum of model.json)');
    if (raw.jsonCrc32 !== jsonChecksum(raw as unknown as ModelJson)) {
      throw new ModelFormatError(
        `${source}: model.json was edited or is corrupted (its content does not match jsonCrc32 ${describe(raw.jsonCrc32)})`,
      );
    }
  }
  if (raw.generatedBy !== undefined) string(raw.generatedBy, 'generatedBy', fail);
  checkTopology(raw.modelTopology, fail);
  if (raw.trainingConfig !== undefined) checkTrainingConfig(raw.trainingConfig, fail);
  const weights = checkBinaryRef(raw.weightsManifest, 'weightsManifest', fail);
  if (weights.byteLength % 4 !== 0)
    fail(`weightsManifest.byteLength ${weights.byteLength} is not a multiple of 4`);
  const entries = list(
    (raw.weightsManifest as { weights?: unknown }).weights,
    'weightsManifest.weights',
    fail,
  );
  checkWeightLayout(entries, weights.byteLength, fail);
  if (raw.trainingState !== undefined) {
    const state = checkBinaryRef(raw.trainingState, 'trainingState', fail);
    object((raw.trainingState as { json?: unknown }).json, 'trainingState.json', fail);
    if (state.path === weights.path)
      fail(`trainingState.path and weightsManifest.path are the same file '${state.path}'`);
  }
  return raw as unknown as ModelJson;
}

/** The weight entries by name (validated: names are unique). */
export function entriesByName(json: ModelJson): Map<string, WeightEntry> {
  return new Map(json.weightsManifest.weights.map((e) => [e.name, e]));
}

/**
 * What an exact resume needs besides the weights (docs/model-format.md, "Training state"): where
 * fit() was (epoch, next batch, the epoch's running sums, the history so far), the state of every
 * random generator training draws from (shuffling and augmentation, the global one behind dropout,
 * seeded layers' own), and the optimiser's step count and slot buffers (momenta, moments).
 *
 * It travels as `trainingState` in ModelArtifacts: a JSON part (this file's TrainingStateJson) and
 * the slot buffers as raw little-endian float32 bytes, back to back. Decoding checks every field
 * before anything is set, so a damaged state is refused, never half-applied.
 */
import { ModelFormatError } from '../errors.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { RngState } from '../random/rng.js';
import { formatShape, sizeOf } from '../tensor/shape.js';
import { packWeights, readWeight } from './artifacts.js';
import type { Logs } from './callbacks.js';

export const TRAINING_STATE_FORMAT = 'backprop-training-state';
export const TRAINING_STATE_VERSION = 1;

/** Where a fit() was, and the state of the generators it draws from. */
export interface FitProgress {
  /** The epoch to run next (0-based) … */
  epoch: number;
  /** … and its next batch (0: the epoch has not started). */
  batch: number;
  /** What the fit was over: a resume with other data or batching would not be exact. */
  samples: number;
  batchSize: number;
  shuffle: boolean;
  /** fit's generator (shuffling, augmentation) before this epoch's order was drawn; null at batch 0. */
  epochStartRng: RngState | null;
  /** fit's generator now. */
  fitRng: RngState;
  /** The global generator now (dropout masks, unless a layer has its own seed). */
  globalRng: RngState;
  /** Layers' own generators (Layer.ownRngs), one list per layer in model order. */
  layerRngs: RngState[][];
  /** The running epoch's sums of batch logs × batch size. */
  sums: Logs;
  /** Epochs done so far and their logs (History's fields). */
  history: { epoch: number[]; history: Record<string, number[]> };
}

interface SlotEntry {
  /** The parameter's model-wide name (layer/weight). */
  name: string;
  shape: number[];
  /** State buffers kept for it: 0 before its first update, else the rule's slot count. */
  slots: number;
  byteOffset: number;
}

export interface TrainingStateJson {
  format: typeof TRAINING_STATE_FORMAT;
  formatVersion: number;
  progress: FitProgress;
  optimizer: { className: string; iterations: number; byteLength: number; weights: SlotEntry[] };
}

/** The JSON part and the bytes of a training state, as ModelArtifacts carries them. */
export interface SerializedTrainingState {
  json: Record<string, unknown>;
  data: ArrayBuffer;
}

/** The parameters the optimiser updates: name and shape, in the order the state lists them. */
export interface ParamInfo {
  name: string;
  shape: readonly number[];
}

export function encodeTrainingState(
  progress: FitProgress,
  optimizer: OptimizerState,
  params: readonly ParamInfo[],
): SerializedTrainingState {
  const weights: SlotEntry[] = [];
  let offset = 0;
  params.forEach((p, i) => {
    const slots = optimizer.slots[i]!;
    weights.push({ name: p.name, shape: [...p.shape], slots: slots.length, byteOffset: offset });
    offset += slots.length * sizeOf(p.shape) * 4;
  });
  const data = packWeights(optimizer.slots.flat());
  const json: TrainingStateJson = {
    format: TRAINING_STATE_FORMAT,
    formatVersion: TRAINING_STATE_VERSION,
    progress,
    optimizer: {
      className: optimizer.className,
      iterations: optimizer.iterations,
      byteLength: offset,
      weights,
    },
  };
  return { json: json as unknown as Record<string, unknown>, data };
}

/**
 * Check a stored training state against the parameters of the model it is applied to and turn it
 * back into a FitProgress and an OptimizerState. Every problem is a ModelFormatError naming `source`.
 */
export function decodeTrainingState(
  state: SerializedTrainingState,
  params: readonly ParamInfo[],
  source: string,
): { progress: FitProgress; optimizer: OptimizerState } {
  const fail = (what: string): never => {
    throw new ModelFormatError(`${source}: the training state is unusable: ${what}`);
  };
  const json = state.json as Partial<TrainingStateJson> | null;
  if (!isObject(json) || json.format !== TRAINING_STATE_FORMAT)
    fail(`its format is not '${TRAINING_STATE_FORMAT}'`);
  if (json!.formatVersion !== TRAINING_STATE_VERSION)
    fail(`format version ${String(json!.formatVersion)} (this backprop reads ${TRAINING_STATE_VERSION})`);
  const progress = checkProgress(json!.progress, fail);
  const opt = json!.optimizer;
  if (
    !isObject(opt) ||
    typeof opt.className !== 'string' ||
    !isCount(opt.iterations) ||
    !isCount(opt.byteLength)
  )
    fail('optimizer.className, .iterations or .byteLength is missing or invalid');
  if (!Array.isArray(opt!.weights)) fail('optimizer.weights is not a list');
  if (opt!.byteLength !== state.data.byteLength)
    fail(`the optimizer state has ${state.data.byteLength} bytes but its manifest says ${opt!.byteLength}`);
  if (opt!.weights.length !== params.length)
    fail(`it holds state for ${opt!.weights.length} parameters, the model trains ${params.length}`);
  let expectedOffset = 0;
  const slots = params.map((p, i) => {
    const entry = opt!.weights[i] as Partial<SlotEntry> | null;
    if (!isObject(entry)) fail(`optimizer.weights[${i}] is not an object`);
    const { name, shape, slots: count, byteOffset } = entry!;
    if (name !== p.name)
      fail(`optimizer.weights[${i}] is '${String(name)}', the model's parameter is '${p.name}'`);
    if (!Array.isArray(shape) || shape.length !== p.shape.length || shape.some((d, k) => d !== p.shape[k]))
      fail(
        `'${p.name}' has shape ${JSON.stringify(shape)} in the state, ${formatShape(p.shape)} in the model`,
      );
    if (!isCount(count) || count > 8) fail(`'${p.name}' has ${String(count)} state buffers`);
    if (byteOffset !== expectedOffset)
      fail(`'${p.name}' starts at byte ${String(byteOffset)}, expected ${expectedOffset}`);
    const length = sizeOf(p.shape);
    const buffers: Float32Array[] = [];
    for (let s = 0; s < count!; s++) {
      buffers.push(
        readWeight(
          state.data,
          { name: p.name, shape: [...p.shape], dtype: 'float32', byteOffset: expectedOffset },
          length,
        ),
      );
      expectedOffset += length * 4;
    }
    return buffers;
  });
  if (expectedOffset !== opt!.byteLength)
    fail(`the buffers cover ${expectedOffset} of ${opt!.byteLength} bytes`);
  return { progress, optimizer: { className: opt!.className, iterations: opt!.iterations, slots } };
}

function checkProgress(p: unknown, fail: (what: string) => never): FitProgress {
  if (!isObject(p)) return fail('progress is missing');
  const q = p as Partial<FitProgress>;
  for (const key of ['epoch', 'batch', 'samples', 'batchSize'] as const)
    if (!isCount(q[key])) fail(`progress.${key} is not a whole number ≥ 0 (${String(q[key])})`);
  if (q.samples === 0 || q.batchSize === 0) fail('progress.samples and progress.batchSize must be positive');
  if (q.batch! > Math.ceil(q.samples! / q.batchSize!))
    fail(`progress.batch ${q.batch} is past the epoch's end`);
  if (typeof q.shuffle !== 'boolean') fail('progress.shuffle is not a boolean');
  if (q.epochStartRng !== null) checkRng(q.epochStartRng, 'progress.epochStartRng', fail);
  if (q.batch! > 0 && q.shuffle && q.epochStartRng === null)
    fail('progress.epochStartRng is needed to resume a shuffled epoch in the middle');
  checkRng(q.fitRng, 'progress.fitRng', fail);
  checkRng(q.globalRng, 'progress.globalRng', fail);
  if (!Array.isArray(q.layerRngs)) fail('progress.layerRngs is not a list');
  q.layerRngs!.forEach((list, layer) => {
    if (!Array.isArray(list)) fail(`progress.layerRngs[${layer}] is not a list`);
    list.forEach((r, i) => {
      checkRng(r, `progress.layerRngs[${layer}][${i}]`, fail);
    });
  });
  checkLogs(q.sums, 'progress.sums', fail);
  const h = q.history;
  if (!isObject(h) || !Array.isArray(h.epoch) || !h.epoch.every(isCount) || !isObject(h.history))
    fail('progress.history is not { epoch: number[], history: { key: number[] } }');
  for (const [key, values] of Object.entries(h!.history)) {
    if (
      !Array.isArray(values) ||
      values.length !== h!.epoch.length ||
      !values.every((v) => typeof v === 'number')
    )
      fail(`progress.history.history.${key} is not a list of ${h!.epoch.length} numbers`);
  }
  return q as FitProgress;
}

function checkRng(r: unknown, where: string, fail: (what: string) => never): void {
  const s = isObject(r) ? (r as Partial<RngState>) : null;
  const wordsOk =
    s !== null &&
    Array.isArray(s.s) &&
    s.s.length === 4 &&
    s.s.every((w) => Number.isInteger(w) && w >= -(2 ** 31) && w < 2 ** 32);
  if (!wordsOk || s.s!.every((w) => w === 0) || !(s.spare === null || Number.isFinite(s.spare)))
    fail(`${where} is not a generator state ({ s: four 32-bit integers, not all 0; spare: number | null })`);
}

function checkLogs(logs: unknown, where: string, fail: (what: string) => never): void {
  if (!isObject(logs) || !Object.values(logs as object).every((v) => typeof v === 'number'))
    fail(`${where} is not an object of numbers`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/**
 * backupAndRestore(): Keras' BackupAndRestore for backprop — a training run that can be killed at
 * any moment and started again with the same call, and ends with the weights an uninterrupted run
 * reaches, bit for bit.
 *
 *   await model.fit(x, y, { epochs: 20, seed: 1, callbacks: [backupAndRestore({ backupDir: 'run/backup' })] });
 *
 * At the end of every epoch (and every `saveFreq` batches, if a number) it saves the model with its
 * training state (optimiser state, epoch and batch, every generator: training-state.ts) to
 * `backupDir`, atomically. When a fit starts and a backup is there, it puts it back and fit() goes
 * on from that point. When training ends normally the backup is deleted (deleteCheckpoint).
 */
import { ArgumentError } from '../errors.js';
import type { ModelArtifacts } from './artifacts.js';
import type { Callback, CallbackModel } from './callbacks.js';
import { type IOHandler, resolveIOHandler } from './io.js';

export interface BackupAndRestoreOptions {
  /** Where the backup lives: a folder (Node) or an IOHandler with save, load, exists and remove. */
  backupDir: string | IOHandler;
  /** 'epoch' (default): after every epoch; a whole number n: also after every n batches. */
  saveFreq?: 'epoch' | number;
  /** Delete the backup when fit() ends without an error. Default true. */
  deleteCheckpoint?: boolean;
}

/** What the callback needs of the model: Sequential has it. */
interface ResumableModel extends CallbackModel {
  trainingArtifacts(): ModelArtifacts;
  restoreTraining(artifacts: ModelArtifacts, source?: string): void;
}

export class BackupAndRestore implements Callback {
  readonly saveFreq: 'epoch' | number;
  readonly deleteCheckpoint: boolean;
  private readonly handler: IOHandler;
  private readonly where: string;
  private model: ResumableModel | null = null;
  private batchesSinceSave = 0;
  /** Whether the last fit() started from a backup (for callers that report it). */
  resumed = false;

  constructor(options: BackupAndRestoreOptions) {
    if (typeof options !== 'object' || options === null || options.backupDir === undefined)
      throw new ArgumentError('backupAndRestore: backupDir is required');
    const freq = options.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(Number.isSafeInteger(freq) && freq > 0))
      throw new ArgumentError(
        `backupAndRestore: saveFreq must be 'epoch' or a whole number ≥ 1, got ${String(freq)}`,
      );
    if (options.deleteCheckpoint !== undefined && typeof options.deleteCheckpoint !== 'boolean')
      throw new ArgumentError(
        `backupAndRestore: deleteCheckpoint must be a boolean, got ${String(options.deleteCheckpoint)}`,
      );
    this.saveFreq = freq;
    this.deleteCheckpoint = options.deleteCheckpoint ?? true;
    this.where = typeof options.backupDir === 'string' ? options.backupDir : 'the backup handler';
    const handler = resolveIOHandler(options.backupDir, 'save');
    if (!handler.load || !handler.exists || !handler.remove)
      throw new ArgumentError(`backupAndRestore: ${this.where} cannot be read back, probed or deleted here`);
    this.handler = handler;
  }

  setModel(model: CallbackModel): void {
    const m = model as Partial<ResumableModel>;
    if (typeof m.trainingArtifacts !== 'function' || typeof m.restoreTraining !== 'function')
      throw new ArgumentError('backupAndRestore: the model cannot record its training state');
    this.model = model as ResumableModel;
  }

  async onTrainBegin(): Promise<void> {
    this.batchesSinceSave = 0;
    this.resumed = false;
    if (!(await this.handler.exists!())) return;
    // A backup that is there but unreadable is an error, never a silent fresh start.
    this.model!.restoreTraining(await this.handler.load!(), this.where);
    this.resumed = true;
  }

  async onBatchEnd(): Promise<void> {
    if (this.saveFreq === 'epoch' || ++this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    await this.save();
  }

  async onEpochEnd(): Promise<void> {
    await this.save();
  }

  async onTrainEnd(): Promise<void> {
    if (this.deleteCheckpoint) await this.handler.remove!();
  }

  private async save(): Promise<void> {
    await this.handler.save!(this.model!.trainingArtifacts());
  }
}

export const backupAndRestore = (options: BackupAndRestoreOptions): BackupAndRestore =>
  new BackupAndRestore(options);

/**
 * `backprop train … --resume DIR`: every training run writes its settings to DIR/run.json when it
 * starts and keeps a backup of its training state in DIR/backup (backupAndRestore, saved every epoch
 * and removed when training ends). `--resume DIR` reads the settings back, so the continued run is
 * the same run: it ends with the weights an uninterrupted run reaches.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ArgumentError } from '../errors.js';
import { backupAndRestore } from '../model/backup-and-restore.js';
import type { Callback } from '../model/callbacks.js';
import { writeFileAtomic } from '../node/file-io.js';

export const RUN_FILE = 'run.json';
export const BACKUP_DIR = 'backup';

interface RunFile {
  command: string;
  settings: Record<string, unknown>;
}

/**
 * The settings to train with: `given` for a new run (written to out/run.json), or the saved ones
 * of the run in `resume`, which the options typed on the command line (`explicit`) must agree with.
 */
export async function runSettings<T extends { out: string }>(
  command: string,
  given: T,
  resume: string | undefined,
  explicit: readonly string[],
): Promise<T> {
  if (resume === undefined) {
    await mkdir(given.out, { recursive: true });
    await writeFileAtomic(
      join(given.out, RUN_FILE),
      `${JSON.stringify({ command, settings: given }, null, 2)}\n`,
    );
    return given;
  }
  const path = join(resume, RUN_FILE);
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ArgumentError(
      `--resume ${resume}: no run to resume there (${e.code === 'ENOENT' ? `${RUN_FILE} is missing` : e.message})`,
    );
  });
  let saved: RunFile;
  try {
    saved = JSON.parse(text) as RunFile;
  } catch (e) {
    throw new ArgumentError(`--resume ${resume}: ${RUN_FILE} is not valid JSON (${(e as Error).message})`);
  }
  if (
    typeof saved !== 'object' ||
    saved === null ||
    typeof saved.settings !== 'object' ||
    saved.settings === null
  )
    throw new ArgumentError(`--resume ${resume}: ${RUN_FILE} has no settings`);
  if (saved.command !== command)
    throw new ArgumentError(
      `--resume ${resume}: that run is 'train ${saved.command}', not 'train ${command}'`,
    );
  const finished = await stat(join(resume, 'metrics.json')).then(
    () => true,
    () => false,
  );
  if (finished) throw new ArgumentError(`--resume ${resume}: that run has finished (metrics.json is there)`);
  for (const key of explicit) {
    if (key === 'resume') continue;
    if (key === 'out') {
      // The run goes on in its own folder (its backup is there); a copied folder resumes as well.
      if (resolve(given.out) !== resolve(resume))
        throw new ArgumentError(
          `--resume ${resume}: a resumed run goes on in its own folder, not in --out ${given.out} ` +
            '(leave --out out; to continue elsewhere, copy the folder and resume the copy)',
        );
      continue;
    }
    const now = JSON.stringify((given as Record<string, unknown>)[key]);
    const then = JSON.stringify(saved.settings[key]);
    if (now !== then) {
      throw new ArgumentError(
        `--resume ${resume}: the run was started with ${optionName(key)} ${then ?? '(not set)'}, not ${now}; ` +
          'a resumed run keeps its settings (leave the option out)',
      );
    }
  }
  return { ...(saved.settings as T), out: resume };
}

function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The callbacks that make a run resumable: the backup, and a line saying when it was resumed. */
export function resumable(out: string): Callback[] {
  const backup = backupAndRestore({ backupDir: join(out, BACKUP_DIR) });
  let epochs = 0;
  return [
    backup,
    {
      setParams: (params) => {
        epochs = params.epochs;
      },
      onEpochBegin: (epoch) => {
        if (backup.resumed)
          console.log(`Resumed from ${join(out, BACKUP_DIR)} at epoch ${epoch + 1}/${epochs}`);
        backup.resumed = false;
      },
    },
  ];
}

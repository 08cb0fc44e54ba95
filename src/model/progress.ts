/**
 * The progress logger `fit` uses with verbose ≥ 1. On a terminal it redraws one line per epoch —
 * a bar, batches done, running loss and metrics, ETA — and ends it with the epoch's summary; when
 * output is not a terminal (CI logs, files) it prints only the summary line per epoch.
 *
 * Browser-safe: it looks for process.stdout at run time and falls back to console.log.
 */
import type { Callback, Logs, TrainingParams } from './callbacks.js';

interface Out {
  isTTY: boolean;
  write(s: string): void;
  log(s: string): void;
}

function defaultOut(): Out {
  const stdout = (globalThis as { process?: { stdout?: { isTTY?: boolean; write(s: string): boolean } } })
    .process?.stdout;
  if (stdout) {
    return {
      isTTY: stdout.isTTY === true,
      write: (s) => void stdout.write(s),
      log: (s) => void stdout.write(`${s}\n`),
    };
  }
  return { isTTY: false, write: () => {}, log: (s) => console.log(s) };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60
    ? `${m}m${String(s).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatLogs(logs: Logs, keys: readonly string[]): string {
  return keys
    .filter((k) => logs[k] !== undefined)
    .map((k) => `${k} ${logs[k]!.toFixed(4)}`)
    .join(' · ');
}

export class ProgressLogger implements Callback {
  private params: TrainingParams | null = null;
  private currentEpoch = 0;
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;
  private sums: Record<string, number> = {};
  private readonly out: Out;

  constructor(out: Out = defaultOut()) {
    this.out = out;
  }

  setParams(params: TrainingParams): void {
    this.params = params;
  }

  onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.sums = {};
  }

  onBatchEnd(batch: number, logs: Logs): void {
    if (!this.out.isTTY || !this.params) return;
    const size = logs.size ?? 1;
    this.seen += size;
    for (const [k, v] of Object.entries(logs))
      if (k !== 'size') this.sums[k] = (this.sums[k] ?? 0) + v * size;
    const now = performance.now();
    const done = batch + 1;
    if (now - this.lastDraw < 100 && done < this.params.steps) return; // redraw at most 10×/s
    this.lastDraw = now;
    const running: Logs = {};
    for (const [k, v] of Object.entries(this.sums)) running[k] = v / this.seen;
    const elapsed = (now - this.epochStart) / 1000;
    const keys = this.params.metrics.filter((k) => !k.startsWith('val_'));
    if (this.params.steps <= 0) {
      // A stream of unknown length: batches so far and the running means, no bar or ETA.
      this.out.write(
        `\r\x1b[2K${this.epochLabel()} batch ${done} · ${formatLogs(running, keys)} · ${formatDuration(elapsed)}`,
      );
      return;
    }
    const eta = (elapsed / done) * (this.params.steps - done);
    const width = 24;
    const filled = Math.round((done / this.params.steps) * width);
    const bar =
      `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (done === this.params.steps ? '=' : '>') : ''}`.padEnd(
        width,
      );
    this.out.write(
      `\r\x1b[2K${this.epochLabel()} [${bar}] ${done}/${this.params.steps} · ${formatLogs(running, keys)} · ETA ${formatDuration(eta)}`,
    );
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.params) return;
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const line = `${this.epochLabel(epoch)} · ${formatDuration(elapsed)} · ${formatLogs(logs, this.params.metrics)}`;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}\n`);
    else this.out.log(line);
  }

  private epochLabel(epoch = this.currentEpoch): string {
    const total = this.params?.epochs ?? 0;
    return `Epoch ${String(epoch + 1).padStart(String(total).length)}/${total}`;
  }
}

/**
 * "Benchmark vs TF.js": passes over the same images, same MLP, same batch size and optimiser,
 * first in backprop's worker, then in a TF.js worker (started only now), one after the other so
 * they never share the CPU. The ratio is TF.js's time over backprop's.
 */
import { el } from '../shared/page.js';
import { BENCHMARK_PASSES } from './best-of.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { TfjsBenchmark } from './tfjs-worker.js';

type Result = Extract<FromWorker, { type: 'benchmark' }>;

export interface BenchmarkRun {
  images: number;
  batchSize: number;
  hidden: number;
  dataUrl: string;
}

/** Run both and fill `box` with a small table; resolves with TF.js time / backprop time. */
export async function runBenchmark(
  run: BenchmarkRun,
  askLibrary: (message: ToWorker) => Promise<Result>,
  box: HTMLElement,
): Promise<number> {
  const rows: Result[] = [];
  const show = (note: string): void => {
    const table = el(
      'table',
      'results',
      el(
        'tr',
        '',
        el('th', '', 'library'),
        el('th', '', `best of ${BENCHMARK_PASSES} passes`),
        el('th', '', 'images/s'),
        el('th', '', 'loss'),
      ),
    );
    for (const r of rows)
      table.append(
        el(
          'tr',
          '',
          el('td', '', r.library),
          el('td', '', `${r.seconds.toFixed(r.seconds < 1 ? 3 : 2)} s`),
          el('td', '', Math.round(r.images / r.seconds).toLocaleString('en')),
          el('td', '', r.loss.toFixed(3)),
        ),
      );
    box.replaceChildren(table, el('p', 'note', note));
  };
  show('Running backprop…');
  rows.push(
    await askLibrary({ type: 'benchmark', images: run.images, batchSize: run.batchSize, hidden: run.hidden }),
  );
  show('Running TF.js (wasm)…');
  const tfjs = new Worker(new URL('./tfjs-worker.ts', import.meta.url), { type: 'module' });
  try {
    const result = await new Promise<Result>((resolve, reject) => {
      tfjs.addEventListener('message', (event: MessageEvent<FromWorker>) => {
        if (event.data.type === 'benchmark') resolve(event.data);
        else if (event.data.type === 'error') reject(new Error(event.data.message));
      });
      tfjs.addEventListener('error', (event) => reject(new Error(`TF.js worker: ${event.message}`)));
      const message: TfjsBenchmark = {
        url: run.dataUrl,
        images: run.images,
        batchSize: run.batchSize,
        hidden: run.hidden,
      };
      tfjs.postMessage(message);
    });
    rows.push(result);
  } finally {
    tfjs.terminate();
  }
  const ratio = rows[1]!.seconds / rows[0]!.seconds;
  show(
    `backprop is ${ratio.toFixed(1)}× ${ratio >= 1 ? 'faster' : 'slower'} than TF.js here: MLP 784-${run.hidden}-10, ` +
      `Adam, batch ${run.batchSize}, ${run.images.toLocaleString('en')} images per pass, after one warm-up batch ` +
      `each; loss after the first pass.`,
  );
  box.dataset.ratio = ratio.toFixed(3);
  return ratio;
}

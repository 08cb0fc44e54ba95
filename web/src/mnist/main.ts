// The MNIST page: fills <main> (see mnist.html); training runs in worker.ts.
import { el, pageReady, startPage } from '../shared/page.js';
import type { FromWorker, ToWorker } from './protocol.js';

const main = startPage();
const trainer = el('p', 'panel', 'Starting the training worker…');
trainer.id = 'trainer';
main.append(trainer);

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker): void => worker.postMessage(message);
worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (message.type === 'ready') {
    trainer.textContent = `Training worker ready (${message.runtime}).`;
    trainer.dataset.state = 'ready';
  } else {
    trainer.textContent = `Training worker failed: ${message.message}`;
    trainer.dataset.state = 'error';
    console.error(`mnist worker: ${message.message}`);
  }
});
worker.addEventListener('error', (event) => {
  trainer.textContent = `Training worker failed to start: ${event.message}`;
  trainer.dataset.state = 'error';
  console.error(`mnist worker failed to start: ${event.message}`);
});
send({ type: 'hello' });
pageReady();

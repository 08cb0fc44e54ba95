/**
 * backprop for Node: everything in the browser-safe entry, plus file-system saving and loading
 * (`model.save('./my-model')`, `loadModel('./my-model')`). `import … from 'backprop'` resolves here
 * under Node through the package's "node" export condition.
 */
import { listBackends, setBackend } from '../backend/registry.js';
import { setGemmPoolFactory } from '../backend/wasm/index.js';
import { registerIORouter } from '../model/io.js';
import { fileRouter } from './file-io.js';
import { nodeGemmPool } from './threads.js';

registerIORouter(fileRouter);
// The wasm backend splits large matrix products over worker threads (BACKPROP_THREADS, default: cores).
setGemmPoolFactory(nodeGemmPool());
// BACKPROP_BACKEND=ts|wasm overrides the automatic choice (wasm where SIMD runs).
const requested = process.env.BACKPROP_BACKEND;
if (requested) {
  if (!listBackends().includes(requested)) {
    throw new Error(
      `BACKPROP_BACKEND=${requested}: no such backend (available: ${listBackends().join(', ')})`,
    );
  }
  setBackend(requested);
}

export * from '../index.js';
export { readCsv } from './csv.js';
export { fileSystem, writeFileAtomic } from './file-io.js';
export { type GreyImage, readImage, toMnistForm } from './image.js';
export { bundledMnistDir, type LoadMnistOptions, loadMnist, readIdxFile } from './mnist.js';
export { renderSvg, savePlot, svgToPng } from './render.js';
export { defaultThreadCount, nodeGemmPool } from './threads.js';

/**
 * backprop for Node: everything in the browser-safe entry, plus file-system saving and loading
 * (`model.save('./my-model')`, `loadModel('./my-model')`). `import … from 'backprop-js'` resolves here
 * under Node through the package's "node" export condition (and `'backprop-js/node'` anywhere).
 */
import '../backend/defaults.js';
import { listBackends, setBackend } from '../backend/registry.js';
import { setGemmPoolFactory, setHeapCollector } from '../backend/wasm/index.js';
import { registerIORouter } from '../model/io.js';
import { fileRouter } from './file-io.js';
import { synchronousCollector } from './gc-pressure.js';
import { nodeGemmPool } from './threads.js';

registerIORouter(fileRouter);
// Tensors dropped in a synchronous loop give their wasm memory back without waiting for the event
// loop (see gc-pressure.ts). First, while no worker thread is starting: it flips V8 flags briefly.
setHeapCollector(synchronousCollector());
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

// Also in the browser entry; named here as well so that a bundler which takes this module for
// side-effect free (package.json "sideEffects" lists only dist/) still keeps it, and its set-up
// above, when a program uses threadStats.
export { type ThreadStats, threadStats } from '../backend/wasm/index.js';
export * from '../index.js';
export { readCsv } from './csv.js';
export { CsvLogger, type CsvLoggerOptions, csvLogger } from './csv-logger.js';
export { fileSystem, writeFileAtomic } from './file-io.js';
export { type GreyImage, readImage, toMnistForm } from './image.js';
export { loadKeras, saveKeras } from './keras-files.js';
export { bundledMnistDir, type LoadMnistOptions, loadMnist, readIdxFile } from './mnist.js';
export { loadFirstNames, type NameList } from './names.js';
export { loadOnnx } from './onnx-files.js';
export { MissingDependencyError } from './optional.js';
export { renderSvg, savePlot, svgToPng } from './render.js';
export { loadTfjs, type SaveTfjsOptions, saveTfjs } from './tfjs-files.js';
export { defaultThreadCount, type NodeGemmPoolOptions, nodeGemmPool, threadsFromEnv } from './threads.js';

/**
 * backprop for Node: everything in the browser-safe entry, plus file-system saving and loading
 * (`model.save('./my-model')`, `loadModel('./my-model')`). `import … from 'backprop'` resolves here
 * under Node through the package's "node" export condition.
 */
import { registerIORouter } from '../model/io.js';
import { fileRouter } from './file-io.js';

registerIORouter(fileRouter);

export * from '../index.js';
export { readCsv } from './csv.js';
export { fileSystem, writeFileAtomic } from './file-io.js';
export { type GreyImage, readImage, toMnistForm } from './image.js';
export { bundledMnistDir, type LoadMnistOptions, loadMnist, readIdxFile } from './mnist.js';
export { renderSvg, savePlot, svgToPng } from './render.js';

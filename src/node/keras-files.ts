/** Reading a Keras .keras or legacy .h5 model file from disk into a backprop model (Node only). */
import { readFile } from 'node:fs/promises';
import { fromKeras, fromKerasH5, isHdf5 } from '../interop/keras/keras-file/keras-file.js';
import type { Model } from '../model/functional/model.js';
import type { Sequential } from '../model/sequential.js';

/**
 * The model in the Keras file at `path`: a Keras 3 `.keras` zip, or a legacy `.h5` model file
 * (told apart by their first bytes, not the name). Errors name the file.
 */
export async function loadKeras(path: string): Promise<Sequential | Model> {
  const bytes = new Uint8Array(await readFile(path));
  return isHdf5(bytes) ? fromKerasH5(bytes, { source: path }) : fromKeras(bytes, { source: path });
}

/** Keras .keras / legacy .h5 model files on disk ⇄ backprop models (Node only). */
import { fromKeras, fromKerasH5, isHdf5 } from '../interop/keras/keras-file/keras-file.js';
import { toKeras } from '../interop/keras/keras-file/keras-write.js';
import type { Model } from '../model/functional/model.js';
import type { Sequential } from '../model/sequential.js';
import { readModelFile, writeFileAtomic } from './file-io.js';

/**
 * The model in the Keras file at `path`: a Keras 3 `.keras` zip, or a legacy `.h5` model file
 * (told apart by their first bytes, not the name). Errors name the file.
 */
export async function loadKeras(path: string): Promise<Sequential | Model> {
  const bytes = await readModelFile(path);
  return isHdf5(bytes) ? fromKerasH5(bytes, { source: path }) : fromKeras(bytes, { source: path });
}

/**
 * Writes the model as a Keras 3 `.keras` file at `path` (toKeras), atomically: the bytes go to a
 * temporary file beside it, which is then renamed over `path`, so a crash never leaves half a file.
 */
export async function saveKeras(model: Sequential | Model, path: string): Promise<void> {
  await writeFileAtomic(path, toKeras(model));
}

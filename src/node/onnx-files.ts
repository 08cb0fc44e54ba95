/** Reading an .onnx file from disk into a backprop model (Node only; fromOnnx takes bytes). */
import { ModelFormatError } from '../errors.js';
import { type FromOnnxOptions, fromOnnx } from '../interop/onnx/import/from-onnx.js';
import type { Model } from '../model/functional/model.js';
import { readModelFile } from './file-io.js';

/** The model in the .onnx file at `path` (see fromOnnx); errors name the file. */
export async function loadOnnx(path: string, options: FromOnnxOptions = {}): Promise<Model> {
  const bytes = await readModelFile(path);
  try {
    return fromOnnx(bytes, options);
  } catch (e) {
    if (e instanceof ModelFormatError) e.message = `${path}: ${e.message}`;
    throw e;
  }
}

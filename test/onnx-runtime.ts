/**
 * What the ONNX export tests share: running exported bytes in ONNX Runtime (onnxruntime-web's
 * wasm backend, the reference), seeded random inputs, and the element-wise agreement check.
 */
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import { Rng, type Sequential, type Tensor, tensor } from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { decodeModel, type ModelProto } from '../src/interop/onnx/onnx-proto.js';

ort.env.wasm.numThreads = 1;

export interface OrtValue {
  data: Float32Array;
  dims: readonly number[];
}

/** Random float32 values in [−3, 3) of shape [batch, ...sample], seeded. */
export function randomBatch(
  rng: Rng,
  batch: number,
  sample: readonly number[],
): { data: Float32Array; dims: number[] } {
  const size = batch * sample.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, () => rng.uniform() * 6 - 3);
  return { data, dims: [batch, ...sample] };
}

/** Run the ONNX bytes in ORT with these named float32 inputs; the outputs by name. */
export async function runOrt(
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array; dims: readonly number[] }>,
): Promise<Record<string, OrtValue>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const ortFeeds = Object.fromEntries(
      Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, [...v.dims])]),
    );
    const out = await session.run(ortFeeds);
    return Object.fromEntries(
      Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims }]),
    );
  } finally {
    await session.release();
  }
}

/** |ort − backprop| ≤ absolute + 1e-5·|backprop|, element-wise, same shape. */
export function assertAgree(onnx: OrtValue, expected: Tensor, what: string, absolute = 1e-5): void {
  assert.deepEqual([...onnx.dims], [...expected.shape], `${what}: shape`);
  const want = expected.dataSync();
  for (let i = 0; i < want.length; i++) {
    const tol = absolute + 1e-5 * Math.abs(want[i]!);
    assert.ok(
      Math.abs(onnx.data[i]! - want[i]!) <= tol,
      `${what}: element ${i}: ONNX Runtime ${onnx.data[i]} vs backprop ${want[i]}`,
    );
  }
}

export const opTypes = (m: ModelProto): string[] => m.graph!.node!.map((n) => n.opType!);

/**
 * Export a one-input Sequential, run it in ORT on seeded batches of 1 and 3 and compare with its
 * predict (`absolute` as in assertAgree); the decoded graph, for checks on its nodes.
 */
export async function checkSequential(
  model: Sequential,
  what: string,
  seed: number,
  absolute?: number,
): Promise<ModelProto> {
  const bytes = toOnnx(model);
  const rng = new Rng(seed);
  for (const batch of [1, 3]) {
    const x = randomBatch(rng, batch, model.inputShape);
    const out = await runOrt(bytes, { [model.inputNames[0]!]: x });
    assertAgree(
      out[model.outputNames[0]!]!,
      model.predict(tensor(x.data, { shape: x.dims })),
      `${what}, batch ${batch}`,
      absolute,
    );
  }
  return decodeModel(bytes);
}

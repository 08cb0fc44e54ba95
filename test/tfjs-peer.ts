/**
 * @tensorflow/tfjs as the peer of the TF.js-format tests: models' artifacts as TF.js saves them,
 * predictions on both sides, seeded random weights, and the agreement check.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { type Model, type Rng, type Sequential, type Tensor, tensor } from '../src/index.js';

export interface Sample {
  data: Float32Array;
  shape: number[];
}

/** What `model.save(tf.io.withSaveHandler(…))` writes, as model.json and one weight buffer. */
export async function tfArtifacts(
  model: tf.LayersModel,
): Promise<{ modelJson: Record<string, unknown>; weightData: ArrayBuffer }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = saved!;
  return {
    modelJson: {
      format: a.format,
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy,
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    },
    weightData: a.weightData as ArrayBuffer,
  };
}

/** Seeded values for every weight: uniform in [−1, 1), a positive variance for moving variances. */
function value(name: string, rng: Rng): number {
  return name.includes('moving_variance') ? 0.5 + rng.uniform() : 2 * rng.uniform() - 1;
}

export function randomizeBp(model: Sequential | Model, rng: Rng): void {
  model.setWeights(
    model.weights.map((w) =>
      tensor(
        Float32Array.from({ length: w.tensor.size }, () => value(w.name, rng)),
        { shape: [...w.tensor.shape] },
      ),
    ),
  );
}

export function randomizeTf(model: tf.LayersModel, rng: Rng): void {
  model.setWeights(
    model.weights.map((w) => {
      const size = w.shape.reduce((a, b) => a! * b!, 1)!;
      return tf.tensor(
        Float32Array.from({ length: size }, () => value(w.originalName, rng)),
        w.shape as number[],
      );
    }),
  );
}

export function bpPredict(model: Sequential | Model, xs: Sample[]): Float32Array[] {
  const inputs = xs.map((x) => tensor(x.data, { shape: x.shape }));
  const out = (model as Model).predict((inputs.length === 1 ? inputs[0]! : inputs) as never) as
    | Tensor
    | Tensor[];
  return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
}

export function tfPredict(model: tf.LayersModel, xs: Sample[]): Float32Array[] {
  const inputs = xs.map((x) => tf.tensor(x.data, x.shape));
  const out = model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor | tf.Tensor[];
  return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
}

/** |a − b| ≤ 1e-6 + 1e-5·|b| everywhere, for every output. */
export function assertAgree(actual: Float32Array[], expected: Float32Array[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: number of outputs`);
  expected.forEach((e, k) => {
    const a = actual[k]!;
    assert.equal(a.length, e.length, `${what}: output ${k} size`);
    for (let i = 0; i < e.length; i++) {
      const tolerance = 1e-6 + 1e-5 * Math.abs(e[i]!);
      if (!(Math.abs(a[i]! - e[i]!) <= tolerance)) {
        assert.fail(
          `${what}: output ${k}[${i}] is ${a[i]} but should be ${e[i]} (tolerance ${tolerance.toExponential(1)})`,
        );
      }
    }
  });
}

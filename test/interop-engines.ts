/**
 * One model, three engines: backprop's predict, ONNX Runtime (onnxruntime-web, wasm, one thread)
 * on the toOnnx bytes, and TF.js (its wasm backend, else cpu) on the toTfjs Layers model — and the
 * comparison of their class probabilities: accuracy per engine, images whose predicted class
 * differs between two engines, the largest |Δ probability|. Used by test/interop-mnist.test.ts
 * (a few hundred images) and scripts/interop-mnist.ts (all 10,000 MNIST test images).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-web';
import type { Model, Sequential, Tensor } from '../src/index.js';
import { tensor } from '../src/index.js';

ort.env.wasm.numThreads = 1;

/** Samples per run: bounds each engine's memory on 10,000 images. */
const CHUNK = 500;

function chunks(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += CHUNK) out.push([s, Math.min(n, s + CHUNK)]);
  return out;
}

/** backprop's own probabilities for x ([n, ...sample] flat). */
export function runBackprop(
  model: Sequential | Model,
  x: Float32Array,
  sample: readonly number[],
): Float32Array {
  const size = sample.reduce((a, b) => a * b, 1);
  const n = x.length / size;
  const parts: Float32Array[] = [];
  for (const [s, e] of chunks(n)) {
    const y = model.predict(tensor(x.subarray(s * size, e * size), { shape: [e - s, ...sample] }));
    parts.push(Float32Array.from((Array.isArray(y) ? (y[0] as Tensor) : y).dataSync()));
  }
  return concat(parts);
}

/** ONNX Runtime's probabilities for the exported bytes (one input, one output). */
export async function runOnnxRuntime(
  bytes: Uint8Array,
  x: Float32Array,
  sample: readonly number[],
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const size = sample.reduce((a, b) => a * b, 1);
    const parts: Float32Array[] = [];
    for (const [s, e] of chunks(x.length / size)) {
      const feed = new ort.Tensor('float32', x.slice(s * size, e * size), [e - s, ...sample]);
      const out = await session.run({ [session.inputNames[0]!]: feed });
      parts.push(Float32Array.from(out[session.outputNames[0]!]!.data as Float32Array));
    }
    return concat(parts);
  } finally {
    await session.release();
  }
}

/** What toTfjs returns, as far as tf.io.fromMemory needs it. */
export interface TfjsArtifacts {
  modelJson: { modelTopology: unknown; weightsManifest: { weights: unknown[] }[] };
  weightData: ArrayBuffer;
}

let tfBackend: Promise<string> | null = null;

/** TF.js on its wasm backend (the faster one in Node without tfjs-node), else its cpu backend. */
export function tfjsBackend(): Promise<string> {
  tfBackend ??= (async () => {
    setWasmPaths(
      `${join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
    );
    const ok = await tf.setBackend('wasm').catch(() => false);
    if (!ok) await tf.setBackend('cpu');
    await tf.ready();
    return tf.getBackend();
  })();
  return tfBackend;
}

/** TF.js's probabilities for the Layers model (tf.loadLayersModel on the in-memory files). */
export async function runTfjs(
  artifacts: TfjsArtifacts,
  x: Float32Array,
  sample: readonly number[],
): Promise<Float32Array> {
  await tfjsBackend();
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: artifacts.modelJson.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: artifacts.modelJson.weightsManifest.flatMap(
        (g) => g.weights,
      ) as tf.io.WeightsManifestEntry[],
      weightData: artifacts.weightData,
    }),
  );
  try {
    const size = sample.reduce((a, b) => a * b, 1);
    const parts: Float32Array[] = [];
    for (const [s, e] of chunks(x.length / size)) {
      const input = tf.tensor(x.slice(s * size, e * size), [e - s, ...sample]);
      const y = model.predict(input) as tf.Tensor;
      parts.push(Float32Array.from(await y.data()));
      tf.dispose([input, y]);
    }
    return concat(parts);
  } finally {
    model.dispose();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function argmaxRows(p: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(p.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[i * classes + c]! > p[i * classes + best]!) best = c;
    out[i] = best;
  }
  return out;
}

export interface EngineComparison {
  /** Share of images each engine classifies right. */
  accuracy: Record<string, number>;
  /** Correct images per engine. */
  correct: Record<string, number>;
  /** Per pair 'a vs b': images whose predicted class differs, and the largest |Δ probability|. */
  pairs: Record<string, { differentClass: number; maxAbsDiff: number }>;
}

export function compareEngines(
  probabilities: Record<string, Float32Array>,
  labels: ArrayLike<number>,
  classes = 10,
): EngineComparison {
  const names = Object.keys(probabilities);
  const predicted = Object.fromEntries(names.map((n) => [n, argmaxRows(probabilities[n]!, classes)]));
  const correct = Object.fromEntries(
    names.map((n) => [n, predicted[n]!.reduce((k, c, i) => k + (c === labels[i] ? 1 : 0), 0)]),
  );
  const accuracy = Object.fromEntries(names.map((n) => [n, correct[n]! / labels.length]));
  const pairs: EngineComparison['pairs'] = {};
  for (const [i, a] of names.entries())
    for (const b of names.slice(i + 1)) {
      const pa = probabilities[a]!;
      const pb = probabilities[b]!;
      let maxAbsDiff = 0;
      for (let k = 0; k < pa.length; k++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(pa[k]! - pb[k]!));
      const differentClass = predicted[a]!.reduce((k, c, j) => k + (c !== predicted[b]![j] ? 1 : 0), 0);
      pairs[`${a} vs ${b}`] = { differentClass, maxAbsDiff };
    }
  return { accuracy, correct, pairs };
}

/**
 * Seeded fuzzing of saved functional graphs: one or two mutations anywhere in a graph's
 * modelTopology (shared layer, merge, nested Model and Sequential), with model.json sealed again
 * so the graph checks — not the JSON checksum — must catch them. Every case is refused with a
 * ModelFormatError or loads a model that runs; nothing else may be thrown.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Add,
  Concatenate,
  Dense,
  Dropout,
  input,
  Model,
  ModelFormatError,
  manualSeed,
  modelFromArtifacts,
  Sequential,
  type SymbolicTensor,
  type Tensor,
  tensor,
} from '../src/index.js';
import { sealModelJson } from '../src/model/manifest.js';
import { mutateJson, Rng, tally } from './fixtures/fuzz.js';
import { describeEachBackend } from './helpers.js';

function base(): Model {
  manualSeed(4);
  const ia = input({ shape: [3], name: 'inner_in' });
  const inner = new Model({
    inputs: ia,
    outputs: new Dense({ units: 3, activation: 'tanh' }).apply(ia),
    name: 'inner',
  });
  const a = input({ shape: [3], name: 'a' });
  const b = input({ shape: [3], name: 'b' });
  const shared = new Dense({ units: 3, name: 'shared' });
  const sa = shared.apply(a);
  const sb = shared.apply(b);
  const merged = new Concatenate({ name: 'cat' }).apply([
    new Add({ name: 'sum' }).apply([sa, sb]),
    inner.apply(sb) as SymbolicTensor,
  ]);
  const head = new Sequential({
    name: 'head',
    layers: [new Dropout({ rate: 0.1 }), new Dense({ units: 2, activation: 'softmax' })],
  });
  return new Model({ inputs: [a, b], outputs: [head.apply(merged), sa], name: 'fuzz_graph' });
}

describeEachBackend('fuzzing saved graphs', () => {
  it('300 mutated graph topologies: each refused with a ModelFormatError or loaded and running', () => {
    const model = base();
    const artifacts = model.toArtifacts();
    const probe = [tensor([[0.1, -0.3, 0.7]]), tensor([[1, 0.5, -2]])];
    const rng = new Rng(7);
    const outcomes: string[] = [];
    for (let i = 0; i < 300; i++) {
      const json = structuredClone(artifacts.modelJson);
      for (let k = 0, n = 1 + rng.int(2); k < n; k++) mutateJson(json.modelTopology, rng);
      try {
        const loaded = modelFromArtifacts<Model>({
          modelJson: sealModelJson(json),
          weightData: artifacts.weightData,
        });
        const out = loaded.predict(probe.slice(0, loaded.inputs.length));
        for (const t of Array.isArray(out) ? out : [out]) (t as Tensor).dataSync();
        outcomes.push('loaded');
      } catch (e) {
        outcomes.push(
          e instanceof ModelFormatError
            ? 'refused: ModelFormatError'
            : `UNTYPED ${(e as Error).name}: ${(e as Error).message}`,
        );
      }
    }
    const counts = tally(outcomes);
    const untyped = outcomes.filter((o) => o.startsWith('UNTYPED'));
    assert.deepEqual(untyped, [], JSON.stringify(counts));
    assert.ok((counts['refused: ModelFormatError'] ?? 0) > 100, JSON.stringify(counts));
  });
});

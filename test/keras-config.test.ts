/**
 * The Keras ⇄ backprop layer-config translation (src/interop/keras/layer-config.ts, from-keras.ts)
 * on real Keras 3 output: two models' `to_json()` configs with seeded weights and Keras' own
 * predictions (test/fixtures/keras-config, made by make_keras_config.py with Keras 3.15.1) —
 * every convolution, pooling, normalisation, activation layer (ReLU / ELU / Softmax as
 * Activation), Conv1D causal, Embedding with mask_zero and Masking on padded sequences (and the
 * NotEqual / Any mask layers Keras 3 writes), Bidirectional with its backward copy, GRU
 * reset_after, TimeDistributed, the merge layers, a nested Sequential and a shared layer.
 * backprop's predictions must agree with Keras'.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Dense, input, Model, Sequential, type Tensor, tensor } from '../src/index.js';
import { modelFromKeras } from '../src/interop/keras/from-keras.js';
import type { KerasModelJson, KerasWeights } from '../src/interop/keras/keras-types.js';
import { kerasModelJson, kerasWeights } from '../src/interop/keras/to-keras.js';
import { describeEachBackend } from './helpers.js';
import { assertAgree, bpPredict, type Sample } from './tfjs-peer.js';

type Nested = number | Nested[];
interface Fixture {
  topology: KerasModelJson;
  weights: Record<string, Nested[]>;
  inputs: Nested[];
  outputs: Nested[];
}

const file = JSON.parse(
  readFileSync(new URL('./fixtures/keras-config/keras3-models.json', import.meta.url), 'utf8'),
) as { keras_version: string } & Record<'convs' | 'recurrent', Fixture>;

const flat = (a: Nested): number[] => (Array.isArray(a) ? a.flatMap(flat) : [a]);
const shapeOf = (a: Nested): number[] => (Array.isArray(a) ? [a.length, ...shapeOf(a[0]!)] : []);
const sample = (a: Nested): Sample => ({ data: Float32Array.from(flat(a)), shape: shapeOf(a) });

function weightsOf(f: Fixture): KerasWeights {
  return new Map(
    Object.entries(f.weights).map(([layer, list]) => [
      layer,
      list.map((w, i) => ({ name: `${layer}/${i}`, shape: shapeOf(w), data: Float32Array.from(flat(w)) })),
    ]),
  );
}

describeEachBackend('Keras 3 configs → modelFromKeras agree with Keras', () => {
  for (const name of ['convs', 'recurrent'] as const) {
    it(`${name}: predictions within 1e-5 relative + 1e-6 absolute, and the same after the Keras form round trip`, () => {
      const f = file[name];
      const topology = { ...f.topology, keras_version: file.keras_version };
      const model = modelFromKeras(topology, weightsOf(f), `${name}.json`);
      assert.equal(model instanceof Sequential, name === 'convs');
      const x = f.inputs.map(sample);
      const ours = bpPredict(model, x);
      const compared = ours.map((y) => y.slice());
      const keras = f.outputs.map((y) => Float32Array.from(flat(y)));
      if (name === 'recurrent') {
        // Padded steps (token 0: steps 3 and 4 of the first sample) of the masked sequence output
        // hold what each engine leaves there — Keras 3 zeros (Bidirectional) or ones (Multiply's
        // inputs), backprop the last real output; no mask-aware layer reads them. Real steps agree.
        for (const [i, a] of [compared[0]!, keras[0]!].entries()) {
          assert.equal(a.length, 2 * 5 * 6, `output 0 of ${i ? 'Keras' : 'backprop'}`);
          a.fill(0, 3 * 6, 5 * 6);
        }
      }
      assertAgree(compared, keras, name);
      const again = modelFromKeras(kerasModelJson(model), kerasWeights(model), 'round trip');
      assert.deepEqual(bpPredict(again, x), ours);
    });
  }
});

describe('Keras 3 configs: what the translation makes of them', () => {
  it('expresses ReLU, ELU and Softmax as Activation layers and drops the mask layers', () => {
    const convs = modelFromKeras(
      { ...file.convs.topology, keras_version: file.keras_version },
      weightsOf(file.convs),
      'convs',
    ) as Sequential;
    const kinds = convs.layers.map((l) => l.className);
    assert.deepEqual(
      kinds.filter((k) => k === 'Activation').length,
      4, // ReLU, ELU, Softmax, Activation('tanh')
    );
    const rec = modelFromKeras(
      { ...file.recurrent.topology, keras_version: file.keras_version },
      weightsOf(file.recurrent),
      'recurrent',
    ) as Model;
    const names = rec.layers.map((l) => l.name);
    const maskLayers = file.recurrent.topology.config.layers
      .filter((l) => l.class_name === 'NotEqual' || l.class_name === 'Any')
      .map((l) => l.name);
    assert.deepEqual(maskLayers, ['not_equal', 'not_equal_1', 'any_1']);
    for (const m of maskLayers) assert.ok(!names.includes(m!), `${m} in ${names.join(', ')}`);
    assert.ok(names.includes('inner') && names.includes('shared'));
  });
});

describe('Keras topologies: a model with one output', () => {
  const kind = (p: unknown) => (Array.isArray(p) ? `list of ${p.length}` : 'tensor');
  const x = tensor(
    Array.from({ length: 12 }, (_, i) => Math.cos(i)),
    { shape: [3, 4] },
  );
  const build = (outputs: 'one' | 'list of one' | 'two') => {
    const a = input({ shape: [4], name: 'x' });
    const d = new Dense({ units: 2, name: 'out' }).apply(a);
    const e = new Dense({ units: 3, name: 'side' }).apply(a);
    return new Model({
      inputs: a,
      outputs: outputs === 'one' ? d : outputs === 'list of one' ? [d] : [d, e],
    });
  };

  it('kerasModelJson writes the list of one that Keras 2 and TF.js write', () => {
    const json = kerasModelJson(build('one'));
    assert.deepEqual(json.config.input_layers, [['x', 0, 0]]);
    assert.deepEqual(json.config.output_layers, [['out', 0, 0]]);
  });

  it('kerasModelJson → modelFromKeras predicts one tensor and reports one output shape, as Keras does', () => {
    for (const made of ['one', 'list of one'] as const) {
      const model = build(made);
      const back = modelFromKeras(kerasModelJson(model), kerasWeights(model), 'round trip') as Model;
      assert.equal(kind(back.predict(x)), 'tensor', `made with ${made}`);
      assert.deepEqual(back.outputShape, [2]);
      assert.deepEqual(back.inputShape, [4]);
      const want = model.predict(x);
      assert.deepEqual(
        (back.predict(x) as Tensor).dataSync(),
        (Array.isArray(want) ? want[0]! : want).dataSync(),
      );
    }
  });

  it("reads Keras 3's single reference and list of one alike, and keeps two outputs a list", () => {
    const model = build('one');
    const json = kerasModelJson(model);
    const bare = {
      ...json,
      config: { ...json.config, input_layers: ['x', 0, 0], output_layers: ['out', 0, 0] },
    };
    assert.equal(
      kind(modelFromKeras(bare as KerasModelJson, kerasWeights(model), 'bare').predict(x)),
      'tensor',
    );
    const two = build('two');
    const back = modelFromKeras(kerasModelJson(two), kerasWeights(two), 'two');
    assert.equal(kind(back.predict(x)), 'list of 2');
    assert.deepEqual(back.outputShape, [[2], [3]]);
  });
});

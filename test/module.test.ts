/**
 * The Module base: child modules whose weights, trainable flag, penalties and generators recurse;
 * custom layers with several inputs and weights registered once and saved/loaded; the loader's
 * trust in weightShapes(); and the loader's checks on saved graphs.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  BatchNormalization,
  type CallOptions,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  gradcheck,
  input,
  Layer,
  type LayerConfig,
  l2,
  MaxPooling2D,
  Model,
  type ModelArtifacts,
  ModelFormatError,
  Module,
  type ModuleConfig,
  manualSeed,
  modelFromArtifacts,
  randn,
  registerClass,
  type Shape,
  type SymbolicTensor,
  type Tensor,
} from '../src/index.js';
import { sealModelJson } from '../src/model/manifest.js';
import { trustedWeightShapes } from '../src/nn/weight-shapes.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

/** A PyTorch-style layer made of child layers: x + dense(dropout(x)). */
class Residual extends Layer {
  readonly units: number;
  readonly inner: Dense;
  readonly drop: Dropout;
  constructor(config: LayerConfig & { units: number; regularize?: boolean }) {
    super(config, 'residual', ['units', 'regularize']);
    this.units = config.units;
    this.drop = this.addModule(new Dropout({ rate: 0.5, seed: 1, name: `${this.name}_drop` }));
    this.inner = this.addModule(
      new Dense({
        units: config.units,
        name: `${this.name}_dense`,
        ...(config.regularize && { kernelRegularizer: l2(0.1) }),
      }),
    );
  }
  get className(): string {
    return 'Residual';
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  protected forward(x: Tensor, options: CallOptions): Tensor {
    return x.add(this.inner.apply(this.drop.apply(x, options), options));
  }
  protected layerConfig(): Record<string, unknown> {
    return { units: this.units };
  }
}

/** Two inputs, three weights: (a·Wa) ⊙ (b·Wb) + bias. Registered once by its static className. */
class Bilinear extends Module {
  static readonly className = 'Bilinear';
  readonly units: number;
  constructor(config: ModuleConfig & { units: number }) {
    super(config, 'bilinear', ['units']);
    this.units = config.units;
  }
  get className(): string {
    return Bilinear.className;
  }
  override weightShapes(shapes: Shape[]): [string, number[]][] {
    return [
      ['wa', [shapes[0]![0]!, this.units]],
      ['wb', [shapes[1]![0]!, this.units]],
      ['bias', [this.units]],
    ];
  }
  protected override build(shapes: Shape[]): void {
    for (const [name, shape] of this.weightShapes(shapes))
      this.addWeight(name, shape, name === 'bias' ? 'ones' : 'glorotUniform');
  }
  computeOutputShape(): Shape {
    return [this.units];
  }
  protected forward(xs: Tensor[]): Tensor {
    const [a, b] = xs as [Tensor, Tensor];
    return a
      .matmul(this.getWeight('wa'))
      .mul(b.matmul(this.getWeight('wb')))
      .add(this.getWeight('bias'));
  }
  protected layerConfig(): Record<string, unknown> {
    return { units: this.units };
  }
}
registerClass(Bilinear);

function bilinearModel(): Model {
  manualSeed(21);
  const a = input({ shape: [3], name: 'a' });
  const b = input({ shape: [2], name: 'b' });
  const y = new Bilinear({ units: 4, name: 'bil' }).apply([a, b]) as SymbolicTensor;
  return new Model({
    inputs: [a, b],
    outputs: new Dense({ units: 1, name: 'out' }).apply(y),
    name: 'bilinear_model',
  });
}

/** Artifacts with model.json edited by `edit` and sealed again (so only the graph checks can refuse it). */
function edited(
  artifacts: ModelArtifacts,
  edit: (layers: Record<string, unknown>[]) => void,
): ModelArtifacts {
  const json = structuredClone(artifacts.modelJson);
  edit(json.modelTopology.layers as unknown as Record<string, unknown>[]);
  return { modelJson: sealModelJson(json), weightData: artifacts.weightData };
}

describeEachBackend('Module', () => {
  it('gathers child modules’ weights, trainable flag, penalties, generators and parameters', () => {
    manualSeed(1);
    const res = new Residual({ units: 3, name: 'res', regularize: true });
    const x = randn([2, 3], { seed: 3 });
    res.apply(x);
    assert.deepEqual(res.children, [res.drop, res.inner]);
    assert.deepEqual(
      res.weights.map((w) => w.name),
      ['res/res_dense/kernel', 'res/res_dense/bias'],
    );
    assert.equal(res.countParams(), 12);
    assert.equal(res.trainableWeights.length, 2);
    assert.deepEqual(res.ownRngs().length, 1); // the seeded Dropout's
    const k = flat(res.inner.getWeight('kernel'));
    assertClose(res.regularizationLoss()!, [0.1 * k.reduce((s, v) => s + v * v, 0)]);
    // Inference: dropout passes through, so y = x + x·W + b.
    assertClose(
      res.apply(x),
      flat(x.add(x.matmul(res.inner.getWeight('kernel')).add(res.inner.getWeight('bias')))),
    );
    res.trainable = false;
    assert.equal(res.inner.trainable, false);
    assert.equal(res.trainableWeights.length, 0);
    assert.equal(res.regularizationLoss(), null);
    assert.equal(res.inner.getWeight('kernel').requiresGrad, false);
    res.trainable = true;
    assert.equal(res.inner.getWeight('kernel').requiresGrad, true);
  });

  it('a custom layer with two inputs and three weights computes, checks its gradient, saves and loads', () => {
    const model = bilinearModel();
    assert.deepEqual(
      model.weights.map((w) => w.name),
      ['bil/wa', 'bil/wb', 'bil/bias', 'out/kernel', 'out/bias'],
    );
    const xa = randn([5, 3], { seed: 1 });
    const xb = randn([5, 2], { seed: 2 });
    const bil = model.getLayer('bil');
    const expected = xa
      .matmul(bil.getWeight('wa'))
      .mul(xb.matmul(bil.getWeight('wb')))
      .add(1);
    assertClose(bil.apply([xa, xb]) as Tensor, flat(expected));
    const result = gradcheck((u, v) => model.call([u, v]) as Tensor, [xa, xb]);
    assert.ok(result.ok, `worst ${result.maxError}`);
    const loaded = modelFromArtifacts<Model>(model.toArtifacts());
    assert.ok(loaded.getLayer('bil') instanceof Bilinear);
    assert.deepEqual(flat(loaded.predict([xa, xb]) as Tensor), flat(model.predict([xa, xb]) as Tensor));
  });

  it('the loader trusts weightShapes() only from the class that builds', () => {
    const cases: [Layer, Shape][] = [
      [new Dense({ units: 3 }), [5]],
      [new Dense({ units: 3, useBias: false }), [2, 5]],
      [new Conv2D({ filters: 2, kernelSize: 3 }), [6, 6, 4]],
      [new BatchNormalization({}), [4]],
      [new BatchNormalization({ center: false }), [3, 3, 2]],
      [new MaxPooling2D({ poolSize: 2 }), [4, 4, 1]],
      [new Flatten(), [2, 3]],
      [new Dropout({ rate: 0.1 }), [3]],
    ];
    for (const [layer, shape] of cases) {
      const planned = trustedWeightShapes(layer, shape);
      layer.ensureBuilt(shape);
      const built = layer.weights.map((w) => [w.name.slice(layer.name.length + 1), [...w.tensor.shape]]);
      assert.deepEqual(planned, built, layer.className);
    }
    class Wider extends Dense {
      protected override build(inputShape: Shape): void {
        super.build(inputShape);
        this.addWeight('extra', [2], 'zeros');
      }
    }
    assert.equal(trustedWeightShapes(new Wider({ units: 3 }), [5]), null);
    assert.equal(trustedWeightShapes(new Residual({ units: 2 }), [2]), null); // children: known after build
    assert.deepEqual(trustedWeightShapes(new Bilinear({ units: 2 }), [[3], [4]]), [
      ['wa', [3, 2]],
      ['wb', [4, 2]],
      ['bias', [2]],
    ]);
  });
});

describeEachBackend('loading a saved graph', () => {
  const artifacts = () => bilinearModel().toArtifacts();
  const refused = (a: ModelArtifacts, pattern: RegExp) =>
    assert.throws(
      () => modelFromArtifacts(a),
      (e: Error) => e instanceof ModelFormatError && pattern.test(e.message),
      String(pattern),
    );

  it('refuses unknown layers, bad node or tensor indices, duplicate names and cycles, naming the layer', () => {
    const byName = (layers: Record<string, unknown>[], name: string) => layers.find((l) => l.name === name)!;
    const refs = (layer: Record<string, unknown>) => layer.inboundNodes as [string, number, number][][];
    refused(
      edited(artifacts(), (ls) => void (refs(byName(ls, 'out'))[0]![0]![0] = 'ghost')),
      /layer 'out' inboundNodes\[0\] refers to an unknown layer 'ghost'/,
    );
    refused(
      edited(artifacts(), (ls) => void (refs(byName(ls, 'out'))[0]![0]![1] = 5)),
      /layer 'out' .*call 5 of layer 'bil', which has 1 call/,
    );
    refused(
      edited(artifacts(), (ls) => void (refs(byName(ls, 'out'))[0]![0]![2] = 3)),
      /layer 'out' .*output 3 of layer 'bil', which gives 1/,
    );
    refused(
      edited(artifacts(), (ls) => void (refs(byName(ls, 'out'))[0]![0] = ['out', 0, 0])),
      /cycle: layers 'out' wait/,
    );
    refused(
      edited(artifacts(), (ls) => {
        refs(byName(ls, 'bil'))[0]![0] = ['out', 0, 0];
      }),
      /cycle: layers 'bil', 'out'/,
    );
    refused(
      edited(artifacts(), (ls) => {
        const out = byName(ls, 'out');
        out.name = 'bil';
        (out.config as Record<string, unknown>).name = 'bil';
      }),
      /two layers are named 'bil'/,
    );
    refused(
      edited(artifacts(), (ls) => void (refs(byName(ls, 'out'))[0]![0] = ['bil', -1, 0])),
      /inboundNodes\[0\]\[0\] must be \[layerName, nodeIndex, tensorIndex\]/,
    );
  });

  it('refuses weights the graph’s configs do not make before building anything', () => {
    refused(
      edited(artifacts(), (ls) => {
        (ls.find((l) => l.name === 'out')!.config as Record<string, unknown>).units = 200000000;
      }),
      /weight 'out\/kernel' has shape \[4, 1\] in the file but the architecture needs \[4, 200000000\]/,
    );
    refused(
      edited(artifacts(), (ls) => {
        (ls.find((l) => l.name === 'bil')!.config as Record<string, unknown>).units = 5;
      }),
      /weight 'bil\/wa' has shape \[3, 4\] in the file but the architecture needs \[3, 5\]/,
    );
  });
});

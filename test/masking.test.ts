/**
 * Masks end to end: the Masking layer, masks carried layer to layer through Sequential and
 * functional models (symbolic tensors know they carry one; a layer that cannot take one refuses
 * it), losses and metrics of masked sequence outputs averaged over the real steps (against a hand
 * computation), variable-length sequences in one batch giving each sequence's own results, and a
 * gradcheck through a masked Embedding → LSTM.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { gradcheck } from '../src/autograd/gradcheck.js';
import {
  Activation,
  ArgumentError,
  type CallOptions,
  Dense,
  Dropout,
  Embedding,
  Flatten,
  input,
  Layer,
  LayerNormalization,
  LSTM,
  Masking,
  Model,
  manualSeed,
  Sequential,
  type Tensor,
  tensor,
} from '../src/index.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

/** Passes x on and records the mask it was given. */
class Probe extends Layer {
  seen: number[] | null = null;
  constructor() {
    super({}, 'probe');
  }
  get className(): string {
    return 'Probe';
  }
  override get supportsMasking(): boolean {
    return true;
  }
  computeOutputShape(s: number[]): number[] {
    return s;
  }
  protected forward(x: Tensor, options: CallOptions): Tensor {
    this.seen = options.mask ? flat(options.mask) : null;
    return x;
  }
  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}

// Two sequences of 3 steps, 2 features: the second has its last two steps padded with -1.
let x: Tensor;
/** Made on each backend in turn (a before() hook). */
const makeX = () => {
  x = tensor([
    [
      [1, 2],
      [-1, 0.5],
      [3, -2],
    ],
    [
      [0.5, 0.25],
      [-1, -1],
      [-1, -1],
    ],
  ]);
};
const MASK = [1, 1, 1, 1, 0, 0];

/** Σ over the real (sample, step) pairs of perStep, divided by their number. */
function maskedMean(perStep: number[], mask: number[], weights: number[] = mask.map(() => 1)): number {
  let sum = 0;
  let n = 0;
  perStep.forEach((v, i) => {
    sum += v * mask[i]! * weights[i]!;
    n += mask[i]!;
  });
  return sum / n;
}

describeEachBackend('Masking and masks through models', () => {
  before(makeX);
  it('Masking zeroes the padded steps and gives their mask', () => {
    const layer = new Masking({ maskValue: -1 });
    const y = layer.apply(x);
    const want = flat(x).map((v, i) => v * MASK[Math.floor(i / 2)]!);
    assertClose(y, want, 0, 0);
    assert.deepEqual(flat(layer.computeMask(x, null) as Tensor), MASK);
    // A step is padding only when every feature is: [-1, 0.5] is real.
    assert.equal(flat(new Masking({ maskValue: 0 }).computeMask(x, null) as Tensor).join(), '1,1,1,1,1,1');
  });

  it('Sequential carries the mask past layers that pass it (Dense) to the ones that use it', () => {
    const probe = new Probe();
    const model = new Sequential({
      layers: [
        new Masking({ maskValue: -1, inputShape: [3, 2] }),
        new Dense({ units: 3 }),
        new Dropout({ rate: 0.5 }),
        new Activation({ activation: 'relu' }),
        new LayerNormalization(),
        probe,
      ],
    });
    model.predict(x);
    assert.deepEqual(probe.seen, MASK);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    model.trainOnBatch(x, tensor(new Array(18).fill(0), { shape: [2, 3, 3] }));
    assert.deepEqual(probe.seen, MASK);
    // The same layers without Masking: no mask.
    const plain = new Probe();
    new Sequential({ layers: [new Dense({ units: 3, inputShape: [3, 2] }), plain] }).predict(x);
    assert.equal(plain.seen, null);
  });

  it('nested models: a mask goes into an inner Sequential and an inner functional model', () => {
    const inner = new Probe();
    const seq = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3, 2] }), inner] });
    const a = input({ shape: [3, 2] });
    const b = input({ shape: [3, 2] });
    const innerModel = new Model({ inputs: b, outputs: new Dense({ units: 2 }).apply(b) });
    const deep = new Probe();
    const masked = new Masking({ maskValue: -1 }).apply(a);
    const out = deep.apply(innerModel.apply(seq.apply(masked)));
    assert.equal(out.hasMask, true);
    new Model({ inputs: a, outputs: out }).predict(x);
    assert.deepEqual(inner.seen, MASK);
    assert.deepEqual(deep.seen, MASK);
  });

  it('functional: symbolic tensors know they carry a mask; a layer that cannot take it is refused when called', () => {
    const probe = new Probe();
    const a = input({ shape: [3, 2] });
    const masked = new Masking({ maskValue: -1 }).apply(a);
    const hidden = new Dense({ units: 3 }).apply(masked);
    assert.equal(a.hasMask, false);
    assert.equal(masked.hasMask, true);
    assert.equal(hidden.hasMask, true);
    const model = new Model({ inputs: a, outputs: probe.apply(hidden) });
    model.predict(x);
    assert.deepEqual(probe.seen, MASK);
    assert.throws(
      () => new Flatten().apply(hidden),
      (e: Error) => e instanceof ArgumentError && /does not support masking/.test(e.message),
    );
    // A mask handed to a layer by hand must fit its input.
    assert.throws(
      () => new Dense({ units: 1 }).apply(x, { training: false, mask: tensor([[1, 0]]) }),
      /mask/,
    );
    assert.throws(
      () => new Flatten().apply(x, { training: false, mask: tensor([MASK.slice(0, 3), MASK.slice(3)]) }),
      ArgumentError,
    );
  });

  it('a masked sequence loss averages over the real steps only (MSE, sample weights, MSE metric)', () => {
    manualSeed(3);
    const model = new Sequential({
      layers: [new Masking({ maskValue: -1, inputShape: [3, 2] }), new Dense({ units: 2 })],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['meanSquaredError'] });
    // Targets far off on the padded steps: counting them would change the loss a lot.
    const y = tensor([
      [
        [1, 0],
        [0, 1],
        [2, 2],
      ],
      [
        [1, 1],
        [100, 100],
        [-100, 50],
      ],
    ]);
    const p = flat(model.predict(x));
    const yv = flat(y);
    const perStep = MASK.map(
      (_, s) => ((p[2 * s]! - yv[2 * s]!) ** 2 + (p[2 * s + 1]! - yv[2 * s + 1]!) ** 2) / 2,
    );
    const logs = model.evaluate(x, y, { batchSize: 2 });
    assertClose([logs.loss!], [maskedMean(perStep, MASK)], 1e-5, 1e-5);
    assertClose([logs.meanSquaredError!], [maskedMean(perStep, MASK)], 1e-5, 1e-5);
    // A sample weight multiplies each of its steps; the divisor stays the number of real steps.
    const weighted = model.evaluate(x, y, { batchSize: 2, sampleWeight: tensor([2, 0.5]) });
    const w = [2, 2, 2, 0.5, 0.5, 0.5];
    assertClose([weighted.loss!], [maskedMean(perStep, MASK, w)], 1e-5, 1e-5);
  });

  it('masked sparse cross-entropy (softmax fused into the loss) and accuracy count only real steps', () => {
    manualSeed(4);
    const model = new Sequential({
      layers: [
        new Masking({ maskValue: -1, inputShape: [3, 2] }),
        new Dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const labels = tensor([
      [0, 2, 1],
      [1, 0, 0],
    ]);
    const p = flat(model.predict(x));
    const lv = flat(labels);
    const perStep = lv.map((c, s) => -Math.log(p[3 * s + c]!));
    const hit = lv.map((c, s) => {
      const row = p.slice(3 * s, 3 * s + 3);
      return row.indexOf(Math.max(...row)) === c ? 1 : 0;
    });
    const logs = model.evaluate(x, labels, { batchSize: 2 });
    assertClose([logs.loss!], [maskedMean(perStep, MASK)], 1e-5, 1e-5);
    assertClose([logs.accuracy!], [maskedMean(hit, MASK)], 1e-6, 0);
    // Training steps on it run and give a finite loss.
    const trained = model.trainOnBatch(x, labels);
    assert.ok(Number.isFinite(trained.loss));
  });

  it('variable-length sequences in one batch give each sequence its own result (post and pre padding)', () => {
    manualSeed(5);
    const ids = input({ shape: [null] });
    const embedded = new Embedding({ inputDim: 7, outputDim: 3, maskZero: true }).apply(ids);
    const everyStep = new Model({
      inputs: ids,
      outputs: new LSTM({ units: 4, returnSequences: true }).apply(embedded),
    });
    const lastStep = new Model({ inputs: ids, outputs: new LSTM({ units: 4 }).apply(embedded) });
    assert.equal(everyStep.outputs[0]!.hasMask, true);
    assert.equal(lastStep.outputs[0]!.hasMask, false);
    const sequences = [
      [1, 2, 3],
      [4, 5],
      [2, 6, 2, 2, 1],
    ];
    const T = 5;
    const post = tensor(sequences.map((s) => [...s, ...new Array(T - s.length).fill(0)]));
    const pre = tensor(sequences.map((s) => [...new Array(T - s.length).fill(0), ...s]));
    const yPost = (everyStep.predict(post) as Tensor).toArray() as number[][][];
    const yPre = (everyStep.predict(pre) as Tensor).toArray() as number[][][];
    const lastPost = (lastStep.predict(post) as Tensor).toArray() as number[][];
    const lastPre = (lastStep.predict(pre) as Tensor).toArray() as number[][];
    sequences.forEach((s, i) => {
      const alone = (everyStep.predict(tensor([s])) as Tensor).toArray() as number[][][];
      // Post padding: the real steps come first, each as in the sequence alone.
      assertClose(yPost[i]!.slice(0, s.length), alone[0]!, 1e-5, 1e-4);
      // Pre padding: the padded steps keep the zero state, so the real steps match too.
      assertClose(yPre[i]!.slice(T - s.length), alone[0]!, 1e-5, 1e-4);
      // The last output is the unpadded sequence's last, whichever side the padding is on.
      const last = (lastStep.predict(tensor([s])) as Tensor).toArray() as number[][];
      assertClose(lastPost[i]!, last[0]!, 1e-5, 1e-4);
      assertClose(lastPre[i]!, last[0]!, 1e-5, 1e-4);
    });
    // Without the mask the padded steps count, and the short sequences' results differ.
    const unmasked = (lastStep.getLayer(2) as Layer).apply((lastStep.getLayer(1) as Layer).apply(post));
    const plain = unmasked.toArray() as number[][];
    assert.ok(Math.abs(plain[1]![0]! - lastPost[1]![0]!) > 1e-4);
  });

  it('gradcheck through a masked Embedding → LSTM: the table and every LSTM weight', () => {
    manualSeed(6);
    const embed = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true });
    const lstm = new LSTM({ units: 2 });
    const model = new Sequential({ layers: [embed, lstm] });
    const ids = tensor([
      [1, 3, 0, 0],
      [2, 4, 1, 0],
    ]);
    model.predict(ids);
    const cell = lstm.cell as unknown as Layer;
    const names = ['kernel', 'recurrent_kernel', 'bias'];
    const weights = [embed.getWeight('embeddings'), ...names.map((n) => cell.getWeight(n))].map((w, i) =>
      tensor(
        flat(w).map((_, k) => 0.6 * Math.sin(3 * i + k + 1)),
        { shape: [...w.shape] },
      ),
    );
    const f = (table: Tensor, ...ws: Tensor[]): Tensor => {
      const ownEmbed = embed.getWeight.bind(embed);
      const ownCell = cell.getWeight.bind(cell);
      embed.getWeight = (name: string) => (name === 'embeddings' ? table : ownEmbed(name));
      cell.getWeight = (name: string) => {
        const i = names.indexOf(name);
        return i >= 0 ? ws[i]! : ownCell(name);
      };
      try {
        return model.call(ids, { training: true });
      } finally {
        delete (embed as { getWeight?: unknown }).getWeight;
        delete (cell as { getWeight?: unknown }).getWeight;
      }
    };
    const result = gradcheck(f, weights);
    assert.ok(result.ok, `worst error ${result.maxError} at ${JSON.stringify(result.worst)}`);
    // The padded rows' ids (0) get no gradient: row 0 of the table is used only at masked steps.
    const table = weights[0]!.clone();
    table.requiresGrad = true;
    f(table, ...weights.slice(1))
      .sum()
      .backward();
    assert.deepEqual(flat(table.grad!).slice(0, 2), [0, 0]);
  });
});

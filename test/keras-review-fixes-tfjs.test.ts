/**
 * Review fixes, TF.js side (issue 17): what tfjs-layers 4 loads but runs otherwise than Keras and
 * backprop (bilinear UpSampling2D, ignored dilation / output padding) or rejects (stateful layers)
 * is refused both ways, naming the layer and the option.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  Activation,
  AveragePooling2D,
  BatchNormalization,
  Bidirectional,
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  Dense,
  DepthwiseConv2D,
  Dropout,
  Embedding,
  Flatten,
  GaussianDropout,
  GaussianNoise,
  GlobalAveragePooling2D,
  GRU,
  LayerNormalization,
  LeakyReLU,
  LSTM,
  Masking,
  MaxPooling2D,
  ModelFormatError,
  Reshape,
  SeparableConv2D,
  Sequential,
  SimpleRNN,
  TimeDistributed,
  UpSampling2D,
  ZeroPadding2D,
} from '../src/index.js';
import { fromTfjs } from '../src/interop/keras/tfjs/from-tfjs.js';
import { toTfjs } from '../src/interop/keras/tfjs/to-tfjs.js';
import { tfArtifacts } from './tfjs-peer.js';

function refused(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof ModelFormatError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('toTfjs refuses what TF.js would run otherwise or reject', () => {
  it('K1: UpSampling2D bilinear (TF.js has no half-pixel centres)', () => {
    const m = new Sequential({
      layers: [new UpSampling2D({ size: 2, interpolation: 'bilinear', inputShape: [3, 3, 1], name: 'up' })],
    });
    refused(() => toTfjs(m), /layer 'up' \(UpSampling2D\) has interpolation 'bilinear'.*half-pixel/);
    // nearest is run alike, and still converts.
    const nearest = new Sequential({ layers: [new UpSampling2D({ size: 2, inputShape: [3, 3, 1] })] });
    assert.ok(toTfjs(nearest).modelJson);
  });

  it('K11: Conv2DTranspose outputPadding / dilationRate and DepthwiseConv2D dilationRate (tfjs-layers ignores them)', () => {
    const convT = (o: Record<string, unknown>) =>
      new Sequential({
        layers: [
          new Conv2DTranspose({
            filters: 2,
            kernelSize: 3,
            strides: 2,
            inputShape: [3, 3, 2],
            name: 'ct',
            ...o,
          }),
        ],
      });
    refused(
      () => toTfjs(convT({ outputPadding: 1 })),
      /layer 'ct' \(Conv2DTranspose\) has output_padding \[1,1\]/,
    );
    refused(
      () => toTfjs(convT({ strides: 1, dilationRate: 2 })),
      /layer 'ct' \(Conv2DTranspose\) has dilation_rate \[2,2\], which tfjs-layers ignores/,
    );
    const depthwise = new Sequential({
      layers: [new DepthwiseConv2D({ kernelSize: 3, dilationRate: 2, inputShape: [7, 7, 2], name: 'dw' })],
    });
    refused(() => toTfjs(depthwise), /layer 'dw' \(DepthwiseConv2D\) has dilation_rate \[2,2\]/);
    assert.ok(toTfjs(convT({})).modelJson);
  });

  it('K2: a stateful recurrent layer (tf.loadLayersModel needs its batch size)', () => {
    const m = new Sequential({
      layers: [new LSTM({ units: 2, stateful: true, inputShape: [3, 2], name: 'rnn' })],
    });
    refused(() => toTfjs(m), /layer 'rnn' \(LSTM\) is stateful/);
  });
});

describe('fromTfjs refuses a file TF.js wrote where tfjs-layers ran a layer otherwise', () => {
  it('K1: UpSampling2D bilinear', async () => {
    const t = tf.sequential({
      layers: [tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', inputShape: [3, 3, 1] })],
    });
    const { modelJson, weightData } = await tfArtifacts(t);
    refused(
      () => fromTfjs(modelJson, weightData, 'up.json'),
      /up\.json: .*\(UpSampling2D\) \(written by TF\.js\) has interpolation 'bilinear'/,
    );
  });

  it('K11: DepthwiseConv2D with dilation (TF.js writes it, then runs undilated)', async () => {
    const t = tf.sequential({
      layers: [tf.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, inputShape: [7, 7, 2] })],
    });
    const { modelJson, weightData } = await tfArtifacts(t);
    refused(
      () => fromTfjs(modelJson, weightData, 'dw.json'),
      /\(DepthwiseConv2D\) \(written by TF\.js\) has dilation_rate \[2,2\]/,
    );
    // The same topology from Keras (not TF.js) is Keras' dilated layer, and loads.
    const keras = structuredClone(modelJson) as { modelTopology: Record<string, unknown> };
    keras.modelTopology.keras_version = '2.15.0';
    assert.ok(fromTfjs(keras, weightData, 'dw.json'));
  });
});

describe('every option toTfjs writes is one tfjs-layers reads (K11: none dropped silently)', () => {
  // Keys TF.js' getConfig leaves out although its layer uses them (SeparableConv2D's
  // depthMultiplier), or that toTfjs refuses unless they are the default (Conv2DTranspose dilation).
  const NOT_ECHOED: Record<string, string[]> = {
    SeparableConv2D: ['depthMultiplier'],
    Conv2DTranspose: ['dilationRate'],
  };
  const IGNORED = new Set(['batchInputShape', 'dtype', 'name', 'trainable']);
  const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const models: [string, () => Sequential][] = [
    [
      'dense, dropout, noise, activations, reshape',
      () =>
        new Sequential({
          layers: [
            new Dense({
              units: 4,
              inputShape: [4],
              kernelRegularizer: 'l2',
            }),
            new Dropout({ rate: 0.1 }),
            new GaussianNoise({ stddev: 0.1 }),
            new GaussianDropout({ rate: 0.1 }),
            new Activation({ activation: 'relu' }),
            new LeakyReLU({ alpha: 0.2 }),
            new Reshape({ targetShape: [2, 2] }),
            new Masking({ maskValue: 0 }),
            new SimpleRNN({ units: 2 }),
          ],
        }),
    ],
    [
      'convolutions and pooling',
      () =>
        new Sequential({
          layers: [
            new Conv2D({ filters: 2, kernelSize: 3, padding: 'same', inputShape: [6, 6, 2] }),
            new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
            new SeparableConv2D({ filters: 2, kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
            new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2 }),
            new MaxPooling2D({ poolSize: 2 }),
            new AveragePooling2D({ poolSize: 2, padding: 'same' }),
            new UpSampling2D({ size: 2 }),
            new ZeroPadding2D({ padding: 1 }),
            new BatchNormalization({}),
            new LayerNormalization({}),
            new GlobalAveragePooling2D(),
          ],
        }),
    ],
    [
      'sequences',
      () =>
        new Sequential({
          layers: [
            new Embedding({ inputDim: 5, outputDim: 4, inputShape: [3], maskZero: true }),
            new LSTM({ units: 2, returnSequences: true, goBackwards: true }),
            new GRU({ units: 2, resetAfter: false, returnSequences: true }),
            new Bidirectional({ layer: new LSTM({ units: 2 }), mergeMode: 'sum' }),
          ],
        }),
    ],
    [
      'Conv1D, TimeDistributed',
      () =>
        new Sequential({
          layers: [
            new Conv1D({ filters: 4, kernelSize: 2, inputShape: [5, 3] }),
            new TimeDistributed({ layer: new Dense({ units: 2 }) }),
            new Flatten(),
          ],
        }),
    ],
  ];
  for (const [what, make] of models) {
    it(what, async () => {
      const model = make();
      const { modelJson, weightData } = toTfjs(model);
      const t = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: modelJson.modelTopology as never,
          weightSpecs: modelJson.weightsManifest[0]!.weights as never,
          weightData,
        }),
      );
      const ours = (
        modelJson.modelTopology as {
          config: { layers: { class_name: string; config: Record<string, unknown> }[] };
        }
      ).config.layers;
      const dropped = (cls: string, ours: Record<string, unknown>, theirs: Record<string, unknown>) =>
        Object.keys(ours)
          .map(camel)
          .filter((k) => !IGNORED.has(k) && !(k in theirs) && !(NOT_ECHOED[cls] ?? []).includes(k))
          .map((k) => `${cls}.${k}`);
      const all = ours.flatMap((l, i) => {
        const layer = t.layers[i + t.layers.length - ours.length]!;
        const inner = l.config.layer as { class_name: string; config: Record<string, unknown> } | undefined;
        const wrapped = layer as unknown as { layer?: tf.layers.Layer; forwardLayer?: tf.layers.Layer };
        const innerLayer = wrapped.layer ?? wrapped.forwardLayer;
        return [
          ...dropped(l.class_name, l.config, layer.getConfig()),
          ...(inner && innerLayer ? dropped(inner.class_name, inner.config, innerLayer.getConfig()) : []),
        ];
      });
      assert.deepEqual(all, []);
    });
  }
});

/**
 * Every option is checked where it is written: types and ranges, unknown names with the nearest
 * valid one, registry lookups by own entries only, Keras/TF.js spec forms (issue 12, "configs").
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Activation,
  Adam,
  ArgumentError,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  dcganDiscriminator,
  dcganGenerator,
  denseVAE,
  EarlyStopping,
  earlyStopping,
  GAN,
  getLoss,
  getMetric,
  getOptimizer,
  initializers,
  l1l2,
  MaxPooling2D,
  ModelCheckpoint,
  manualSeed,
  Reshape,
  RMSprop,
  Sequential,
  SGD,
  stepDecay,
  tensor,
  VAE,
} from '../src/index.js';
import { describeEachBackend } from './helpers.js';

/** Assert `fn` throws an ArgumentError whose message matches every pattern. */
function refuses(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(
      e instanceof ArgumentError,
      `expected an ArgumentError, got ${(e as Error)?.name}: ${(e as Error)?.message}`,
    );
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

async function refusesAsync(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(
      e instanceof ArgumentError,
      `expected an ArgumentError, got ${(e as Error)?.name}: ${(e as Error)?.message}`,
    );
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

function smallModel(outputs: number, activation: string): Sequential {
  manualSeed(3);
  const model = new Sequential();
  model.add(new Dense({ units: 4, activation: 'relu', inputDim: 2 }));
  model.add(new Dense({ units: outputs, activation: activation as never }));
  return model;
}

const x = [
  [0, 1],
  [1, 0],
  [1, 1],
  [0, 0],
];

describeEachBackend('compile() options', () => {
  it('refuses optimizer specs that crashed with a TypeError ({ name }, { foo }) and names what to write', () => {
    const model = smallModel(1, 'sigmoid');
    refuses(
      () => model.compile({ optimizer: { name: 'sgd', learningRate: 3 } as never, loss: 'mse' }),
      /compile\(\)/,
      /unknown option 'name' — did you mean 'className'\?/,
    );
    refuses(() => model.compile({ optimizer: { foo: 1 } as never, loss: 'mse' }), /unknown option 'foo'/);
    refuses(() => model.compile({ optimizer: 42 as never, loss: 'mse' }), /optimizer must be a name/);
    refuses(() => model.compile({ loss: 'mse' } as never), /optimizer is required/);
    refuses(
      () => model.compile({ optimizer: 'adam', loss: 'mse', metric: ['accuracy'] } as never),
      /did you mean 'metrics'/,
    );
    assert.equal(model.optimizer, null, 'a refused compile leaves the model uncompiled');
  });

  it('accepts { className } without config, { className, config } and Keras { class_name, config } specs', () => {
    const sgd = getOptimizer({ className: 'sgd' });
    assert.ok(sgd instanceof SGD);
    assert.equal(sgd.learningRate, 0.01);
    const keras = getOptimizer({ className: 'SGD', config: { learningRate: 0.1, momentum: 0.5 } }) as SGD;
    assert.equal(keras.learningRate, 0.1);
    assert.equal(keras.momentum, 0.5);
    // What Keras 3 writes for Adam: snake_case, nulls for "off", bookkeeping entries.
    const adam = getOptimizer({
      class_name: 'Adam',
      module: 'keras.optimizers',
      registered_name: null,
      config: {
        name: 'adam',
        learning_rate: 0.02,
        beta_1: 0.8,
        beta_2: 0.99,
        epsilon: 1e-6,
        amsgrad: false,
        clipnorm: null,
        global_clipnorm: null,
        clipvalue: null,
        weight_decay: null,
        use_ema: false,
        ema_momentum: 0.99,
        ema_overwrite_frequency: null,
        jit_compile: true,
        is_legacy_optimizer: false,
      },
    } as never) as Adam;
    assert.ok(adam instanceof Adam);
    assert.deepEqual([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon], [0.02, 0.8, 0.99, 1e-6]);
    assert.ok(getOptimizer('RMSProp' as never) instanceof RMSprop, "TF.js's spelling");
    refuses(
      () => getOptimizer({ class_name: 'Adam', config: { amsgrad: true } } as never),
      /amsgrad/,
      /not supported/,
    );
    refuses(
      () => getOptimizer({ class_name: 'SGD', config: { clipnorm: 1 } } as never),
      /clipnorm/,
      /global/,
    );
    refuses(() => getOptimizer({ className: 'Adam', config: 'fast' } as never), /config must be an object/);
  });

  it("looks names up among the library's own entries only ('constructor', 'toString', '__proto__')", () => {
    const model = smallModel(2, 'softmax');
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      refuses(
        () => model.compile({ optimizer: name as never, loss: 'mse' }),
        new RegExp(`unknown optimizer '${name}'`),
      );
      refuses(
        () => model.compile({ optimizer: 'adam', loss: name as never }),
        new RegExp(`unknown loss '${name}'`),
      );
      refuses(
        () => model.compile({ optimizer: 'adam', loss: 'mse', metrics: [name as never] }),
        new RegExp(`unknown metric '${name}'`),
      );
      refuses(
        () => new Dense({ units: 2, activation: name as never }),
        new RegExp(`unknown activation '${name}'`),
      );
      refuses(
        () => new Dense({ units: 2, kernelInitializer: name as never }),
        new RegExp(`kernelInitializer: unknown initializer '${name}'`),
      );
    }
    refuses(() => getMetric('acuracy'), /did you mean 'accuracy'\?/);
  });

  it('takes Keras names for losses and metrics (snake_case, class names)', () => {
    assert.equal(getLoss('categorical_crossentropy').name, 'categoricalCrossentropy');
    assert.equal(getLoss('BinaryCrossentropy').name, 'binaryCrossentropy');
    assert.equal(getLoss('mse').name, 'meanSquaredError');
    assert.equal(getMetric('sparse_categorical_accuracy').name, 'sparse_categorical_accuracy');
    refuses(
      () => getLoss('categoricalCrossentropy', { fromLogits: 'yes' } as never),
      /fromLogits must be true or false/,
    );
    refuses(() => getLoss('mse', { reduce: 'sum' } as never), /did you mean 'reduction'/);
    refuses(() => getLoss('mse', { reduction: 'avg' } as never), /reduction must be one of 'mean', 'sum'/);
  });
});

describeEachBackend('optimiser and schedule options', () => {
  it('refuses clipNorm ≤ 0 (a negative one did gradient ascent) and clipValue ≤ 0', () => {
    refuses(() => new SGD({ clipNorm: -1 }), /SGD: clipNorm must be a positive number, got -1/);
    refuses(() => new Adam({ clipValue: 0 }), /clipValue/);
    refuses(() => new SGD({ weightDecay: Number.NaN }), /weightDecay .* got NaN/);
  });

  it("refuses a string learningRate instead of taking it for a schedule ('0.1', '0', '.', '1', NaN)", () => {
    for (const rate of ['0.1', '0', '.', '1']) {
      refuses(
        () => new SGD({ learningRate: rate as never }),
        /SGD: learningRate must be a positive number or a schedule/,
      );
      refuses(
        () => getOptimizer({ className: 'adam', config: { learningRate: rate } }),
        /Adam: learningRate must be/,
      );
    }
    refuses(() => new Adam({ learningRate: Number.NaN }), /learningRate .* got NaN/);
    refuses(() => new Adam({ learningRate: {} as never }), /learningRate .* got an empty object/);
    const scheduled = new SGD({ learningRate: stepDecay({ initialLearningRate: 0.5, stepSize: 1 }) });
    assert.equal(scheduled.learningRate, 0.5);
  });

  it('checks every optimiser option by type, range and name', () => {
    refuses(() => new SGD({ momentum: 1 }), /momentum must be in \[0, 1\), got 1/);
    refuses(() => new SGD({ nesterov: 'true' as never }), /nesterov must be true or false/);
    refuses(() => new Adam({ beta1: 1 }), /beta1/);
    refuses(() => new Adam({ epsilon: 0 }), /epsilon must be a positive number/);
    refuses(
      () => new Adam({ learning_rate: 0.1 } as never),
      /unknown option 'learning_rate' — did you mean 'learningRate'\?/,
    );
    refuses(() => new RMSprop({ rho: -0.1 }), /rho/);
    refuses(() => new RMSprop({ centered: true } as never), /centered RMSprop is not implemented/);
    refuses(() => new SGD(null as never), /SGD: options must be an object, got null/);
    refuses(
      () => stepDecay({ initialLearningRate: 1, stepSize: '2' as never }),
      /stepDecay: stepSize must be a positive number, got '2'/,
    );
  });

  it("reads Keras 3's get_config() output: bookkeeping skipped when off, refused by name when set, schedules read", () => {
    // keras.optimizers.serialize(Adam(learning_rate=ExponentialDecay(0.1, 10, 0.5))) in Keras 3:
    // BaseOptimizer.get_config's entries, Adam's own, the schedule serialized with its module.
    const keras3 = (learningRate: unknown, extra: Record<string, unknown> = {}, className = 'Adam') => ({
      module: 'keras.optimizers',
      class_name: className,
      registered_name: null,
      config: {
        name: className.toLowerCase(),
        learning_rate: learningRate,
        weight_decay: null,
        clipnorm: null,
        global_clipnorm: null,
        clipvalue: null,
        use_ema: false,
        ema_momentum: 0.99,
        ema_overwrite_frequency: null,
        loss_scale_factor: null,
        gradient_accumulation_steps: null,
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-7,
        amsgrad: false,
        ...extra,
      },
    });
    const exponential = {
      module: 'keras.optimizers.schedules',
      class_name: 'ExponentialDecay',
      config: {
        initial_learning_rate: 0.1,
        decay_steps: 10,
        decay_rate: 0.5,
        staircase: false,
        name: 'ExponentialDecay',
      },
      registered_name: null,
    };
    const constant = getOptimizer(keras3(0.001) as never) as Adam;
    assert.ok(constant instanceof Adam);
    assert.equal(constant.learningRate, 0.001);
    const scheduled = getOptimizer(keras3(exponential) as never);
    assert.equal(scheduled.learningRate, 0.1);
    scheduled.iterations = 10;
    assert.equal(scheduled.learningRate, 0.05, 'ExponentialDecay: 0.1 · 0.5^(10 / 10)');
    assert.deepEqual(
      (scheduled.getConfig().config.learningRate as { className: string }).className,
      'exponentialDecay',
    );
    const cosine = getOptimizer(
      keras3({
        module: 'keras.optimizers.schedules',
        class_name: 'CosineDecay',
        config: {
          initial_learning_rate: 0.2,
          decay_steps: 4,
          alpha: 0.0,
          name: 'CosineDecay',
          warmup_target: null,
          warmup_steps: 0,
        },
        registered_name: null,
      }) as never,
    );
    cosine.iterations = 2;
    assert.ok(Math.abs(cosine.learningRate - 0.1) < 1e-12, 'CosineDecay halfway: 0.2 · ½(1 + cos(π/2))');
    // A loss scale only keeps float16 gradients from underflowing; in float32 it cancels out.
    assert.ok(getOptimizer(keras3(0.001, { loss_scale_factor: 128 }) as never) instanceof Adam);
    // Keras 3's AdamW writes its (decoupled) weight_decay: backprop's AdamW's weightDecay.
    const adamw = getOptimizer(keras3(0.001, { weight_decay: 0.01 }, 'AdamW') as never);
    assert.equal(adamw.weightDecay, 0.01);
    refuses(
      () => getOptimizer(keras3(0.001, { gradient_accumulation_steps: 4 }) as never),
      /'gradient_accumulation_steps' 4/,
      /not implemented/,
    );
    refuses(() => getOptimizer(keras3(0.001, { use_ema: true }) as never), /'use_ema' true/, /EMA/);
    refuses(
      () => getOptimizer(keras3(0.001, { loss_scale_factor: 'dynamic' }) as never),
      /'loss_scale_factor'/,
    );
    refuses(() => getOptimizer(keras3(0.001, { weight_decay: 0.01 }) as never), /weight_decay/, /AdamW/);
    refuses(
      () =>
        getOptimizer(
          keras3({
            ...exponential,
            class_name: 'PolynomialDecay',
            config: { initial_learning_rate: 0.1, decay_steps: 10 },
          }) as never,
        ),
      /Adam: learningRate: learning-rate schedule: Keras' class 'PolynomialDecay' is not supported/,
      /ExponentialDecay, CosineDecay/,
    );
    refuses(
      () =>
        getOptimizer(
          keras3({
            ...exponential,
            class_name: 'CosineDecay',
            config: { initial_learning_rate: 0, decay_steps: 10, warmup_target: 0.1, warmup_steps: 5 },
          }) as never,
        ),
      /CosineDecay: option 'warmup_target' 0.1 is not supported — backprop's cosineDecay has no warmup/,
    );
    refuses(
      () =>
        getOptimizer(keras3({ ...exponential, config: { ...exponential.config, decay_rate: 0 } }) as never),
      /ExponentialDecay: exponentialDecay: decayRate must be a positive number, got 0/,
    );
  });
});

describeEachBackend('layer options', () => {
  it('refuses unknown names with the nearest valid one, and wrong types', () => {
    refuses(() => new Dense({ unit: 3 } as never), /Dense: unknown option 'unit' — did you mean 'units'\?/);
    refuses(
      () => new Dense({ units: '3' } as never),
      /Dense 'dense\S*': units must be an integer in \[1, \d+\], got '3' \(a string\)/,
    );
    refuses(() => new Dense(undefined as never), /Dense: options must be an object, got undefined/);
    refuses(() => new Dense({ units: 2, useBias: 0 } as never), /useBias must be true or false/);
    refuses(() => new Dense({ units: 2, trainable: 'no' } as never), /trainable must be true or false/);
    refuses(() => new Dense({ units: 2, inputShape: 'x' } as never), /inputShape must be an array/);
    refuses(
      () => new Conv2D({ filters: 2, kernelSize: null } as never),
      /kernelSize must be an integer .* or a pair/,
    );
    refuses(() => new Conv2D({ filters: 2, kernelSize: [3, 3, 3] } as never), /kernelSize/);
    refuses(() => new Conv2D({ filters: 2, kernelSize: 3, padding: 'SAME' } as never), /did you mean 'same'/);
    refuses(() => new MaxPooling2D({ pool_size: 2 } as never), /did you mean 'poolSize'/);
    refuses(() => new Dropout({ rate: '0.5' } as never), /rate must be in \[0, 1\)/);
    refuses(() => new Reshape({ targetShape: [-1, -1] }), /targetShape/);
    refuses(() => new Reshape({ targetShape: 7 } as never), /targetShape must be an array/);
    refuses(() => new BatchNormalization({ center: 'yes' } as never), /center must be true or false/);
    refuses(() => new Activation({ activation: 5 } as never), /activation must be a name/);
    refuses(
      () => new Dense({ units: 2, kernelRegularizer: l1l2({ l1: Number.NaN }) }),
      /l1l2: l1 must be a finite number ≥ 0, got NaN/,
    );
    refuses(
      () =>
        new Dense({
          units: 2,
          kernelInitializer: { className: 'randomNormal', config: { stddev: -1 } } as never,
        }),
      /Dense 'dense\S*': kernelInitializer: randomNormal: stddev/,
    );
    refuses(() => initializers.randomUniform({ minval: 1, maxval: 0 }), /maxval/);
    refuses(
      () =>
        new Dense({ units: 2, kernelInitializer: { className: 'heNormal', config: { seed: 1 } } as never }),
      /manualSeed/,
    );
  });

  it('refuses a weight too large to allocate before allocating it', () => {
    const model = new Sequential();
    // add() builds the layer; its kernel would be 2^30 values (4 GiB).
    refuses(
      () => model.add(new Dense({ units: 2 ** 20, inputDim: 2 ** 10 })),
      /weight 'kernel' of shape \[1024, 1048576\] would have 1073741824 values/,
    );
  });

  it('accepts what Keras writes for initialisers and regularisers', () => {
    const d = new Dense({
      units: 2,
      inputDim: 2,
      kernelInitializer: { class_name: 'GlorotUniform', config: { seed: null } } as never,
      biasInitializer: 'Zeros' as never,
      kernelRegularizer: { class_name: 'L2', config: { l2: 0.1 } } as never,
      biasRegularizer: null as never,
    });
    assert.equal(
      d.getConfig().config.kernelInitializer &&
        (d.getConfig().config.kernelInitializer as { className: string }).className,
      'glorotUniform',
    );
    assert.deepEqual((d.getConfig().config.kernelRegularizer as { config: unknown }).config, {
      l1: 0,
      l2: 0.1,
    });
  });
});

describeEachBackend('model and generative-model constructor options', () => {
  it("Sequential takes a list of layers (Keras' Sequential([...])) and refuses unknown options", () => {
    const model = new Sequential([new Dense({ units: 3, inputDim: 2 }), new Dense({ units: 1 })]);
    assert.equal(model.layers.length, 2);
    assert.deepEqual(model.outputShape, [1]);
    refuses(
      () => new Sequential({ layerz: [new Dense({ units: 1 })] } as never),
      /^Sequential: unknown option 'layerz' — did you mean 'layers'\?$/,
    );
    refuses(
      () => new Sequential({ layers: new Dense({ units: 1, name: 'd' }) } as never),
      /Sequential: layers must be a list of layers, got one layer \(Dense 'd'\)/,
    );
    refuses(
      () => new Sequential([new Dense({ units: 1 }), 3] as never),
      /Sequential: layers\[1\] must be a layer, got 3/,
    );
    refuses(
      () => new Sequential().add({ units: 1 } as never),
      /Sequential.add\(\): needs a layer, got an object/,
    );
  });

  it('the generative models check their options by name', () => {
    refuses(
      () => denseVAE({ inputDim: 4, hidden: [2], latent: 2, latnet: 3 } as never),
      /^denseVAE: unknown option 'latnet' — did you mean 'latent'\?$/,
    );
    refuses(
      () => denseVAE({ inputDim: 4, hidden: 2 } as never),
      /denseVAE: hidden must be a list of layer sizes, got 2/,
    );
    refuses(
      () => new VAE({ encodr: null } as never),
      /^VAE: unknown option 'encodr' — did you mean 'encoder'\?$/,
    );
    refuses(
      () => dcganGenerator({ latnetDim: 8 } as never),
      /^dcganGenerator: unknown option 'latnetDim' — did you mean 'latentDim'\?$/,
    );
    refuses(
      () => dcganDiscriminator({ imageShape: 28 } as never),
      /imageShape must be a list of 3 numbers, got 28/,
    );
    refuses(
      () => new GAN({ generator: null, discriminator: null, latentDim: 2, seeed: 1 } as never),
      /^GAN: unknown option 'seeed' — did you mean 'seed'\?$/,
    );
    refuses(() => new GAN({ latentDim: 2 } as never), /GAN: generator must be a model, got undefined/);
  });
});

describeEachBackend('callback options', () => {
  it('checks earlyStopping and modelCheckpoint options', () => {
    refuses(
      () => earlyStopping({ patiense: 2 } as never),
      /earlyStopping: unknown option 'patiense' — did you mean 'patience'\?/,
    );
    refuses(() => new EarlyStopping({ patience: 1.5 }), /patience must be an integer/);
    refuses(() => new EarlyStopping({ mode: 'maximum' } as never), /mode must be one of/);
    refuses(() => new ModelCheckpoint({ filepath: 5 } as never), /filepath must be a non-empty string/);
    refuses(() => new ModelCheckpoint(undefined as never), /filepath is required/);
  });
});

describeEachBackend('fit() and evaluate() options', () => {
  it("refuses unknown options with the nearest name ('epoch' → 'epochs')", async () => {
    const model = smallModel(1, 'sigmoid');
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const y = [[0], [1], [1], [0]];
    await refusesAsync(
      () => model.fit(x, y, { epoch: 2 } as never),
      /^fit\(\): unknown option 'epoch' — did you mean 'epochs'\?$/,
    );
    await refusesAsync(() => model.fit(x, y, { batch_size: 2 } as never), /did you mean 'batchSize'/);
    await refusesAsync(() => model.fit(x, y, { epochs: 0 }), /epochs must be/);
    await refusesAsync(() => model.fit(x, y, { verbose: 2 } as never), /verbose must be 0/);
    await refusesAsync(() => model.fit(x, y, { validationSplit: 1 }), /validationSplit/);
    await refusesAsync(
      () => model.fit(x, y, { callbacks: [{ onEpochend() {} }] } as never),
      /did you mean 'onEpochEnd'/,
    );
    await refusesAsync(() => model.fit(x, y, { callbacks: [null] } as never), /callbacks\[0\]/);
    refuses(
      () => model.evaluate(x, y, { batch: 2 } as never),
      /evaluate\(\): unknown option 'batch' — did you mean 'batchSize'\?/,
    );
    refuses(() => model.predict(x, { batchSize: -1 }), /predict\(\): batchSize/);
  });

  it('refuses Keras spellings and bad class/sample weights by name instead of ignoring them', async () => {
    const model = smallModel(1, 'sigmoid');
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const y = [[0], [1], [1], [0]];
    await refusesAsync(
      () => model.fit(x, y, { class_weight: { 0: 1, 1: 5 } } as never),
      /class_weight' is not supported.*classWeight/,
    );
    await refusesAsync(
      () => model.fit(x, y, { sample_weight: [1, 1, 1, 1] } as never),
      /sample_weight' is not supported.*sampleWeight/,
    );
    await refusesAsync(
      () => model.fit(x, y, { classWeight: { 0: 1 }, verbose: 0 }),
      /classWeight has no weight for class 1/,
    );
    await refusesAsync(
      () => model.fit(x, y, { sampleWeight: [1, 1, -1, 1], verbose: 0 }),
      /sampleWeight\[2\].* is -1/,
    );
    await assert.rejects(
      () => model.fit(x, y, { sampleWeight: [1, 1, 1], verbose: 0 }),
      (e: Error) =>
        e.name === 'ShapeError' && /sampleWeight .* one weight per sample \(\[4\]\)/.test(e.message),
    );
  });

  it('refuses targets outside the loss domain before training, naming the loss, value and position', async () => {
    const binary = smallModel(1, 'sigmoid');
    binary.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const before = binary.getWeights().map((w) => Array.from(w.dataSync()));
    await refusesAsync(
      () => binary.fit(x, [[0], [1], [2], [0]], { verbose: 0 }),
      /fit\(\): y: binaryCrossentropy needs targets in \[0, 1\], but y has 2 at row 2, column 0/,
    );
    assert.deepEqual(
      binary.getWeights().map((w) => Array.from(w.dataSync())),
      before,
      'no step was taken',
    );
    refuses(
      () => binary.evaluate(x, [[0], [1], [-1], [0]]),
      /evaluate\(\): y: binaryCrossentropy .* -1 at row 2/,
    );

    const categorical = smallModel(3, 'softmax');
    categorical.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const oneHot = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ];
    await refusesAsync(
      () => categorical.fit(x, oneHot, { verbose: 0 }),
      /categoricalCrossentropy .* row 2 of y sums to 2/,
    );
    await refusesAsync(
      () =>
        categorical.fit(x.slice(0, 2), oneHot.slice(0, 2), {
          verbose: 0,
          validationData: [
            x.slice(0, 2),
            [
              [1, 0, 0],
              [0, 3, 0],
            ],
          ],
        }),
      /validationData y: categoricalCrossentropy .* 3 at row 1, column 1/,
    );

    const sparse = smallModel(3, 'softmax');
    sparse.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    await refusesAsync(
      () => sparse.fit(x, [0, 1, 3, 2], { verbose: 0 }),
      /sparseCategoricalCrossentropy needs integer class labels in \[0, 3\), but y has 3 at row 2/,
    );
    await refusesAsync(() => sparse.fit(x, [0, 1, 1.5, 2], { verbose: 0 }), /1\.5 at row 2/);
    // In-domain targets still train.
    const history = await sparse.fit(x, [0, 1, 2, 2], { verbose: 0, epochs: 2 });
    assert.ok(history.history.loss!.every(Number.isFinite));
    assert.ok(Number.isFinite(sparse.evaluate(tensor(x), tensor([0, 1, 2, 2])).loss));
  });
});

/**
 * backprop — the browser-safe entry point. Nothing imported from here touches Node-only APIs.
 */

// The ts and wasm backends, registered before anything can ask for one.
import './backend/defaults.js';

// Autograd
export type { BackwardOptions } from './autograd/backward.js';
export {
  type GradientsOptions,
  grad,
  gradients,
  grads,
  type TensorFunction,
  valueAndGrad,
  valueAndGrads,
} from './autograd/functional.js';
export { enableGrad, isGradEnabled, noGrad } from './autograd/grad-mode.js';
export {
  type GradcheckOptions,
  type GradcheckResult,
  type GradcheckWorst,
  type GradgradcheckOptions,
  gradcheck,
  gradgradcheck,
} from './autograd/gradcheck.js';
export { type BackwardRule, type GraphNode, record } from './autograd/graph.js';
// Backends
export type {
  ArgReduceOp,
  Backend,
  BackendWithFusedKernels,
  BinaryOp,
  FusedKernel,
  MatmulSpec,
  ReduceOp,
  Storage,
  UnaryOp,
} from './backend/backend.js';
export {
  backendByName,
  getBackend,
  listBackends,
  type RegisterBackendOptions,
  registerBackend,
  registerLazyBackend,
  setBackend,
} from './backend/registry.js';
export {
  chooseWasmSimd,
  createWasmBackend,
  type GemmJob,
  type GemmPool,
  type GemmPoolFactory,
  setGemmPoolFactory,
  setSkipZeros,
  type ThreadStats,
  threadStats,
  type WasmBackend,
  type WasmBackendOptions,
  type WasmSimd,
  type WasmSimdOption,
  wasmSimdSupported,
} from './backend/wasm/index.js';
export { webWorkerGemmPool, webWorkersAvailable } from './backend/wasm/web-workers.js';
// The training engine shared by every model; data that does not fit in memory
export { Dataset } from './data/dataset.js';
// Data: formats, MNIST, encoders, scalers, split, augmentation
export * from './data/index.js';
export { ArgumentError, GraphError, ModelFormatError, ShapeError, TrainingError } from './errors.js';
// Keras topologies and the TF.js Layers format
export { modelFromKeras } from './interop/keras/from-keras.js';
export { fromKeras, fromKerasH5, type KerasFileOptions } from './interop/keras/keras-file/keras-file.js';
export { toKeras } from './interop/keras/keras-file/keras-write.js';
export type {
  KerasLayerJson,
  KerasModelJson,
  KerasWeight,
  KerasWeights,
  PendingKerasWeight,
  PendingKerasWeights,
} from './interop/keras/keras-types.js';
export { fromTfjs } from './interop/keras/tfjs/from-tfjs.js';
export type { TfjsManifestGroup, TfjsModelJson, TfjsWeightSpec } from './interop/keras/tfjs/tfjs-types.js';
export { toTfjs } from './interop/keras/tfjs/to-tfjs.js';
export { kerasModelJson, kerasWeights } from './interop/keras/to-keras.js';
export { ONNX_IR_VERSION, ONNX_OPSET, type OnnxExportOptions, toOnnx } from './interop/onnx/export.js';
export {
  EXPORTABLE_LAYERS as ONNX_EXPORTABLE_LAYERS,
  REFUSED_LAYERS as ONNX_REFUSED_LAYERS,
} from './interop/onnx/export-layers.js';
export { type FromOnnxOptions, fromOnnx } from './interop/onnx/import/from-onnx.js';
export { OnnxGraph } from './interop/onnx/import/onnx-graph-layer.js';
// Losses, metrics
export * as losses from './losses/index.js';
export {
  getLoss,
  type Loss,
  type LossAlias,
  type LossFunction,
  type LossLike,
  type LossName,
  type LossOptions,
} from './losses/index.js';
export * as metrics from './metrics/accuracy.js';
export {
  getMetric,
  type Metric,
  type MetricAlias,
  type MetricFn,
  type MetricLike,
  type MetricName,
  type MetricState,
} from './metrics/accuracy.js';
export {
  accuracyFromConfusion,
  type ClassReport,
  classificationReport,
  confusionMatrix,
  formatClassificationReport,
  formatConfusionMatrix,
  toLabels,
} from './metrics/classification.js';
export {
  type FeatureRows,
  type FeatureStatistics,
  featureStatistics,
  frechetDistance,
  frechetDistanceFromStatistics,
  type InceptionScore,
  inceptionScore,
} from './metrics/generative.js';
export { type SymmetricEigen, symmetricEigen } from './metrics/symmetric-eigen.js';
export type { ModelArtifacts, ModelJson } from './model/artifacts.js';
export {
  BackupAndRestore,
  type BackupAndRestoreOptions,
  backupAndRestore,
} from './model/backup-and-restore.js';
// Models
export {
  type Callback,
  type CallbackModel,
  type CallbackOptimizer,
  EarlyStopping,
  type EarlyStoppingOptions,
  type EpochSchedule,
  earlyStopping,
  LearningRateScheduler,
  type Logs,
  learningRateScheduler,
  ModelCheckpoint,
  type ModelCheckpointOptions,
  modelCheckpoint,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  reduceLROnPlateau,
  TerminateOnNaN,
  type TrainingParams,
  terminateOnNaN,
} from './model/callbacks.js';
export type { Compiled, PerOutput } from './model/engine/compile.js';
export type { EngineModel, SampleShape } from './model/engine/contract.js';
export type { EvaluateArgs } from './model/engine/evaluate.js';
export type { DataInput } from './model/engine/inputs.js';
export type { ClassWeight } from './model/engine/sample-weights.js';
export { stepScope } from './model/engine/step-scope.js';
// The functional API: input(), layers called on symbolic tensors, Model
export type { GraphConfig, GraphLayerSpec, TensorRef } from './model/functional/graph-config.js';
export { InputLayer, type InputLayerConfig, type InputOptions, input } from './model/functional/input.js';
export { Model, type ModelArgs } from './model/functional/model.js';
export {
  type DcganOptions,
  dcganDiscriminator,
  dcganGenerator,
  GAN,
  type GANConfig,
  type GANFitArgs,
  type GANStepLogs,
} from './model/gan/index.js';
export { History } from './model/history.js';
export { type IOHandler, type IORouter, registerIORouter } from './model/io.js';
export { ProgressLogger } from './model/progress.js';
export { DBN, type DBNConfig, type ToSequentialOptions } from './model/rbm/dbn.js';
export { RBM, type RBMConfig, type RBMJson, type VisibleType } from './model/rbm/rbm.js';
export {
  type CDState,
  type CDStats,
  contrastiveDivergence,
  type EpochValue,
  type RBMEpochLogs,
  type RBMFitOptions,
  type RBMHistory,
} from './model/rbm/rbm-fit.js';
export {
  type BatchArgs,
  type CompileArgs,
  type FitArgs,
  Sequential,
  type SequentialConfig,
} from './model/sequential.js';
export {
  type LoadModelOptions,
  loadModel,
  loadModelArtifacts,
  modelFromArtifacts,
  type SavedModel,
  saveModel,
  type ToArtifactsOptions,
} from './model/serialization.js';
export type { FitProgress, SerializedTrainingState } from './model/training-state.js';
export {
  bernoulliNegLogLikelihood,
  type DenseVAEOptions,
  denseVAE,
  type ElboResult,
  type LogLikelihoodOptions,
  logMeanExp,
  meanOfOutput,
  VAE,
  type VAEConfig,
} from './model/vae/index.js';
// Layers
export { Activation, type ActivationConfig } from './nn/activation.js';
export { type ActivationLike, type ActivationName, getActivation } from './nn/activations.js';
export { BatchNormalization, type BatchNormalizationConfig } from './nn/batch-norm.js';
export { Conv1D, type Conv1DConfig, type Conv1DPadding } from './nn/conv1d.js';
export { Conv2D, type Conv2DConfig } from './nn/conv2d.js';
export { Conv2DTranspose, type Conv2DTransposeConfig } from './nn/conv2d-transpose.js';
export { Dense, type DenseConfig } from './nn/dense.js';
export { DepthwiseConv2D, type DepthwiseConv2DConfig } from './nn/depthwise-conv2d.js';
export { Dropout, type DropoutConfig } from './nn/dropout.js';
export { Embedding, type EmbeddingConfig } from './nn/embedding.js';
export { Flatten } from './nn/flatten.js';
export { GaussianKL, gaussianKL } from './nn/gaussian-kl.js';
export {
  GaussianDropout,
  type GaussianDropoutConfig,
  GaussianNoise,
  type GaussianNoiseConfig,
} from './nn/gaussian-noise.js';
export type {
  Initializer,
  InitializerAlias,
  InitializerLike,
  InitializerName,
  InitializerSpec,
} from './nn/initializers.js';
export * as initializers from './nn/initializers.js';
export { type CallOptions, Layer, type LayerConfig, type NamedWeight } from './nn/layer.js';
export { LayerNormalization, type LayerNormalizationConfig } from './nn/layer-norm.js';
export { LeakyReLU, type LeakyReLUConfig } from './nn/leaky-relu.js';
export { Masking, type MaskingConfig } from './nn/masking.js';
export {
  Add,
  Average,
  Concatenate,
  type ConcatenateConfig,
  ElementwiseMerge,
  type MaskMerge,
  Maximum,
  Merge,
  type MergeConfig,
  Minimum,
  Multiply,
  Subtract,
} from './nn/merge/index.js';
export {
  type InputShapes,
  type Mask,
  type MaskedOutputs,
  Module,
  type ModuleConfig,
} from './nn/module.js';
export {
  AveragePooling2D,
  GlobalAveragePooling2D,
  MaxPooling2D,
  type Pooling2DConfig,
} from './nn/pooling.js';
export {
  GRU,
  GRUCell,
  type GRUCellConfig,
  type GRUConfig,
  LSTM,
  LSTMCell,
  type LSTMCellConfig,
  type LSTMConfig,
  type RecurrentCell,
  RecurrentCellBase,
  type RecurrentCellConfig,
  RNN,
  type RNNConfig,
  type RNNOptions,
  type SequenceResult,
  SimpleRNN,
  SimpleRNNCell,
  type SimpleRNNCellConfig,
  type SimpleRNNConfig,
} from './nn/recurrent/index.js';
export { registerClass, registerLayer } from './nn/registry.js';
export { l1, l1l2, l2, type Regularizer } from './nn/regularizers.js';
export { Reshape, type ReshapeConfig } from './nn/reshape.js';
export { reparameterize, Sampling, type SamplingConfig } from './nn/sampling.js';
export { SeparableConv2D, type SeparableConv2DConfig } from './nn/separable-conv2d.js';
export { type SymbolicShape, SymbolicTensor } from './nn/symbolic-tensor.js';
export { type Interpolation, UpSampling2D, type UpSampling2DConfig } from './nn/up-sampling.js';
export {
  Bidirectional,
  type BidirectionalConfig,
  type MergeMode,
} from './nn/wrappers/bidirectional.js';
export type { LayerSpec } from './nn/wrappers/layer-spec.js';
export { TimeDistributed, type TimeDistributedConfig } from './nn/wrappers/time-distributed.js';
export { ZeroPadding2D, type ZeroPadding2DConfig, type ZeroPadding2DPadding } from './nn/zero-padding.js';
// Ops as functions (each is also a Tensor method)
export { elu, leakyRelu, relu, sigmoid, softplus, tanh } from './ops/activations.js';
export {
  avgPool2d,
  type Conv2dOptions,
  type Conv2dTransposeOptions,
  conv2d,
  conv2dTranspose,
  depthwiseConv2d,
  maxPool2d,
  type Padding,
  type Pool2dOptions,
} from './ops/conv.js';
export { type CumsumOptions, cumsum } from './ops/cumsum.js';
export { einsum } from './ops/einsum.js';
export { add, div, eq, ge, gt, le, lt, maximum, minimum, mul, pow, sub } from './ops/elementwise.js';
export { exp2, expm1, log1p, log2 } from './ops/exp-log.js';
export { gather, scatterAdd } from './ops/indexing.js';
export {
  broadcastTo,
  clone,
  concat,
  expandDims,
  flatten,
  permute,
  reshape,
  squeeze,
  stack,
  transpose,
} from './ops/layout.js';
export { abs, clip, exp, log, neg, sign, sqrt, square } from './ops/math.js';
export { matmul, matmulTransposed } from './ops/matmul.js';
export { std, variance } from './ops/moments.js';
export { type OneHotOptions, oneHot } from './ops/one-hot.js';
export { pad } from './ops/pad.js';
export { reciprocal, rsqrt } from './ops/reciprocals.js';
export { argmax, argmin, max, mean, min, sum, sumTo } from './ops/reduce.js';
export { type GruSequenceOptions, type GruSequenceResult, gruSequence } from './ops/rnn/gru-sequence.js';
export {
  type LstmSequenceOptions,
  type LstmSequenceResult,
  lstmSequence,
} from './ops/rnn/lstm-sequence.js';
export { ceil, floor, round } from './ops/rounding.js';
export { slice, sliceAxis } from './ops/slice.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { type SortOptions, type SortResult, sort, type TopkOptions, topk } from './ops/sort.js';
export { erf } from './ops/special.js';
export { chunk, split, unstack } from './ops/split.js';
export { repeat, tile } from './ops/tile.js';
export { cos, sin, tan } from './ops/trigonometry.js';
export {
  defineParametricUnary,
  defineUnary,
  type ScalarFunction,
  type UnaryDefinition,
  type UnaryDerivative,
} from './ops/unary.js';
export { where } from './ops/where.js';
// Optimisers
export {
  getOptimizer,
  type OptimizerClassName,
  type OptimizerLike,
  type OptimizerName,
  type OptimizerSpec,
} from './optim/index.js';
export { Optimizer, type OptimizerConfig, type OptimizerState } from './optim/optimizer.js';
export {
  Adagrad,
  type AdagradConfig,
  Adam,
  Adamax,
  type AdamaxConfig,
  type AdamConfig,
  AdamW,
  Nadam,
  type NadamConfig,
  RMSprop,
  type RMSpropConfig,
  SGD,
  type SGDConfig,
} from './optim/rules.js';
export { cosineDecay, exponentialDecay, type LearningRateSchedule, stepDecay } from './optim/schedules.js';
// Plots (Vega-Lite specs; render with vega-embed in a page, or savePlot in Node)
export {
  confusionMatrixChart,
  historyChart,
  imageGridChart,
  lineChart,
  scatterChart,
  type VegaLiteSpec,
} from './plot/specs.js';
// Random numbers
export { getRng, manualSeed, Rng, type RngState } from './random/rng.js';
// Tensors
export {
  arange,
  eye,
  full,
  ones,
  onesLike,
  type RandomOptions,
  rand,
  randn,
  type TensorData,
  type TensorOptions,
  tensor,
  zeros,
  zerosLike,
} from './tensor/create.js';
export { broadcastShapes, formatShape, type Shape, sizeOf } from './tensor/shape.js';
export { type IndexLike, type NestedArray, Tensor, type TensorLike } from './tensor/tensor.js';

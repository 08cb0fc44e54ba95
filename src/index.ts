/**
 * backprop — the browser-safe entry point. Nothing imported from here touches Node-only APIs.
 */

// The ts and wasm backends, registered before anything can ask for one.
import './backend/defaults.js';

// Autograd
export type { BackwardOptions } from './autograd/backward.js';
export { enableGrad, isGradEnabled, noGrad } from './autograd/grad-mode.js';
export {
  type GradcheckOptions,
  type GradcheckResult,
  type GradcheckWorst,
  gradcheck,
} from './autograd/gradcheck.js';
export { type BackwardRule, type GraphNode, record } from './autograd/graph.js';
// Backends
export type {
  ArgReduceOp,
  Backend,
  BinaryOp,
  MatmulSpec,
  ReduceOp,
  Storage,
  UnaryOp,
} from './backend/backend.js';
export {
  backendByName,
  getBackend,
  listBackends,
  registerBackend,
  registerLazyBackend,
  setBackend,
} from './backend/registry.js';
export {
  type GemmJob,
  type GemmPool,
  type GemmPoolFactory,
  setGemmPoolFactory,
  setSkipZeros,
  type ThreadStats,
  threadStats,
  wasmSimdSupported,
} from './backend/wasm/index.js';
export { webWorkerGemmPool, webWorkersAvailable } from './backend/wasm/web-workers.js';
// Data: formats, MNIST, encoders, scalers, split, augmentation
export * from './data/index.js';
export { ArgumentError, GraphError, ModelFormatError, ShapeError, TrainingError } from './errors.js';
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
  EarlyStopping,
  type EarlyStoppingOptions,
  earlyStopping,
  type Logs,
  ModelCheckpoint,
  type ModelCheckpointOptions,
  modelCheckpoint,
  type TrainingParams,
} from './model/callbacks.js';
export { History } from './model/history.js';
export { type IOHandler, type IORouter, registerIORouter } from './model/io.js';
export { ProgressLogger } from './model/progress.js';
export { type BatchArgs, type CompileArgs, type FitArgs, Sequential } from './model/sequential.js';
export {
  loadModel,
  loadModelArtifacts,
  modelFromArtifacts,
  saveModel,
  type ToArtifactsOptions,
} from './model/serialization.js';
export type { FitProgress, SerializedTrainingState } from './model/training-state.js';
// Layers
export { Activation, type ActivationConfig } from './nn/activation.js';
export { type ActivationLike, type ActivationName, getActivation } from './nn/activations.js';
export { BatchNormalization, type BatchNormalizationConfig } from './nn/batch-norm.js';
export { Conv2D, type Conv2DConfig } from './nn/conv2d.js';
export { Dense, type DenseConfig } from './nn/dense.js';
export { Dropout, type DropoutConfig } from './nn/dropout.js';
export { Flatten } from './nn/flatten.js';
export type {
  Initializer,
  InitializerAlias,
  InitializerLike,
  InitializerName,
  InitializerSpec,
} from './nn/initializers.js';
export * as initializers from './nn/initializers.js';
export { type CallOptions, Layer, type LayerConfig, type NamedWeight } from './nn/layer.js';
export {
  AveragePooling2D,
  GlobalAveragePooling2D,
  MaxPooling2D,
  type Pooling2DConfig,
} from './nn/pooling.js';
export { registerLayer } from './nn/registry.js';
export { l1, l1l2, l2, type Regularizer } from './nn/regularizers.js';
export { Reshape, type ReshapeConfig } from './nn/reshape.js';
// Ops as functions (each is also a Tensor method)
export { elu, leakyRelu, relu, sigmoid, softplus, tanh } from './ops/activations.js';
export {
  avgPool2d,
  type Conv2dOptions,
  conv2d,
  maxPool2d,
  type Padding,
  type Pool2dOptions,
} from './ops/conv.js';
export { add, div, eq, ge, gt, le, lt, maximum, minimum, mul, pow, sub } from './ops/elementwise.js';
export {
  broadcastTo,
  clone,
  concat,
  flatten,
  gather,
  permute,
  reshape,
  slice,
  stack,
  transpose,
} from './ops/layout.js';
export { abs, clip, exp, log, neg, sign, sqrt, square } from './ops/math.js';
export { matmul } from './ops/matmul.js';
export { argmax, argmin, max, mean, min, sum, sumTo } from './ops/reduce.js';
export { logSoftmax, softmax } from './ops/softmax.js';
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
  type AdamConfig,
  AdamW,
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

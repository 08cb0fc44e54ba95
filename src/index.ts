/**
 * backprop — the browser-safe entry point. Nothing imported from here touches Node-only APIs.
 */

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
export { getBackend, listBackends, registerBackend, setBackend } from './backend/registry.js';
export { ArgumentError, GraphError, ShapeError } from './errors.js';
// Ops as functions (each is also a Tensor method)
export { elu, leakyRelu, relu, sigmoid, softplus, tanh } from './ops/activations.js';
export { add, div, eq, ge, gt, le, lt, maximum, minimum, mul, pow, sub } from './ops/elementwise.js';
export { broadcastTo, clone, flatten, gather, permute, reshape, slice, transpose } from './ops/layout.js';
export { abs, clip, exp, log, neg, sign, sqrt, square } from './ops/math.js';
export { matmul } from './ops/matmul.js';
export { argmax, argmin, max, mean, min, sum, sumTo } from './ops/reduce.js';
export { logSoftmax, softmax } from './ops/softmax.js';
// Random numbers
export { getRng, manualSeed, Rng } from './random/rng.js';
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

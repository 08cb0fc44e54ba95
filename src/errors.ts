/**
 * Error types thrown by backprop. Each message names what was wrong (the op or layer, the shapes
 * involved) and, where there is one, what to do about it.
 */

/** Two shapes that an op cannot combine, or a shape that does not fit an op. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Misuse of the autograd graph: backward through a freed graph, a missing upstream gradient… */
export class GraphError extends Error {
  override name = 'GraphError';
}

/** A value that is out of range or of the wrong kind for an argument. */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

/** Training cannot go on: the loss turned NaN or infinite, or the data do not fit the model. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

/** A saved model that cannot be read: missing, truncated, corrupted, wrong version or wrong shape. */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

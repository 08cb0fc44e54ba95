/**
 * Every ONNX operator the importer knows, by op type: the general ones (import-core) and the
 * convolution, pooling, normalization, padding and recurrent ones (import-ops).
 */
import type { OperatorTable } from '../op-types.js';
import { activationOperators } from './activations.js';
import { broadcastOperators } from './broadcast.js';
import { convOperators } from './conv.js';
import { elementwiseOperators } from './elementwise.js';
import { matrixOperators } from './matrix.js';
import { miscOperators } from './misc.js';
import { moreActivationOperators } from './more-activations.js';
import { normalizationOperators } from './normalization.js';
import { padOperators } from './pad.js';
import { poolOperators } from './pool.js';
import { recurrentOperators } from './recurrent.js';
import { reduceOperators } from './reduce.js';
import { resizeOperators } from './resize.js';
import { selectScanOperators } from './select-scan.js';
import { shapeOperators } from './shape.js';
import { shapeOfOperators } from './shape-of.js';
import { sliceOperators } from './slice.js';

export const onnxOperators: OperatorTable = Object.freeze({
  ...elementwiseOperators,
  ...activationOperators,
  ...moreActivationOperators,
  ...broadcastOperators,
  ...matrixOperators,
  ...shapeOperators,
  ...shapeOfOperators,
  ...miscOperators,
  ...reduceOperators,
  ...sliceOperators,
  ...resizeOperators,
  ...convOperators,
  ...poolOperators,
  ...normalizationOperators,
  ...padOperators,
  ...recurrentOperators,
  ...selectScanOperators,
});

/** The supported op types, sorted (for error messages and the docs). */
export function supportedOperators(): string[] {
  return Object.keys(onnxOperators).sort();
}

export { Concatenate, type ConcatenateConfig } from './concatenate.js';
export { Add, Average, Maximum, Minimum, Multiply, Subtract } from './elementwise.js';
export { ElementwiseMerge, type MaskMerge, Merge, type MergeConfig } from './merge.js';

/**
 * Every optimiser, one file each: its hyper-parameters (defaults follow Keras), its update written
 * once with tensor ops, and the fused backend kernel it can use as a fast path (see optimizer.ts).
 */
export { Adagrad, type AdagradConfig } from './adagrad.js';
export { Adam, type AdamConfig, AdamW } from './adam.js';
export { Adamax, type AdamaxConfig } from './adamax.js';
export { Nadam, type NadamConfig } from './nadam.js';
export { OPTIMIZER_OPTIONS } from './option-checks.js';
export { RMSprop, type RMSpropConfig } from './rmsprop.js';
export { SGD, type SGDConfig } from './sgd.js';

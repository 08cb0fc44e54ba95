/** The training engine: every model's fit, evaluate, predict and *OnBatch, written once. */

export { restoreTraining, trainingArtifacts } from './checkpoint.js';
export { type CompileArgs, type Compiled, resolveCompile } from './compile.js';
export type { EngineModel, SampleShape } from './contract.js';
export { evaluate, evaluateDataset, predict, testOnBatch, trainOnBatch } from './evaluate.js';
export { checkPredictions } from './finite-inputs.js';
export { fit } from './fit.js';
export { stepScope } from './step-scope.js';

/**
 * What the training engine needs of a model. Sequential and the functional Model both provide it,
 * so fit, evaluate, predict and the *OnBatch methods are written once (src/model/engine/) for any
 * number of inputs and outputs: the engine sees lists of tensors in input/output order, never a
 * model's layer structure, except the list of layers whose generators a checkpoint records.
 */
import type { Module, NamedWeight } from '../../nn/module.js';
import type { Optimizer } from '../../optim/optimizer.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ModelArtifacts, TrainingStateArtifacts } from '../artifacts.js';
import type { CallbackModel } from '../callbacks.js';
import type { Compiled } from './compile.js';

/** A sample shape (no batch axis); null marks a dimension not known until data arrives. */
export type SampleShape = readonly (number | null)[];

export interface EngineModel extends CallbackModel {
  readonly name: string;
  stopTraining: boolean;
  optimizer: Optimizer | null;
  /** What compile() resolved (losses, weights and metrics per output), null before compile(). */
  compiled: Compiled | null;

  /** Names of the inputs and of the outputs, in order: keys for data given as objects, log prefixes. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** True once every weight exists. */
  readonly built: boolean;
  /** Create the weights for samples of these shapes (one per input, no batch axis). */
  buildFromSampleShapes(shapes: readonly (readonly number[])[]): void;
  /** The sample shape of each output (known once built). */
  outputSampleShapes(): readonly SampleShape[];
  /**
   * The forward pass on one tensor per input, giving one per output. Records the graph unless
   * called inside noGrad. `logits[i]` leaves output i's final activation off (the engine fuses it
   * into the loss).
   */
  forwardAll(
    inputs: readonly Tensor[],
    options: { training: boolean; logits?: readonly boolean[] },
  ): Tensor[];
  /**
   * forwardAll with each output's mask ([batch, time], from Embedding({ maskZero }) or Masking;
   * null where none): a masked sequence output's loss and metrics average over its real steps.
   * Optional: a model without it has no masks.
   */
  forwardWithMasks?(
    inputs: readonly Tensor[],
    options: { training: boolean; logits?: readonly boolean[] },
  ): { outputs: Tensor[]; masks: (Tensor | null)[] };
  /** The final activation of each output ('softmax', 'sigmoid', 'linear'…), for loss fusion. */
  outputActivations(): readonly string[];

  /** The layers, in a stable order (checkpoints record each one's own generators in it). */
  readonly layers: readonly Module[];
  readonly weights: NamedWeight[];
  readonly trainableWeights: Tensor[];
  /** Sum of every weight penalty (recursing into nested models), null when there is none. */
  regularizationLoss(): Tensor | null;

  /** The model as JSON + weights, with a training state when given (checkpoints). */
  toArtifacts(extra?: { trainingState?: TrainingStateArtifacts }): ModelArtifacts;
  /** The architecture with layer names left out: a checkpoint must match it to be resumed. */
  architectureSignature(): string;
}

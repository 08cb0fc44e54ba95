/**
 * TimeDistributed (Keras' TimeDistributed): one layer applied to every step of a sequence, with
 * the same weights at each step. The steps are folded into the batch ([batch, time, …] →
 * [batch·time, …]), the layer runs once on all of them, and the result is unfolded again — one
 * call, not one per step. A mask passes through unchanged (each step is computed alone).
 *
 *   new TimeDistributed({ layer: new Dense({ units: 10, activation: 'softmax' }) })
 */

import { ArgumentError, ShapeError } from '../../errors.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerConfig } from '../layer.js';
import { type LayerSpec, layerOf } from './layer-spec.js';

export interface TimeDistributedConfig extends LayerConfig {
  /** The layer applied at each step (it sees one step's shape, without the time axis). */
  layer: LayerSpec;
}

export class TimeDistributed extends Layer {
  readonly layer: Layer;

  constructor(config: TimeDistributedConfig) {
    // An input shape declared on the wrapped layer is one step's; the wrapper's has the time axis.
    // Wrapping a shape-declaring first layer therefore needs the wrapper's own inputShape.
    super(config, 'time_distributed', ['layer']);
    if (config.layer === undefined) {
      throw new ArgumentError(`${this.component}: give the layer to apply at each step: { layer }`);
    }
    this.layer = this.addModule(layerOf(this.component, 'layer', config.layer));
    if (!this.trainable) this.trainable = false;
  }

  get className(): string {
    return 'TimeDistributed';
  }

  protected override checkFirstBuild(inputShape: Shape): void {
    super.checkFirstBuild(inputShape);
    if (inputShape.length < 1) {
      throw new ShapeError(`${this.component} needs inputs of shape [batch, time, …], got [batch]`);
    }
  }

  protected override build(inputShape: Shape): void {
    this.layer.ensureBuilt(inputShape.slice(1));
  }

  computeOutputShape(inputShape: Shape): Shape {
    const step = this.layer.computeOutputShape(inputShape.slice(1));
    if (step.length > 0 && Array.isArray(step[0])) {
      throw new ArgumentError(`${this.component}: the wrapped layer must give one output, not a list`);
    }
    return [inputShape[0]!, ...step];
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    const [batch, time] = x.shape as [number, number];
    const steps = x.reshape([batch * time, ...x.shape.slice(2)]);
    // The mask is [batch, time]; the wrapped layer sees single steps, which have none.
    const y = this.layer.apply(steps, {
      training: options.training,
      ...(options.skipActivation !== undefined && { skipActivation: options.skipActivation }),
    });
    if (Array.isArray(y)) {
      throw new ArgumentError(`${this.component}: the wrapped layer must give one output, not a list`);
    }
    return y.reshape([batch, time, ...y.shape.slice(1)]);
  }

  /** Its final activation is the wrapped layer's (a softmax over classes at each step fuses into the loss). */
  override get outputActivation(): string {
    return this.layer.outputActivation;
  }

  override get supportsMasking(): boolean {
    return true;
  }

  protected layerConfig(): Record<string, unknown> {
    const { inputShape: _step, ...config } = this.layer.getConfig().config;
    void _step;
    return { layer: { className: this.layer.className, config } };
  }
}

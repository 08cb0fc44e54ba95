/** Dense (fully connected): y = activation(x·W + b), W of shape [inputFeatures, units]. */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { numberOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { isFusable } from '../ops/bias-activation.js';
import { denseForward } from '../ops/dense-forward.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { KERNEL_LAYER_OPTIONS, KernelLayer, type KernelLayerConfig } from './kernel-layer.js';
import { type CallOptions, SIZE } from './layer.js';

export interface DenseConfig extends KernelLayerConfig {
  units: number;
}

export class Dense extends KernelLayer {
  readonly units: number;

  constructor(config: DenseConfig) {
    super(config, 'dense', ['units', ...KERNEL_LAYER_OPTIONS]);
    this.units = numberOption(this.component, 'units', config.units, SIZE);
  }

  get className(): string {
    return 'Dense';
  }

  /** A mask passes through: the layer acts on each step alone, so padded steps stay padded. */
  override get supportsMasking(): boolean {
    return true;
  }

  protected override build(inputShape: Shape): void {
    const features = inputShape[inputShape.length - 1];
    if (features === undefined) throw new ArgumentError(`Dense '${this.name}': input needs a feature axis`);
    this.addKernelAndBias([features, this.units], this.units);
  }

  override weightShapes(inputShape: Shape): [string, number[]][] {
    const features = inputShape[inputShape.length - 1];
    if (features === undefined) throw new ArgumentError(`Dense '${this.name}': input needs a feature axis`);
    return [
      ['kernel', [features, this.units]],
      ...(this.useBias ? [['bias', [this.units]] as [string, number[]]] : []),
    ];
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape.slice(0, -1), this.units];
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    const activation = options.skipActivation ? 'linear' : this.activation;
    // Without a gradient (predict, evaluate) the product, bias and activation are one backend call.
    if (
      this.useBias &&
      x.ndim === 2 &&
      !isGradEnabled() &&
      (isFusable(activation) || activation === 'softmax')
    )
      return denseForward(x, this.getWeight('kernel'), this.getWeight('bias'), activation);
    return this.finish(x.matmul(this.getWeight('kernel')), options);
  }

  protected layerConfig(): Record<string, unknown> {
    return { units: this.units, ...this.kernelConfig() };
  }
}

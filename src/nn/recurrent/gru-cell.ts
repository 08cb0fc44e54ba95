/**
 * GRUCell (Cho et al., 2014), Keras' equations and weight layout — gates in the order z (update),
 * r (reset), h (candidate) along the last axis of kernel [features, 3·units] and
 * recurrent_kernel [units, 3·units]:
 *
 *   resetAfter true (default, Keras 2 / TF2 and cuDNN): bias [2, 3·units] (input bias, recurrent bias)
 *     x·W + b₀ → x_z, x_r, x_h        h₋₁·U + b₁ → u_z, u_r, u_h
 *     z = σ(x_z + u_z)   r = σ(x_r + u_r)   ĥ = tanh(x_h + r ⊙ u_h)
 *   resetAfter false (Keras 1, the original paper): bias [3·units]
 *     z = σ(x_z + h₋₁·U_z)   r = σ(x_r + h₋₁·U_r)   ĥ = tanh(x_h + (r ⊙ h₋₁)·U_h)
 *   both: h = z ⊙ h₋₁ + (1 − z) ⊙ ĥ                 output h; state [h]
 */
import { booleanOption } from '../../config/options.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ActivationLike } from '../activations.js';
import { getActivation } from '../activations.js';
import type { CallOptions } from '../module.js';
import { CELL_OPTIONS, gateActivation, RecurrentCellBase, type RecurrentCellConfig } from './cell.js';

export interface GRUCellConfig extends RecurrentCellConfig {
  /** The gates' activation; default 'sigmoid'. */
  recurrentActivation?: ActivationLike;
  /** Apply the reset gate after the recurrent product (two biases); default true, as Keras 2. */
  resetAfter?: boolean;
}

export const GRU_CELL_OPTIONS = [...CELL_OPTIONS, 'recurrentActivation', 'resetAfter'] as const;

export class GRUCell extends RecurrentCellBase {
  readonly recurrentActivation: string;
  readonly resetAfter: boolean;
  private readonly gate: (x: Tensor) => Tensor;

  constructor(config: GRUCellConfig) {
    super(config, 'gru_cell', GRU_CELL_OPTIONS);
    this.recurrentActivation = gateActivation(this.component, config.recurrentActivation, 'sigmoid');
    this.gate = getActivation(this.recurrentActivation);
    this.resetAfter = booleanOption(this.component, 'resetAfter', config.resetAfter, true);
  }

  get className(): string {
    return 'GRUCell';
  }

  protected get gates(): number {
    return 3;
  }

  get stateSize(): number {
    return this.units;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  /** resetAfter: the bias's first row goes with x·W, the second with h·U. */
  protected override inputBias(): Tensor | null {
    if (!this.useBias) return null;
    const bias = this.getWeight('bias');
    return this.resetAfter ? bias.sliceAxis(0, 0, 1).reshape([3 * this.units]) : bias;
  }

  stepProjected(projected: Tensor, [h]: Tensor[], options: CallOptions): [Tensor, Tensor[]] {
    const u = this.units;
    const hPrev = h!;
    const [xz, xr, xh] = projected.split(3, projected.ndim - 1);
    let candidate: Tensor;
    let z: Tensor;
    if (this.resetAfter) {
      let fromH = this.recurrentProduct(hPrev, options);
      if (this.useBias)
        fromH = fromH.add(
          this.getWeight('bias')
            .sliceAxis(0, 1, 2)
            .reshape([3 * u]),
        );
      const [hz, hr, hh] = fromH.split(3, 1);
      z = this.gate(xz!.add(hz!));
      const r = this.gate(xr!.add(hr!));
      candidate = this.activate(xh!.add(r.mul(hh!)));
    } else {
      const recurrent = this.getWeight('recurrent_kernel');
      const hd = this.dropRecurrent(hPrev, options);
      const [hz, hr] = hd.matmul(recurrent.sliceAxis(1, 0, 2 * u)).split(2, 1);
      z = this.gate(xz!.add(hz!));
      const r = this.gate(xr!.add(hr!));
      candidate = this.activate(xh!.add(r.mul(hd).matmul(recurrent.sliceAxis(1, 2 * u, 3 * u))));
    }
    // h = z·h₋₁ + (1 − z)·ĥ = ĥ + z·(h₋₁ − ĥ)
    const next = candidate.add(z.mul(hPrev.sub(candidate)));
    return [next, [next]];
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      ...this.cellConfig(),
      recurrentActivation: this.recurrentActivation,
      resetAfter: this.resetAfter,
    };
  }
}

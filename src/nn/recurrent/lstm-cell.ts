/**
 * LSTMCell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), Keras'
 * equations and weight layout — the four gates stacked in the order i, f, c, o along the last axis
 * of kernel [features, 4·units], recurrent_kernel [units, 4·units] and bias [4·units]:
 *
 *   z = x·W + h₋₁·U + b,  split into z_i, z_f, z_c, z_o
 *   i = σ(z_i)   f = σ(z_f)   o = σ(z_o)          (σ: recurrentActivation, default sigmoid)
 *   c = f ⊙ c₋₁ + i ⊙ tanh(z_c)                     (tanh: activation)
 *   h = o ⊙ tanh(c)                                 output h; states [h, c]
 *
 * `unitForgetBias` (default true, as Keras) starts the forget gate's bias at 1 so the cell keeps
 * its memory early in training (Jozefowicz et al., 2015).
 */
import { booleanOption } from '../../config/options.js';
import { concat } from '../../ops/layout.js';
import { ones } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ActivationLike } from '../activations.js';
import { getActivation } from '../activations.js';
import type { Initializer } from '../initializers.js';
import type { CallOptions } from '../module.js';
import { CELL_OPTIONS, gateActivation, RecurrentCellBase, type RecurrentCellConfig } from './cell.js';

export interface LSTMCellConfig extends RecurrentCellConfig {
  /** The gates' activation; default 'sigmoid'. */
  recurrentActivation?: ActivationLike;
  /** Start the forget gate's bias at 1 (the others from biasInitializer); default true. */
  unitForgetBias?: boolean;
}

export const LSTM_CELL_OPTIONS = [...CELL_OPTIONS, 'recurrentActivation', 'unitForgetBias'] as const;

export class LSTMCell extends RecurrentCellBase {
  readonly recurrentActivation: string;
  readonly unitForgetBias: boolean;
  private readonly gate: (x: Tensor) => Tensor;

  constructor(config: LSTMCellConfig) {
    super(config, 'lstm_cell', LSTM_CELL_OPTIONS);
    this.recurrentActivation = gateActivation(this.component, config.recurrentActivation, 'sigmoid');
    this.gate = getActivation(this.recurrentActivation);
    this.unitForgetBias = booleanOption(this.component, 'unitForgetBias', config.unitForgetBias, true);
  }

  get className(): string {
    return 'LSTMCell';
  }

  protected get gates(): number {
    return 4;
  }

  get stateSize(): number[] {
    return [this.units, this.units];
  }

  protected override biasInitializer(): Initializer {
    const base = this.biasSpec.initializer;
    if (!this.unitForgetBias) return base;
    const u = this.units;
    // Keras: concat(init([u]), ones([u]), init([2u])).
    return {
      className: base.className,
      config: base.config,
      init: (_shape, rng) => concat([base.init([u], rng), ones([u]), base.init([2 * u], rng)], 0),
    };
  }

  stepProjected(projected: Tensor, [h, c]: Tensor[], options: CallOptions): [Tensor, Tensor[]] {
    const [zi, zf, zc, zo] = projected.add(this.recurrentProduct(h!, options)).split(4, 1);
    const i = this.gate(zi!);
    const f = this.gate(zf!);
    const o = this.gate(zo!);
    const nextC = f.mul(c!).add(i.mul(this.activate(zc!)));
    const nextH = o.mul(this.activate(nextC));
    return [nextH, [nextH, nextC]];
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      ...this.cellConfig(),
      recurrentActivation: this.recurrentActivation,
      unitForgetBias: this.unitForgetBias,
    };
  }
}

/** SimpleRNNCell (Elman): h = activation(x·W + b + h₋₁·U); the output is h. */
import type { Tensor } from '../../tensor/tensor.js';
import type { CallOptions } from '../module.js';
import { CELL_OPTIONS, RecurrentCellBase, type RecurrentCellConfig } from './cell.js';

export type SimpleRNNCellConfig = RecurrentCellConfig;

export class SimpleRNNCell extends RecurrentCellBase {
  constructor(config: SimpleRNNCellConfig) {
    super(config, 'simple_rnn_cell', CELL_OPTIONS);
  }

  get className(): string {
    return 'SimpleRNNCell';
  }

  protected get gates(): number {
    return 1;
  }

  get stateSize(): number {
    return this.units;
  }

  stepProjected(projected: Tensor, [h]: Tensor[], options: CallOptions): [Tensor, Tensor[]] {
    const next = this.activate(projected.add(this.recurrentProduct(h!, options)));
    return [next, [next]];
  }

  protected layerConfig(): Record<string, unknown> {
    return this.cellConfig();
  }
}

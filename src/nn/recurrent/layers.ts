/**
 * SimpleRNN, LSTM and GRU: an RNN whose cell is made from the layer's own options (Keras' layers
 * of those names). The weights are the cell's: `lstm/lstm_cell/kernel`, `…/recurrent_kernel`,
 * `…/bias` in Keras' order and layout, so a Keras or TF.js model's weights load unchanged;
 * `layer.getWeight('kernel')` reads them by their short names.
 */
import { describeValue, isOptionsObject, withContext } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import type { LayerConfig } from '../layer.js';
import { CELL_OPTIONS } from './cell.js';
import { GRU_CELL_OPTIONS, GRUCell, type GRUCellConfig } from './gru-cell.js';
import { LSTM_CELL_OPTIONS, LSTMCell, type LSTMCellConfig } from './lstm-cell.js';
import { RNN, RNN_OPTIONS, type RNNOptions } from './rnn.js';
import { SimpleRNNCell, type SimpleRNNCellConfig } from './simple-rnn-cell.js';

export interface SimpleRNNConfig
  extends Omit<SimpleRNNCellConfig, 'name' | 'trainable'>,
    LayerConfig,
    RNNOptions {}
export interface LSTMConfig extends Omit<LSTMCellConfig, 'name' | 'trainable'>, LayerConfig, RNNOptions {}
export interface GRUConfig extends Omit<GRUCellConfig, 'name' | 'trainable'>, LayerConfig, RNNOptions {}

/**
 * The layer's cell, made from the cell's options in the layer's config (the layer then checks all
 * the names); errors name the layer class first ("LSTM: LSTMCell 'lstm_cell': units must be …").
 */
function makeCell<C>(
  layerClass: string,
  config: unknown,
  names: readonly string[],
  cellName: string,
  make: (options: never) => C,
): C {
  if (!isOptionsObject(config)) {
    throw new ArgumentError(`${layerClass}: options must be an object, got ${describeValue(config)}`);
  }
  const options: Record<string, unknown> = { name: cellName };
  for (const n of names) if (config[n] !== undefined) options[n] = config[n];
  if (config.trainable !== undefined) options.trainable = config.trainable;
  return withContext(layerClass, () => make(options as never));
}

/**
 * The three built-in layers: one cell of theirs, whose options they take and save flat (Keras'
 * config), and `units`.
 */
abstract class BuiltinRecurrent extends RNN {
  declare readonly cell: SimpleRNNCell | LSTMCell | GRUCell;
  get units(): number {
    return this.cell.units;
  }
  protected override layerConfig(): Record<string, unknown> {
    return { ...cellConfigOf(this.cell), ...this.rnnConfig() };
  }
}

export class SimpleRNN extends BuiltinRecurrent {
  declare readonly cell: SimpleRNNCell;
  constructor(config: SimpleRNNConfig) {
    super(
      config,
      'simple_rnn',
      [...CELL_OPTIONS, ...RNN_OPTIONS],
      makeCell('SimpleRNN', config, CELL_OPTIONS, 'simple_rnn_cell', (o) => new SimpleRNNCell(o)),
    );
  }
  override get className(): string {
    return 'SimpleRNN';
  }
}

export class LSTM extends BuiltinRecurrent {
  declare readonly cell: LSTMCell;
  constructor(config: LSTMConfig) {
    super(
      config,
      'lstm',
      [...LSTM_CELL_OPTIONS, ...RNN_OPTIONS],
      makeCell('LSTM', config, LSTM_CELL_OPTIONS, 'lstm_cell', (o) => new LSTMCell(o)),
    );
  }
  override get className(): string {
    return 'LSTM';
  }
}

export class GRU extends BuiltinRecurrent {
  declare readonly cell: GRUCell;
  constructor(config: GRUConfig) {
    super(
      config,
      'gru',
      [...GRU_CELL_OPTIONS, ...RNN_OPTIONS],
      makeCell('GRU', config, GRU_CELL_OPTIONS, 'gru_cell', (o) => new GRUCell(o)),
    );
  }
  override get className(): string {
    return 'GRU';
  }
}

/** The cell's saved options, without its name and trainable flag (the layer's own). */
function cellConfigOf(cell: SimpleRNNCell | LSTMCell | GRUCell): Record<string, unknown> {
  const { name: _name, trainable: _trainable, ...rest } = cell.getConfig().config;
  return rest;
}

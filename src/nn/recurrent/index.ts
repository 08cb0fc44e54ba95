/** Recurrent layers and cells. */
export { type RecurrentCell, RecurrentCellBase, type RecurrentCellConfig } from './cell.js';
export { GRUCell, type GRUCellConfig } from './gru-cell.js';
export { GRU, type GRUConfig, LSTM, type LSTMConfig, SimpleRNN, type SimpleRNNConfig } from './layers.js';
export { LSTMCell, type LSTMCellConfig } from './lstm-cell.js';
export { RNN, type RNNConfig, type RNNOptions, type SequenceResult } from './rnn.js';
export { SimpleRNNCell, type SimpleRNNCellConfig } from './simple-rnn-cell.js';

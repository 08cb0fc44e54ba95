/** Data handling: formats (IDX, CSV), MNIST, encoders and scalers, splitting, augmentation. */
export { type Augmenter, type AugmentOptions, imageAugmenter } from './augment.js';
export { type ColumnProfile, type CsvOptions, CsvTable, CsvTableBuilder, parseCsv } from './csv.js';
export { CsvColumn, type TextCell } from './csv-column.js';
export { formatFloat32, parseDecimal } from './csv-number.js';
export { CsvRecordParser, type RecordSink } from './csv-stream.js';
export { detectDelimiter } from './delimiter.js';
export { type IdxArray, isGzip, parseIdx } from './idx.js';
export { median, mostFrequent } from './imputer.js';
export { type Mnist, type MnistIdx, type MnistOptions, type MnistSplit, mnistFromIdx } from './mnist.js';
export { LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler } from './preprocessing.js';
export { type SplitOptions, splitIndices, trainTestSplit } from './split.js';
export {
  CharTokenizer,
  type CharTokenizerConfig,
  KERAS_FILTERS,
  type PadSequencesOptions,
  padSequences,
  padSequencesData,
  Tokenizer,
  type TokenizerConfig,
  type TokenizerJson,
  tokenizerFromJSON,
  WordTokenizer,
  type WordTokenizerConfig,
} from './text/index.js';

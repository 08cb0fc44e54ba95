/** Data handling: formats (IDX, CSV), MNIST, encoders and scalers, splitting, augmentation. */
export { type Augmenter, type AugmentOptions, imageAugmenter } from './augment.js';
export { type CsvOptions, CsvTable, parseCsv } from './csv.js';
export { type IdxArray, isGzip, parseIdx } from './idx.js';
export { type Mnist, type MnistIdx, type MnistOptions, type MnistSplit, mnistFromIdx } from './mnist.js';
export { LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler } from './preprocessing.js';
export { type SplitOptions, trainTestSplit } from './split.js';

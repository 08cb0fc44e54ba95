/** Types of web-mnist-data.mjs, for web/vite.config.ts (which runs it when the data file is missing). */
export declare const TRAIN: number;
export declare const TEST: number;
export declare const DEFAULT_OUT: string;
/** Write the MNIST subset to `out` (default web/public/mnist-subset.bin) unless it exists; returns the path. */
export declare function makeMnistSubset(out?: string): string;

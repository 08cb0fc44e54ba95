// AssemblyScript: compiled to WebAssembly (SIMD) by scripts/build-wasm.mjs at install time.
// Pointers are byte offsets into the memory the JS side owns (imported memory); counts are elements.
export * from './matmul';
export * from './elementwise';
export * from './update';
export * from './layout';
export * from './window';
export * from './reduce';
export * from './softmax';
export * from './conv';
export * from './sparse';
export * from './rnn';

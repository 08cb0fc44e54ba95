/** Tiny argument helper for the examples: `--epochs 5` style overrides of the tutorial settings. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

/** Where plots go: examples/output/, or BACKPROP_EXAMPLES_OUT (the tests use a temporary folder). */
export const OUTPUT = process.env.BACKPROP_EXAMPLES_OUT
  ? `${process.env.BACKPROP_EXAMPLES_OUT.replace(/\/$/, '')}/`
  : new URL('./output/', import.meta.url).pathname;

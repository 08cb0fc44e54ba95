/**
 * The benchmark's timing rule, shared by both libraries' workers: the fastest of a few passes, in
 * seconds. A shared 2-core machine (or a phone) slows single runs at random; the minimum is the
 * repeatable number, and the same rule for both keeps the ratio fair.
 */
export const BENCHMARK_PASSES = 3;

export async function bestOf(passes: number, run: () => Promise<void>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < passes; i++) {
    const started = performance.now();
    await run();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
}

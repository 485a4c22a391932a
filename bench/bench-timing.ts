/** A call a benchmark times. */
export type BenchCall = () => Promise<unknown>;

/** The `p`th percentile (0-100) of `sorted` (ascending), nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `call` `count` times one after another; returns each call's duration in ms. */
export async function sequential(call: BenchCall, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return times;
}

/** Runs `call` `count` times from `callers` concurrent loops; returns calls per second. */
export async function throughput(call: BenchCall, count: number, callers: number): Promise<number> {
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (issued++ < count) await call();
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

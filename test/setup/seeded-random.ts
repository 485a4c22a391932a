/**
 * mulberry32: a tiny seeded PRNG, so a fuzz run is replayable from its seed. Returns numbers in [0, 1).
 *
 * @example
 * const next = seededRandom(20261123);
 * const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

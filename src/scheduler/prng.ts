/** A uniform number in [0, 1). The scheduler never calls Math.random: callers pass one of these in. */
export type Rng = () => number;

/**
 * mulberry32: tiny, fast, and good enough to shuffle clients; the same seed gives the same
 * sequence on every platform, so a cycle with the random sorter can be replayed.
 */
export function seededRandom(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

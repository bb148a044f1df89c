// Deterministic pseudo-random numbers for fuzz tests, so a failing case can be replayed from its seed.

/** xorshift32: a function returning numbers in [0, 1), the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

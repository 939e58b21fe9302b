/**
 * A small, fast, seeded pseudo-random number generator (sfc32 seeded through splitmix32).
 * Everything random in this project draws from one of these, so every result is reproducible
 * from its seed.
 *
 * @module
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A seeded random source. */
export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Uniformly chosen element of a non-empty array. */
  choice<T>(items: readonly T[]): T;
  /** True with probability p. */
  bernoulli(p: number): boolean;
  /** An independent generator derived from this one's next output and a label. */
  fork(label?: string | number): Rng;
}

function hashLabel(label: string | number): number {
  const text = String(label);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Creates a generator from an integer seed (any safe integer; the same seed gives the same stream).
 *
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * const rng = createRng(42);
 * const d = rng.int(2, 16); // same value for every run with seed 42
 * ```
 */
export function createRng(seed: number): Rng {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const init = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d));
  let a = init(), b = init(), c = init(), d = init() | 1;
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) nextUint32();
  const rng: Rng = {
    nextUint32,
    float: () => nextUint32() / 4294967296,
    int(lo: number, hi: number): number {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
        throw new RangeError(`rng.int: bad range [${lo}, ${hi}]`);
      }
      return lo + Math.floor(rng.float() * (hi - lo + 1));
    },
    choice<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("rng.choice: empty array");
      return items[Math.floor(rng.float() * items.length)];
    },
    bernoulli: (p: number) => rng.float() < p,
    fork: (label = 0) => createRng((nextUint32() ^ hashLabel(label)) >>> 0),
  };
  return rng;
}

/**
 * LiteTransformerSearch's distance between a proxy frontier and the ground-truth frontier.
 *
 * @module
 */
import { type Accessor, readValue } from "./objective.ts";

/** Which fields hold the latency (matching axis) and the compared value (e.g. perplexity). */
export interface FrontierDistanceOptions<T> {
  /** The axis on which proxy points are matched to ground-truth points (latency). */
  x: Accessor<T>;
  /** The compared value (perplexity); must be non-zero on the ground-truth frontier. */
  y: Accessor<T>;
}

/**
 * The paper's average relative frontier distance
 * d_avg = (1/N)·Σᵢ |pᵢ − p_gt,i| / p_gt,i, where pᵢ is the `y` value of proxy-frontier point i
 * and p_gt,i the `y` value of the ground-truth frontier point nearest to it in `x` (latency).
 * A tie in `x` distance goes to the ground-truth point with the smaller `x`. 0 means the proxy
 * frontier sits on the ground-truth one; 0.05 means 5 % off on average.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frontierDistance } from "./distance.ts";
 * const truth = [{ ms: 1, ppl: 40 }, { ms: 3, ppl: 30 }];
 * const proxy = [{ ms: 1.2, ppl: 42 }, { ms: 2.9, ppl: 30 }];
 * // (2/40 + 0/30) / 2
 * assert.equal(frontierDistance(proxy, truth, { x: "ms", y: "ppl" }), 0.025);
 * ```
 */
export function frontierDistance<T>(
  proxy: readonly T[],
  truth: readonly T[],
  options: FrontierDistanceOptions<T>,
): number {
  if (proxy.length === 0) throw new RangeError("frontierDistance: the proxy frontier is empty");
  if (truth.length === 0) {
    throw new RangeError("frontierDistance: the ground-truth frontier is empty");
  }
  const gt = truth.map((p) => ({ x: readValue(p, options.x), y: readValue(p, options.y) }))
    .sort((a, b) => a.x - b.x);
  let sum = 0;
  for (const p of proxy) {
    const x = readValue(p, options.x);
    const y = readValue(p, options.y);
    let best = gt[0];
    for (const g of gt) if (Math.abs(g.x - x) < Math.abs(best.x - x)) best = g;
    if (best.y === 0) throw new RangeError("frontierDistance: a ground-truth value is 0");
    sum += Math.abs(y - best.y) / Math.abs(best.y);
  }
  return sum / proxy.length;
}

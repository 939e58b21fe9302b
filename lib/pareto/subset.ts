/**
 * Choosing a few points of a large frontier that keep most of its hypervolume: the greedy
 * hypervolume subset (each step adds the point that adds the most hypervolume), evaluated
 * lazily. Hypervolume is submodular, so a point's gain can only shrink as the subset grows; a
 * point whose last computed gain still beats every other's bound is taken without recomputing
 * the others. The greedy subset keeps at least (1 − 1/e) of the best subset's hypervolume.
 *
 * @module
 */
import { hypervolume } from "./hypervolume.ts";
import type { Objective } from "./objective.ts";

/**
 * Indices of `k` points chosen greedily by hypervolume contribution against `reference`, in
 * the order they were chosen (ties: the lower index); all of them, in that order, when `k` ≥ their
 * number, so a smaller `k` always gives a prefix of a larger one's answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { greedyHypervolumeSubset } from "./subset.ts";
 * const objectives = [{ key: "x", goal: "min" }, { key: "y", goal: "min" }] as const;
 * const points = [{ x: 0, y: 9 }, { x: 1, y: 8 }, { x: 5, y: 5 }, { x: 9, y: 0 }];
 * // (5, 5) adds most (25), then (1, 8) (8 more), then (9, 0) (5 more; (0, 9) would add 1).
 * assert.deepEqual(greedyHypervolumeSubset(points, [...objectives], { x: 10, y: 10 }, 3), [2, 1, 3]);
 * ```
 */
export function greedyHypervolumeSubset<T>(
  points: readonly T[],
  objectives: readonly Objective<T>[],
  reference: T,
  k: number,
): number[] {
  const chosen: number[] = [];
  const subset: T[] = [];
  let current = 0;
  // Upper bounds of each point's gain: its hypervolume alone, then its last computed gain.
  const bound = points.map((p) => hypervolume([p], objectives, reference));
  // The subset size each bound was computed at (a point's hypervolume alone is exact at 0).
  const fresh = new Array<number>(points.length).fill(0);
  const taken = new Array<boolean>(points.length).fill(false);
  while (chosen.length < k) {
    let best = -1;
    for (;;) {
      best = -1;
      for (let i = 0; i < points.length; i++) {
        if (!taken[i] && (best < 0 || bound[i] > bound[best])) best = i;
      }
      if (best < 0 || fresh[best] === chosen.length) break;
      bound[best] = hypervolume([...subset, points[best]], objectives, reference) - current;
      fresh[best] = chosen.length;
    }
    if (best < 0) break;
    taken[best] = true;
    chosen.push(best);
    subset.push(points[best]);
    current += bound[best];
  }
  return chosen;
}

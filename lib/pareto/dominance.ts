/**
 * Pareto dominance between two points.
 *
 * Two notions are offered:
 * - `"standard"` (default): `a` dominates `b` when `a` is at least as good in every objective
 *   and strictly better in at least one. Points equal in every objective do not dominate each
 *   other.
 * - `"strict"`: `a` dominates `b` only when `a` is strictly better in every objective. This is
 *   the filter of archai's evolutionary search (the LiteTransformerSearch reference code), which
 *   keeps a point unless another beats it in all objectives at once; it keeps more points.
 *
 * @module
 */
import { type Objective, readValue } from "./objective.ts";

/** Which dominance relation a Pareto tool uses. */
export type Dominance = "standard" | "strict";

/**
 * Whether row `a` dominates row `b`, both already oriented for minimisation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dominatesMin } from "./dominance.ts";
 * assert.equal(dominatesMin([1, 2], [1, 3]), true);
 * assert.equal(dominatesMin([1, 2], [1, 3], "strict"), false); // not better in the first objective
 * assert.equal(dominatesMin([1, 2], [1, 2]), false); // equal points do not dominate
 * ```
 */
export function dominatesMin(
  a: readonly number[],
  b: readonly number[],
  dominance: Dominance = "standard",
): boolean {
  if (dominance === "strict") {
    for (let j = 0; j < a.length; j++) if (!(a[j] < b[j])) return false;
    return a.length > 0;
  }
  let better = false;
  for (let j = 0; j < a.length; j++) {
    if (a[j] > b[j]) return false;
    if (a[j] < b[j]) better = true;
  }
  return better;
}

/**
 * Whether point `a` dominates point `b` under the given objectives.
 *
 * @example
 * ```ts
 * import { dominates } from "./dominance.ts";
 * const objectives = [
 *   { key: "decoderParams", goal: "max" },
 *   { key: "latencyMs", goal: "min" },
 * ] as const;
 * dominates({ decoderParams: 9, latencyMs: 1 }, { decoderParams: 8, latencyMs: 2 }, [...objectives]);
 * // true
 * ```
 */
export function dominates<T>(
  a: T,
  b: T,
  objectives: readonly Objective<T>[],
  dominance: Dominance = "standard",
): boolean {
  const row = (p: T) =>
    objectives.map((o) => {
      const v = readValue(p, o.key);
      return o.goal === "max" ? -v : v;
    });
  return dominatesMin(row(a), row(b), dominance);
}

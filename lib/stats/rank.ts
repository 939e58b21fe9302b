/**
 * Rank correlations: Spearman's ρ and Kendall's τ-b, both handling ties.
 *
 * Both take two equally long arrays of finite numbers (at least 2) and throw a `RangeError`
 * otherwise. When one side is constant the correlation is undefined and they return NaN.
 *
 * @module
 */
import { sampleRankCorrelation } from "simple-statistics";

function checkPair(x: readonly number[], y: readonly number[], name: string): void {
  if (x.length !== y.length) {
    throw new RangeError(`${name}: arrays differ in length (${x.length} vs ${y.length})`);
  }
  if (x.length < 2) throw new RangeError(`${name}: needs at least 2 pairs, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new RangeError(`${name}: pair ${i} is not finite (${x[i]}, ${y[i]})`);
    }
  }
}

/**
 * Ascending ranks starting at 1; tied values share the average of the ranks they span
 * ("midranks", as scipy's `rankdata(method="average")`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { averageRanks } from "./rank.ts";
 * assert.deepEqual(averageRanks([10, 30, 20, 20]), [1, 4, 2.5, 2.5]);
 * ```
 */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation ρ: the Pearson correlation of the average ranks (so ties are
 * handled as scipy's `spearmanr` does). Computed by simple-statistics' `sampleRankCorrelation`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spearman } from "./rank.ts";
 * assert.ok(Math.abs(spearman([1, 2, 3, 4], [10, 20, 30, 40]) - 1) < 1e-12); // not exactly 1: floating point
 * assert.ok(Math.abs(spearman([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12);
 * ```
 */
export function spearman(x: readonly number[], y: readonly number[]): number {
  checkPair(x, y, "spearman");
  return sampleRankCorrelation([...x], [...y]);
}

/**
 * Kendall's τ-b: (C − D) / √((C + D + Tx)(C + D + Ty)), where C and D count concordant and
 * discordant pairs and Tx (Ty) the pairs tied in x only (y only); pairs tied in both count in
 * neither. Equals scipy's `kendalltau` default. O(n²) over all pairs, which is instant for the
 * benchmark's sets (n ≤ 200: 20 000 pairs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kendall } from "./rank.ts";
 * assert.ok(Math.abs(kendall([1, 2, 3], [1, 3, 2]) - 1 / 3) < 1e-12); // (2 concordant − 1 discordant) / 3
 * assert.ok(Math.abs(kendall([1, 1, 2], [1, 2, 3]) - 2 / Math.sqrt(6)) < 1e-12); // τ-b with a tie
 * ```
 */
export function kendall(x: readonly number[], y: readonly number[]): number {
  checkPair(x, y, "kendall");
  let concordant = 0, discordant = 0, tiedXOnly = 0, tiedYOnly = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiedXOnly++;
      else if (dy === 0) tiedYOnly++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt(
    (concordant + discordant + tiedXOnly) * (concordant + discordant + tiedYOnly),
  );
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

/**
 * The paper's common ratio: how much of the true top-k % a proxy also puts in its top-k %.
 *
 * Both score arrays are "higher is better" (pass `−perplexity` as the ground truth). The top-k %
 * holds ⌊k·n/100⌋ models (at least 1), the reference code's `int(k/100·n)`; ties at the cut are
 * broken by input order (earlier first), so results are deterministic.
 *
 * @module
 */
import { spearman } from "./rank.ts";

/**
 * The top-k percentages the paper reports: 10, 20, …, 100.
 *
 * @example
 * ```ts
 * import { TOP_PERCENTS } from "./common_ratio.ts";
 * TOP_PERCENTS.map(String); // ["10", "20", …, "100"], the keys of commonRatios()
 * ```
 */
export const TOP_PERCENTS: readonly number[] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/**
 * How many of `n` items make the top `percent` %: ⌊percent·n/100⌋, at least 1 (for n ≥ 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topKCount } from "./common_ratio.ts";
 * assert.equal(topKCount(183, 10), 18);
 * assert.equal(topKCount(5, 10), 1);
 * ```
 */
export function topKCount(n: number, percent: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`topKCount: n must be ≥ 1, got ${n}`);
  if (!(percent > 0 && percent <= 100)) {
    throw new RangeError(`topKCount: percent must be in (0, 100], got ${percent}`);
  }
  return Math.max(1, Math.floor((percent * n) / 100));
}

/**
 * Indices of the `k` largest scores, best first; ties keep input order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topIndices } from "./common_ratio.ts";
 * assert.deepEqual(topIndices([3, 9, 1, 9], 2), [1, 3]);
 * ```
 */
export function topIndices(scores: readonly number[], k: number): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, k);
}

/**
 * Common ratio in % (0–100): |top-k % by proxy ∩ top-k % by ground truth| / |top-k %| · 100.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commonRatio } from "./common_ratio.ts";
 * const params = [5, 4, 3, 2, 1];
 * const negPpl = [-10, -12, -11, -20, -30]; // lower perplexity is better
 * assert.equal(commonRatio(params, negPpl, 20), 100); // model 0 leads both
 * assert.equal(commonRatio(params, negPpl, 40), 50); // proxy picks {0, 1}, ground truth {0, 2}
 * ```
 */
export function commonRatio(
  proxyScores: readonly number[],
  truthScores: readonly number[],
  percent: number,
): number {
  if (proxyScores.length !== truthScores.length) {
    throw new RangeError(
      `commonRatio: arrays differ in length (${proxyScores.length} vs ${truthScores.length})`,
    );
  }
  for (let i = 0; i < proxyScores.length; i++) {
    if (Number.isNaN(proxyScores[i]) || Number.isNaN(truthScores[i])) {
      throw new RangeError(`commonRatio: score ${i} is NaN`);
    }
  }
  const k = topKCount(proxyScores.length, percent);
  const byTruth = new Set(topIndices(truthScores, k));
  const shared = topIndices(proxyScores, k).filter((i) => byTruth.has(i)).length;
  return (shared / k) * 100;
}

/**
 * Common ratios for several percentages, keyed by the percentage as text (`"10"` … `"100"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commonRatios } from "./common_ratio.ts";
 * assert.deepEqual(commonRatios([3, 2, 1], [-1, -2, -3], [50, 100]), { "50": 100, "100": 100 });
 * ```
 */
export function commonRatios(
  proxyScores: readonly number[],
  truthScores: readonly number[],
  percents: readonly number[] = TOP_PERCENTS,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of percents) out[String(p)] = commonRatio(proxyScores, truthScores, p);
  return out;
}

/**
 * The paper's Figure 6b "SRC" curve: for each top-k %, Spearman's ρ between proxy and ground
 * truth among the top-k % models by ground truth only (as the reference code computes it).
 * NaN where the top-k % holds fewer than 2 models or one side is constant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topKSpearman } from "./common_ratio.ts";
 * const params = [4, 3, 1, 2]; // the proxy swaps the two worst models
 * const negPpl = [-10, -20, -30, -40];
 * const rho = topKSpearman(params, negPpl, [50, 100]);
 * assert.ok(Math.abs(rho["50"] - 1) < 1e-12 && Math.abs(rho["100"] - 0.8) < 1e-12);
 * ```
 */
export function topKSpearman(
  proxyScores: readonly number[],
  truthScores: readonly number[],
  percents: readonly number[] = TOP_PERCENTS,
): Record<string, number> {
  if (proxyScores.length !== truthScores.length) {
    throw new RangeError(
      `topKSpearman: arrays differ in length (${proxyScores.length} vs ${truthScores.length})`,
    );
  }
  const out: Record<string, number> = {};
  for (const p of percents) {
    const top = topIndices(truthScores, topKCount(truthScores.length, p));
    out[String(p)] = top.length < 2
      ? NaN
      : spearman(top.map((i) => proxyScores[i]), top.map((i) => truthScores[i]));
  }
  return out;
}

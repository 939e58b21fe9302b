/**
 * Statistics for judging proxies: rank correlations (Spearman ρ, Kendall τ-b), the paper's
 * common ratio, and the per-set proxy check of the published benchmark.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commonRatios, kendall, spearman } from "./mod.ts";
 * const params = [9, 5, 1];
 * const negPpl = [-30, -40, -50];
 * assert.equal(spearman(params, negPpl), 1);
 * assert.equal(kendall(params, negPpl), 1);
 * assert.deepEqual(commonRatios(params, negPpl, [50]), { "50": 100 });
 * ```
 *
 * @module
 */
export * from "./rank.ts";
export * from "./common_ratio.ts";
export * from "./proxy.ts";

/**
 * How close predictions are to measurements: shares within ±5 % and ±10 %, median and largest
 * absolute relative error, the bias and Spearman ρ. Pure.
 *
 * @module
 */
import { spearman } from "../stats/rank.ts";
import type { ErrorSummary } from "./types.ts";

/**
 * Relative errors `predicted / measured − 1`, paired by key (never by position): every key of
 * `measured` must have a prediction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relativeErrors } from "./accuracy.ts";
 * const e = relativeErrors(new Map([["a", 11]]), new Map([["a", 10]]));
 * assert.ok(Math.abs(e.get("a")! - 0.1) < 1e-12);
 * ```
 */
export function relativeErrors(
  predicted: ReadonlyMap<string, number>,
  measured: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, m] of measured) {
    const p = predicted.get(key);
    if (p === undefined) throw new Error(`relativeErrors: no prediction for ${key}`);
    out.set(key, p / m - 1);
  }
  return out;
}

/**
 * The accuracy summary of predictions against measurements, paired by key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorSummary } from "./accuracy.ts";
 * const s = errorSummary(
 *   new Map([["a", 10.2], ["b", 21], ["c", 27]]),
 *   new Map([["a", 10], ["b", 20], ["c", 30]]),
 * );
 * assert.equal(s.n, 3);
 * assert.ok(Math.abs(s.within5 - 2 / 3) < 1e-12); // a +2 %, b +5 %; c −10 % is out
 * assert.equal(s.within10, 1);
 * assert.equal(s.spearman, 1);
 * // Predictions all 20 % high: a bias, no spread.
 * const biased = errorSummary(new Map([["a", 12], ["b", 24]]), new Map([["a", 10], ["b", 20]]));
 * assert.ok(biased.relativeSpread95! < 1e-12);
 * ```
 */
export function errorSummary(
  predicted: ReadonlyMap<string, number>,
  measured: ReadonlyMap<string, number>,
): ErrorSummary {
  const errors = relativeErrors(predicted, measured);
  const signed = [...errors.values()];
  const abs = signed.map(Math.abs).sort((a, b) => a - b);
  const n = abs.length;
  // A rounding hair above 5 % (1.05 / 1 − 1 = 0.050000000000000044) still counts as within.
  const share = (limit: number) => n === 0 ? NaN : abs.filter((e) => e <= limit + 1e-12).length / n;
  const keys = [...errors.keys()];
  return {
    n,
    within5: share(0.05),
    within10: share(0.1),
    medianAbsError: n === 0 ? NaN : n % 2 ? abs[n >> 1] : (abs[n / 2 - 1] + abs[n / 2]) / 2,
    maxAbsError: n === 0 ? NaN : abs[n - 1],
    meanSignedError: n === 0 ? NaN : signed.reduce((a, b) => a + b, 0) / n,
    relativeSpread95: relativeSpread(signed, 0.95),
    spearman: n < 2
      ? NaN
      : spearman(keys.map((k) => predicted.get(k)!), keys.map((k) => measured.get(k)!)),
  };
}

/**
 * Coefficient of variation (sample standard deviation / mean) of one model's values, e.g. its
 * p50 over fresh processes; 0 for fewer than two values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coefficientOfVariation } from "./accuracy.ts";
 * assert.equal(coefficientOfVariation([10, 10]), 0);
 * assert.ok(Math.abs(coefficientOfVariation([9, 11]) - Math.SQRT2 / 10) < 1e-12);
 * ```
 */
export function coefficientOfVariation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const v = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(v) / mean;
}

/**
 * The `q` quantile (nearest rank) of |r / median(r) − 1| over ratios r = 1 + e of the signed
 * relative errors `e` (NaN for none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relativeSpread } from "./accuracy.ts";
 * // Ratios 1.1, 1.2, 1.32: the median is 1.2; 1.1 / 1.2 − 1 = −8.3 %, 1.32 / 1.2 − 1 = +10 %.
 * assert.ok(Math.abs(relativeSpread([0.1, 0.2, 0.32], 1) - 0.1) < 1e-12);
 * ```
 */
export function relativeSpread(signed: readonly number[], q: number): number {
  if (signed.length === 0) return NaN;
  const ratios = signed.map((e) => 1 + e).sort((a, b) => a - b);
  const n = ratios.length;
  const median = n % 2 ? ratios[n >> 1] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
  const spread = ratios.map((r) => Math.abs(r / median - 1)).sort((a, b) => a - b);
  return spread[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
}

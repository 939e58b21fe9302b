/**
 * Words for numbers: how a generated conclusion states a correlation (with its sign, or "no
 * clear relation") and a comparison of two measured values (a difference, or a tie within the
 * measured noise). Pure functions, so that every sentence a notebook prints is unit-tested. The
 * labels they are given are escaped for Markdown (`escapeMarkdown`), so they render literally.
 *
 * @module
 */
import { escapeMarkdown as esc } from "../plots/markdown.ts";

/**
 * |ρ| below which a rank correlation is called "no clear relation". With few points even a
 * larger |ρ| is not significant, see {@linkcode MIN_POINTS_FOR_CORRELATION}.
 */
export const WEAK_CORRELATION = 0.3;

/** Fewest points for which a rank correlation is worded at all. */
export const MIN_POINTS_FOR_CORRELATION = 4;

/**
 * States a rank correlation between `what` and `against` with its sign: "rises with" for
 * ρ ≥ 0.3, "falls as … rises" for ρ ≤ −0.3, "no clear relation" in between or with fewer than
 * 4 points (then ρ is not given a meaning).
 *
 * @example
 * ```ts
 * import { describeCorrelation } from "./wording.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeCorrelation("token latency", "total weights", 0.83, 6),
 *   "token latency rises with total weights (Spearman ρ = +0.83, n = 6)",
 * );
 * assert.equal(
 *   describeCorrelation("token latency", "depth", -0.22, 5),
 *   "no clear relation between token latency and depth (Spearman ρ = −0.22, n = 5)",
 * );
 * assert.equal(
 *   describeCorrelation("a", "b", 1, 3),
 *   "too few points (n = 3) to relate a to b (Spearman ρ = +1.00)",
 * );
 * ```
 */
export function describeCorrelation(
  what: string,
  against: string,
  rho: number,
  n: number,
): string {
  what = esc(what);
  against = esc(against);
  const stat = `Spearman ρ = ${signed(rho)}`;
  if (!Number.isFinite(rho)) return `no rank correlation between ${what} and ${against} (n = ${n})`;
  if (n < MIN_POINTS_FOR_CORRELATION) {
    return `too few points (n = ${n}) to relate ${what} to ${against} (${stat})`;
  }
  if (rho >= WEAK_CORRELATION) return `${what} rises with ${against} (${stat}, n = ${n})`;
  if (rho <= -WEAK_CORRELATION) {
    return `${what} falls as ${against} rises (${stat}, n = ${n})`;
  }
  return `no clear relation between ${what} and ${against} (${stat}, n = ${n})`;
}

/** A number with an explicit sign and two decimals (`+0.83`, `−0.22`). */
export function signed(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const s = Math.abs(x).toFixed(2);
  return x < 0 && s !== "0.00" ? `−${s}` : `+${s}`;
}

/** The outcome of comparing two measured values of which lower is better. */
export type Comparison = "lower" | "higher" | "tie";

/**
 * Compares measured `a` with `b` (both positive): a tie when |a/b − 1| is at most `noise` (the
 * relative spread measured between processes), else "lower" or "higher".
 *
 * @example
 * ```ts
 * import { compareMeasured } from "./wording.ts";
 * import assert from "node:assert/strict";
 * assert.equal(compareMeasured(95, 100, 0.03), "lower");
 * assert.equal(compareMeasured(98, 100, 0.03), "tie");
 * assert.equal(compareMeasured(110, 100, 0.03), "higher");
 * ```
 */
export function compareMeasured(a: number, b: number, noise: number): Comparison {
  if (!(a > 0 && b > 0)) throw new RangeError(`compareMeasured: ${a}, ${b} must be positive`);
  if (!(noise >= 0)) throw new RangeError(`compareMeasured: noise ${noise} must be ≥ 0`);
  const r = a / b;
  if (Math.abs(r - 1) <= noise) return "tie";
  return r < 1 ? "lower" : "higher";
}

/**
 * "1.35× faster than" / "1.35× slower than" / "within the 3.0 % noise of" for latency
 * `a` against reference latency `b`.
 *
 * @example
 * ```ts
 * import { describeSpeed } from "./wording.ts";
 * import assert from "node:assert/strict";
 * assert.equal(describeSpeed(50, 100, 0.05), "2.00× faster than");
 * assert.equal(describeSpeed(150, 100, 0.05), "1.50× slower than");
 * assert.equal(describeSpeed(101, 100, 0.05), "within the 5.0 % noise of");
 * ```
 */
export function describeSpeed(a: number, b: number, noise: number): string {
  switch (compareMeasured(a, b, noise)) {
    case "lower":
      return `${(b / a).toFixed(2)}× faster than`;
    case "higher":
      return `${(a / b).toFixed(2)}× slower than`;
    default:
      return `within the ${percent(noise)} noise of`;
  }
}

/**
 * A share as a percentage, one decimal below 10 % (where noise thresholds live) and none above:
 * `0.016` → `"1.6 %"`, `0.004` → `"0.4 %"`, `0.123` → `"12 %"`.
 */
export function percent(x: number): string {
  const p = 100 * x;
  return `${Math.abs(p) < 10 ? p.toFixed(1) : p.toFixed(0)} %`;
}

/**
 * The sentence that says where the noise threshold comes from.
 *
 * @example
 * ```ts
 * import { describeNoise } from "./wording.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeNoise({ processes: 3, latencySpread: 0.04 }, "GPT-2 small × 2"),
 *   "Measurement noise: the latency p50 of GPT-2 small × 2 in 3 fresh processes spread by 4.0 % " +
 *     "(max − min over median); differences smaller than that are called ties.",
 * );
 * ```
 */
export function describeNoise(
  noise: { processes: number; latencySpread: number },
  reference: string,
): string {
  return `Measurement noise: the latency p50 of ${esc(reference)} in ${noise.processes} fresh ` +
    `processes spread by ${percent(noise.latencySpread)} (max − min over median); differences ` +
    `smaller than that are called ties.`;
}

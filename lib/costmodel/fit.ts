/**
 * Weighted least squares over named terms, for the cost model's fits. Each observation is a
 * sparse row of term values and a measured value; the fit minimises the sum of squared
 * *relative* residuals ((predicted − measured) / measured)², since measurement noise is a share
 * of the value, not a fixed amount. Columns are scaled to unit norm and a small ridge keeps the
 * system solvable when two terms are collinear (e.g. a per-d_model base and a plain-embedding
 * intercept), which leaves every prediction inside the data's span unchanged.
 *
 * @module
 */
import type { Terms } from "./terms.ts";

/** One observation: its terms and the measured value (positive). */
export interface Observation {
  terms: Terms;
  value: number;
}

/** A fit: a coefficient per term seen in the observations. */
export interface TermFit {
  coefficients: Record<string, number>;
}

/**
 * Solves `A x = b` for a symmetric positive definite `A` (Cholesky), in place of copies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { solveSymmetric } from "./fit.ts";
 * assert.deepEqual(solveSymmetric([[4, 2], [2, 3]], [2, 1]), [0.5, 0]);
 * ```
 */
export function solveSymmetric(a: readonly number[][], b: readonly number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(s > 0)) throw new Error("solveSymmetric: matrix is not positive definite");
        l[i][i] = Math.sqrt(s);
      } else {
        l[i][j] = s / l[j][j];
      }
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}

/**
 * Fits a coefficient per term by relative least squares (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitTerms } from "./fit.ts";
 * const fit = fitTerms([
 *   { terms: { one: 1, x: 1 }, value: 3 },
 *   { terms: { one: 1, x: 2 }, value: 5 },
 *   { terms: { one: 1, x: 4 }, value: 9 },
 * ]);
 * assert.ok(Math.abs(fit.coefficients.x - 2) < 1e-6);
 * assert.ok(Math.abs(fit.coefficients.one - 1) < 1e-6);
 * ```
 */
export function fitTerms(observations: readonly Observation[], ridge = 1e-9): TermFit {
  const names = [...new Set(observations.flatMap((o) => Object.keys(o.terms)))].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const n = names.length;
  // Relative residuals: every row divided by its measured value.
  const rows = observations.map((o) => {
    if (!(o.value > 0)) throw new Error(`fitTerms: measured value ${o.value} is not positive`);
    return Object.entries(o.terms).map(([k, v]) => [index.get(k)!, v / o.value] as const);
  });
  const scale = new Array<number>(n).fill(0);
  for (const row of rows) for (const [j, v] of row) scale[j] += v * v;
  for (let j = 0; j < n; j++) scale[j] = Math.sqrt(scale[j]) || 1;
  const ata = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const atb = new Array<number>(n).fill(0);
  for (const row of rows) {
    for (const [i, vi] of row) {
      const xi = vi / scale[i];
      atb[i] += xi; // the target is 1 (measured / measured)
      for (const [j, vj] of row) ata[i][j] += xi * (vj / scale[j]);
    }
  }
  for (let i = 0; i < n; i++) ata[i][i] += ridge;
  const x = solveSymmetric(ata, atb);
  const coefficients: Record<string, number> = {};
  names.forEach((name, j) => (coefficients[name] = x[j] / scale[j]));
  return { coefficients };
}

/**
 * Pairs of models that tie on all objectives but one: the 3-D study's argument that a 2-D view
 * hides a real difference.
 *
 * @module
 */

/** A pair that ties on every objective except `differsOn`. */
export interface TiePair<T> {
  a: T;
  b: T;
  /** Index of the objective on which the two differ. */
  differsOn: number;
  /** max/min of the differing objective (≥ 1). */
  ratio: number;
}

/**
 * Finds pairs whose objective values agree within `tolerance` (relative) on all but one
 * objective, and differ on that one by at least `minRatio`; the most different first.
 *
 * @example
 * ```ts
 * import { tiePairs } from "./ties.ts";
 * const pts = [{ v: [100, 10, 50] }, { v: [101, 10.2, 90] }, { v: [300, 20, 60] }];
 * tiePairs(pts, (p) => p.v, { tolerance: 0.03 })[0].differsOn; // 2
 * ```
 */
export function tiePairs<T>(
  items: readonly T[],
  objectives: (item: T) => readonly number[],
  options: { tolerance?: number; minRatio?: number; limit?: number } = {},
): TiePair<T>[] {
  const { tolerance = 0.03, minRatio = 1.2, limit = 10 } = options;
  const close = (x: number, y: number) =>
    Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y));
  const values = items.map(objectives);
  const pairs: TiePair<T>[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const u = values[i], v = values[j];
      const differing = u.map((x, k) => close(x, v[k]) ? -1 : k).filter((k) => k >= 0);
      if (differing.length !== 1) continue;
      const k = differing[0];
      const lo = Math.min(u[k], v[k]), hi = Math.max(u[k], v[k]);
      const ratio = lo > 0 ? hi / lo : Infinity;
      if (ratio >= minRatio) pairs.push({ a: items[i], b: items[j], differsOn: k, ratio });
    }
  }
  return pairs.sort((p, q) => q.ratio - p.ratio).slice(0, limit);
}

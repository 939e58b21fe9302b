/**
 * The 2-D lower convex hull of a set of points: the convex part of its Pareto frontier. This is
 * the frontier recalibration of LiteTransformerSearch, which compares frontiers through the
 * hull vertices rather than every non-dominated point.
 *
 * @module
 */
import { minimisationMatrix, type Objective } from "./objective.ts";

/** Cross product of (a − o) × (b − o). */
function cross(o: readonly number[], a: readonly number[], b: readonly number[]): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/**
 * Indices of the vertices of the lower convex hull, for two objectives, ordered from the point
 * best in the first objective to the point best in the second. With both objectives oriented for
 * minimisation (maximised ones negated), this is the chain of the convex hull that faces the
 * origin-side (lower left); every vertex is Pareto-optimal. Points lying on a hull edge between
 * two vertices (collinear) are not vertices and are left out; of exact duplicates only the first
 * in input order is kept. Ties in the first objective are broken by the second.
 *
 * @example
 * ```ts
 * import { lowerConvexHullIndices } from "./hull.ts";
 * const pts = [{ ms: 1, ppl: 10 }, { ms: 2, ppl: 9 }, { ms: 3, ppl: 5 }, { ms: 6, ppl: 4 }];
 * lowerConvexHullIndices(pts, [{ key: "ms", goal: "min" }, { key: "ppl", goal: "min" }]);
 * // [0, 2, 3]  (point 1 lies above the segment from point 0 to point 2)
 * ```
 */
export function lowerConvexHullIndices<T>(
  points: readonly T[],
  objectives: readonly [Objective<T>, Objective<T>],
): number[] {
  if (objectives.length !== 2) throw new RangeError("lowerConvexHull: needs exactly 2 objectives");
  const rows = minimisationMatrix(points, objectives);
  const order = rows.map((_, i) => i).sort((a, b) =>
    rows[a][0] - rows[b][0] || rows[a][1] - rows[b][1] || a - b
  );
  const hull: number[] = [];
  let previous: number | undefined;
  for (const i of order) {
    if (
      previous !== undefined && rows[i][0] === rows[previous][0] &&
      rows[i][1] === rows[previous][1]
    ) continue;
    previous = i;
    while (
      hull.length >= 2 &&
      cross(rows[hull[hull.length - 2]], rows[hull[hull.length - 1]], rows[i]) <= 0
    ) hull.pop();
    hull.push(i);
  }
  // The lower hull falls, then rises; only the falling part (up to the lowest point) is efficient.
  let lowest = 0;
  for (let k = 1; k < hull.length; k++) if (rows[hull[k]][1] < rows[hull[lowest]][1]) lowest = k;
  return hull.slice(0, lowest + 1);
}

/**
 * The vertices of the lower convex hull (see {@linkcode lowerConvexHullIndices}), in hull order.
 *
 * @example
 * ```ts
 * import { lowerConvexHull } from "./hull.ts";
 * lowerConvexHull([{ x: 0, y: 2 }, { x: 1, y: 1.5 }, { x: 2, y: 0 }], [
 *   { key: "x", goal: "min" },
 *   { key: "y", goal: "min" },
 * ]);
 * // [{ x: 0, y: 2 }, { x: 2, y: 0 }]
 * ```
 */
export function lowerConvexHull<T>(
  points: readonly T[],
  objectives: readonly [Objective<T>, Objective<T>],
): T[] {
  return lowerConvexHullIndices(points, objectives).map((i) => points[i]);
}

/**
 * Exact hypervolume (the size of the objective space a set dominates, up to a reference point)
 * for one, two or three objectives.
 *
 * @module
 */
import { paretoFrontIndices } from "./front.ts";
import { minimisationMatrix, type Objective } from "./objective.ts";

/**
 * Area dominated by 2-D rows (minimisation) up to `ref`, all rows strictly below `ref`.
 * Sweep in ascending first coordinate, keeping the best second coordinate seen.
 */
function area2d(rows: readonly number[][], ref: readonly number[]): number {
  const sorted = [...rows].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let area = 0;
  let bestY = ref[1];
  for (const [x, y] of sorted) {
    if (y < bestY) {
      area += (ref[0] - x) * (bestY - y);
      bestY = y;
    }
  }
  return area;
}

/** Volume dominated by 3-D rows up to `ref`: slabs between consecutive third coordinates. */
function volume3d(rows: readonly number[][], ref: readonly number[]): number {
  const sorted = [...rows].sort((a, b) => a[2] - b[2]);
  let volume = 0;
  const slice: number[][] = [];
  for (let k = 0; k < sorted.length; k++) {
    slice.push(sorted[k]);
    const zNext = k + 1 < sorted.length ? sorted[k + 1][2] : ref[2];
    const depth = zNext - sorted[k][2];
    if (depth > 0) volume += area2d(slice, ref) * depth;
  }
  return volume;
}

/**
 * Exact hypervolume of the points against a reference point, for 1, 2 or 3 objectives. The
 * reference is given in the objectives' own units and orientation (for a maximised objective it
 * is a lower bound, for a minimised one an upper bound). Points not strictly better than the
 * reference in every objective add nothing. Only the Pareto frontier of the points matters, so it
 * is taken first; 3-D uses slicing along the third objective (O(n² log n) in frontier size n).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hypervolume } from "./hypervolume.ts";
 * const objectives = [{ key: "x", goal: "min" }, { key: "y", goal: "min" }] as const;
 * assert.equal(hypervolume([{ x: 1, y: 2 }, { x: 2, y: 1 }], [...objectives], { x: 3, y: 3 }), 3);
 * ```
 */
export function hypervolume<T>(
  points: readonly T[],
  objectives: readonly Objective<T>[],
  reference: T,
): number {
  const k = objectives.length;
  if (k < 1 || k > 3) throw new RangeError(`hypervolume: 1 to 3 objectives, got ${k}`);
  const [ref] = minimisationMatrix([reference], objectives);
  if (ref.some((v) => !Number.isFinite(v))) {
    throw new RangeError("hypervolume: the reference point must be finite");
  }
  const inside = minimisationMatrix(points, objectives).filter((row) =>
    row.every((v, j) => v < ref[j])
  );
  if (inside.length === 0) return 0;
  const front = paretoFrontIndices(
    inside,
    inside[0].map((_, j) => ({
      key: (row: number[]) => row[j],
      goal: "min" as const,
    })),
    { duplicates: "first" },
  ).map((i) => inside[i]);
  if (k === 1) return ref[0] - Math.min(...front.map((r) => r[0]));
  if (k === 2) return area2d(front, ref);
  return volume3d(front, ref);
}

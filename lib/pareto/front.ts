/**
 * Non-dominated filtering (the Pareto frontier) and non-dominated sorting into fronts.
 *
 * Ties and duplicates: a point equal to another in every objective does not dominate it, so
 * with `duplicates: "all"` (the default) exact duplicates on the frontier are all kept; with
 * `duplicates: "first"` only the first of them in input order is kept. Points that tie in some
 * objectives but differ in others are compared normally.
 *
 * @module
 */
import { type Dominance, dominatesMin } from "./dominance.ts";
import { minimisationMatrix, type Objective } from "./objective.ts";

/** Options of {@linkcode paretoFront}. */
export interface FrontOptions {
  /** Dominance relation; default `"standard"` (see {@linkcode Dominance}). */
  dominance?: Dominance;
  /** Keep `"all"` exact duplicates on the frontier (default) or only the `"first"` one. */
  duplicates?: "all" | "first";
}

function lexOrder(rows: readonly number[][], subset: readonly number[]): number[] {
  return [...subset].sort((a, b) => {
    const ra = rows[a], rb = rows[b];
    for (let j = 0; j < ra.length; j++) if (ra[j] !== rb[j]) return ra[j] - rb[j];
    return a - b;
  });
}

function sameRow(a: readonly number[], b: readonly number[]): boolean {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}

/**
 * Non-dominated subset of `subset` (indices into `rows`), ascending. A dominating point always
 * comes earlier in lexicographic order, and dominance is transitive, so each point need only be
 * compared with the frontier found so far.
 */
function filterRows(
  rows: readonly number[][],
  subset: readonly number[],
  dominance: Dominance,
  duplicates: "all" | "first",
): number[] {
  const front: number[] = [];
  for (const i of lexOrder(rows, subset)) {
    const row = rows[i];
    let keep = true;
    for (const f of front) {
      if (
        dominatesMin(rows[f], row, dominance) || (duplicates === "first" && sameRow(rows[f], row))
      ) {
        keep = false;
        break;
      }
    }
    if (keep) front.push(i);
  }
  return front.sort((a, b) => a - b);
}

/**
 * Indices (ascending) of the points no other point dominates.
 *
 * @example
 * ```ts
 * import { paretoFrontIndices } from "./front.ts";
 * const points = [{ x: 1, y: 3 }, { x: 2, y: 2 }, { x: 2, y: 4 }, { x: 1, y: 3 }];
 * paretoFrontIndices(points, [{ key: "x", goal: "min" }, { key: "y", goal: "min" }]);
 * // [0, 1, 3]  (point 3 duplicates point 0; both kept)
 * ```
 */
export function paretoFrontIndices<T>(
  points: readonly T[],
  objectives: readonly Objective<T>[],
  options: FrontOptions = {},
): number[] {
  const rows = minimisationMatrix(points, objectives);
  return filterRows(
    rows,
    rows.map((_, i) => i),
    options.dominance ?? "standard",
    options.duplicates ?? "all",
  );
}

/**
 * The points no other point dominates, in input order.
 *
 * @example
 * ```ts
 * import { paretoFront } from "./front.ts";
 * const models = [
 *   { decoderParams: 10e6, latencyMs: 5 },
 *   { decoderParams: 20e6, latencyMs: 9 },
 *   { decoderParams: 8e6, latencyMs: 6 },
 * ];
 * paretoFront(models, [{ key: "decoderParams", goal: "max" }, { key: "latencyMs", goal: "min" }]);
 * // the first two
 * ```
 */
export function paretoFront<T>(
  points: readonly T[],
  objectives: readonly Objective<T>[],
  options: FrontOptions = {},
): T[] {
  return paretoFrontIndices(points, objectives, options).map((i) => points[i]);
}

/**
 * Non-dominated sorting: partitions the point indices into fronts. Front 0 is the Pareto
 * frontier, front 1 the frontier of what remains, and so on. Every index appears in exactly
 * one front; each front is ascending. Exact duplicates always share a front.
 *
 * @example
 * ```ts
 * import { nonDominatedSort } from "./front.ts";
 * const points = [{ x: 1, y: 1 }, { x: 2, y: 2 }, { x: 3, y: 3 }, { x: 0, y: 4 }];
 * nonDominatedSort(points, [{ key: "x", goal: "min" }, { key: "y", goal: "min" }]);
 * // [[0, 3], [1], [2]]
 * ```
 */
export function nonDominatedSort<T>(
  points: readonly T[],
  objectives: readonly Objective<T>[],
  options: { dominance?: Dominance } = {},
): number[][] {
  const rows = minimisationMatrix(points, objectives);
  const dominance = options.dominance ?? "standard";
  const fronts: number[][] = [];
  let rest = rows.map((_, i) => i);
  while (rest.length > 0) {
    const front = filterRows(rows, rest, dominance, "all");
    fronts.push(front);
    const inFront = new Set(front);
    rest = rest.filter((i) => !inFront.has(i));
  }
  return fronts;
}

/**
 * The front number of every point (0 for the Pareto frontier), from {@linkcode nonDominatedSort}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nonDominatedRanks } from "./front.ts";
 * assert.deepEqual(nonDominatedRanks([{ x: 1 }, { x: 2 }, { x: 1 }], [{ key: "x", goal: "min" }]), [0, 1, 0]);
 * ```
 */
export function nonDominatedRanks<T>(
  points: readonly T[],
  objectives: readonly Objective<T>[],
  options: { dominance?: Dominance } = {},
): number[] {
  const ranks = new Array<number>(points.length);
  nonDominatedSort(points, objectives, options).forEach((front, r) => {
    for (const i of front) ranks[i] = r;
  });
  return ranks;
}

/**
 * Comparing a search frontier with baselines (the paper's "same perplexity, 1.3× faster"
 * statements, with decoder parameters standing in for perplexity) and frontiers with each other
 * by normalised hypervolume.
 *
 * @module
 */
import { hypervolume } from "../pareto/hypervolume.ts";
import { greedyHypervolumeSubset } from "../pareto/subset.ts";
import type { Objective } from "../pareto/objective.ts";

/** A measured model as the comparisons take it. */
export interface ComparedPoint {
  id: string;
  decoderParams: number;
  /** Median latency (ms). */
  latencyP50Ms: number;
  peakMemoryBytes: number;
}

/** How the frontier does against one baseline. */
export interface BaselineComparison {
  /** The baseline's name (or id). */
  baseline: string;
  decoderParams: number;
  /** The baseline's median latency (ms). */
  latencyP50Ms: number;
  peakMemoryBytes: number;
  /** Frontier models with at least the baseline's decoder parameters. */
  matches: number;
  /** The fastest of them and baseline latency / its latency (> 1: faster than the baseline). */
  fastestId?: string;
  latencyRatio?: number;
  /** The leanest of them and baseline memory / its memory (> 1: less memory). */
  leanestId?: string;
  memoryRatio?: number;
}

/**
 * For each measured baseline, finds the frontier models with at least its decoder parameters and
 * reports the best latency and memory ratios (baseline ÷ frontier model; 1.3 means 1.3× faster
 * or 1.3× less memory). Baselines without a match get `matches: 0` and no ratios.
 *
 * @example
 * ```ts
 * import { compareWithBaselines } from "./compare.ts";
 * import assert from "node:assert/strict";
 * const frontier = [
 *   { id: "a", decoderParams: 90e6, latencyP50Ms: 200, peakMemoryBytes: 400e6 },
 *   { id: "b", decoderParams: 40e6, latencyP50Ms: 100, peakMemoryBytes: 300e6 },
 * ];
 * const [row] = compareWithBaselines(frontier, [
 *   { id: "gpt2-small-L12", decoderParams: 85e6, latencyP50Ms: 260, peakMemoryBytes: 500e6 },
 * ]);
 * assert.equal(row.fastestId, "a");
 * assert.equal(row.latencyRatio, 1.3);
 * ```
 */
export function compareWithBaselines(
  frontier: readonly ComparedPoint[],
  baselines: readonly (ComparedPoint & { name?: string })[],
): BaselineComparison[] {
  return baselines.map((b) => {
    const row: BaselineComparison = {
      baseline: b.name ?? b.id,
      decoderParams: b.decoderParams,
      latencyP50Ms: b.latencyP50Ms,
      peakMemoryBytes: b.peakMemoryBytes,
      matches: 0,
    };
    const matches = frontier.filter((p) => p.decoderParams >= b.decoderParams);
    row.matches = matches.length;
    if (matches.length === 0) return row;
    const fastest = matches.reduce((x, y) => y.latencyP50Ms < x.latencyP50Ms ? y : x);
    const leanest = matches.reduce((x, y) => y.peakMemoryBytes < x.peakMemoryBytes ? y : x);
    row.fastestId = fastest.id;
    row.latencyRatio = b.latencyP50Ms / fastest.latencyP50Ms;
    row.leanestId = leanest.id;
    row.memoryRatio = b.peakMemoryBytes / leanest.peakMemoryBytes;
    return row;
  });
}

/** Per-objective ranges used to normalise before computing hypervolume. */
export interface ObjectiveBounds {
  decoderParams: [number, number];
  latencyP50Ms: [number, number];
  peakMemoryBytes: [number, number];
}

/** Hypervolumes of several frontiers, normalised together. */
export interface HypervolumeReport {
  bounds: ObjectiveBounds;
  /** The reference point in normalised units (each objective: 0 best, 1 worst in the bounds). */
  reference: number;
  hypervolume: Record<string, number>;
}

/** Distance of the reference point beyond the worst bound, in normalised units. */
export const HYPERVOLUME_REFERENCE = 1.1;

/**
 * Hypervolume of each named frontier in the three search objectives, normalised so that frontiers
 * can be compared: each objective is scaled to [0, 1] by the min and max over every point of every
 * frontier given (or `bounds`), 0 being best (most decoder parameters, least latency, least
 * memory), and the reference point is 1.1 in each objective (just beyond the worst point), so
 * the largest possible value is 1.1³ = 1.331. Larger is better.
 *
 * @example
 * ```ts
 * import { frontierHypervolumes } from "./compare.ts";
 * import assert from "node:assert/strict";
 * const report = frontierHypervolumes({
 *   evolution: [{ id: "a", decoderParams: 90, latencyP50Ms: 2, peakMemoryBytes: 10 }],
 *   random: [{ id: "b", decoderParams: 50, latencyP50Ms: 3, peakMemoryBytes: 12 }],
 * });
 * assert.ok(report.hypervolume.evolution > report.hypervolume.random);
 * ```
 */
export function frontierHypervolumes(
  frontiers: Readonly<Record<string, readonly ComparedPoint[]>>,
  bounds?: ObjectiveBounds,
): HypervolumeReport {
  const b = bounds ?? objectiveBounds(Object.values(frontiers).flat());
  const out: Record<string, number> = {};
  for (const [name, points] of Object.entries(frontiers)) {
    out[name] = hypervolume(normalisedRows(points, b), NORMALISED_OBJECTIVES, REFERENCE_ROW);
  }
  return { bounds: b, reference: HYPERVOLUME_REFERENCE, hypervolume: out };
}

/**
 * The first `k` points (default all) in the order a greedy hypervolume selection takes them:
 * first the one covering the most, then each time the one adding the most to those before it
 * (normalised over the points' own span, or `bounds`). The order does not depend on `k`; each
 * step costs a hypervolume per point, so ask only for the k needed. The first k are a good
 * k-point summary of a frontier: verification measures the predicted frontier's models in this
 * order, and costsearch_bench reads what k models of a measured frontier keep.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hypervolumeOrder } from "./compare.ts";
 * const p = (id: string, decoderParams: number, latencyP50Ms: number) =>
 *   ({ id, decoderParams, latencyP50Ms, peakMemoryBytes: 1 });
 * // The middle of the trade-off first, then the extreme that adds the most.
 * const order = hypervolumeOrder([p("big", 100, 10), p("mid", 60, 4), p("small", 10, 1)]);
 * assert.equal(order[0].id, "mid");
 * assert.equal(order.length, 3);
 * assert.deepEqual(hypervolumeOrder([p("big", 100, 10), p("mid", 60, 4), p("small", 10, 1)], 1), [order[0]]);
 * ```
 */
export function hypervolumeOrder<P extends ComparedPoint>(
  points: readonly P[],
  k = points.length,
  bounds?: ObjectiveBounds,
): P[] {
  const rows = normalisedRows(points, bounds ?? objectiveBounds(points));
  const n = Math.max(0, Math.min(k, points.length));
  return greedyHypervolumeSubset(rows, NORMALISED_OBJECTIVES, REFERENCE_ROW, n)
    .map((i) => points[i]);
}

/** The min and max of each objective over `points` ([0, 1] when there are none). */
function objectiveBounds(points: readonly ComparedPoint[]): ObjectiveBounds {
  const range = (f: (p: ComparedPoint) => number): [number, number] =>
    points.length === 0 ? [0, 1] : [Math.min(...points.map(f)), Math.max(...points.map(f))];
  return {
    decoderParams: range((p) => p.decoderParams),
    latencyP50Ms: range((p) => p.latencyP50Ms),
    peakMemoryBytes: range((p) => p.peakMemoryBytes),
  };
}

/** Each point as three minimised objectives in [0, 1] over `b` (0 best). */
function normalisedRows(points: readonly ComparedPoint[], b: ObjectiveBounds): number[][] {
  const scale = (v: number, [lo, hi]: [number, number]) => hi > lo ? (v - lo) / (hi - lo) : 0;
  return points.map((p) => [
    1 - scale(p.decoderParams, b.decoderParams),
    scale(p.latencyP50Ms, b.latencyP50Ms),
    scale(p.peakMemoryBytes, b.peakMemoryBytes),
  ]);
}

const NORMALISED_OBJECTIVES: Objective<number[]>[] = [0, 1, 2].map((j) => ({
  key: (r: number[]) => r[j],
  goal: "min" as const,
}));
const REFERENCE_ROW = [HYPERVOLUME_REFERENCE, HYPERVOLUME_REFERENCE, HYPERVOLUME_REFERENCE];

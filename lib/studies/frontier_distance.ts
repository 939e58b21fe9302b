/**
 * The paper's frontier distance d_avg on its own published Pareto sets (App. C of
 * LiteTransformerSearch): how much validation perplexity the frontier a proxy search picks
 * (decoder parameters ↑, latency ↓) gives up against the ground-truth frontier (perplexity ↓,
 * latency ↓), which the paper recalibrates by its lower convex hull.
 *
 * Per Pareto set, among its models that have both a perplexity and a published latency:
 * - the **proxy frontier**: the models no other model beats on both latency and decoder
 *   parameters (lib/pareto `paretoFront`);
 * - the **ground-truth frontier**: the models no other model beats on both latency and
 *   perplexity, and the vertices of its **lower convex hull** (lib/pareto `lowerConvexHull`);
 * - **d_avg**: the mean over the proxy frontier of |p − p_gt| / p_gt, where p_gt is the
 *   perplexity of the hull vertex nearest in latency (lib/pareto `frontierDistance`). It is
 *   also given against the plain non-dominated frontier, to show what the recalibration does.
 *
 * Pure computation on bundled, published numbers; nothing is measured.
 *
 * @module
 */
import { frontierDistance } from "../pareto/distance.ts";
import { paretoFrontIndices } from "../pareto/front.ts";
import { lowerConvexHullIndices } from "../pareto/hull.ts";
import type { Objective } from "../pareto/objective.ts";

/** One trained model of a Pareto set, as the comparison needs it (a `BenchmarkModel` fits). */
export interface ParetoSetModel {
  set: string;
  kind: string;
  modelId: string;
  backbone: string;
  device: string | null;
  validPpl: number | null;
  publishedLatencyMs: number | null;
  decoderParams: number;
}

/** A model of a Pareto set placed against the two frontiers. */
export type ParetoSetPoint = {
  set: string;
  backbone: string;
  device: string | null;
  modelId: string;
  publishedLatencyMs: number;
  /** Latency ÷ the latency of the set's fastest model (sets of different devices side by side). */
  relativeLatency: number;
  validPpl: number;
  decoderParams: number;
  /** Pareto-optimal in latency ↓ and decoder parameters ↑: what a proxy search keeps. */
  onProxyFrontier: boolean;
  /** Pareto-optimal in latency ↓ and perplexity ↓. */
  onPerplexityFrontier: boolean;
  /** A vertex of the lower convex hull in (latency, perplexity): the recalibrated frontier. */
  hullVertex: boolean;
};

/** The comparison of one Pareto set. */
export type FrontierDistanceRow = {
  set: string;
  backbone: string;
  device: string | null;
  /** Models with both a perplexity and a published latency (the others are left out). */
  models: number;
  /** Models of the set left out for a missing perplexity or latency. */
  leftOut: number;
  /** Models on the ground-truth (perplexity) frontier. */
  perplexityFrontier: number;
  /** Vertices of its lower convex hull. */
  hullVertices: number;
  /** Models on the proxy (decoder-parameter) frontier. */
  proxyFrontier: number;
  /** Proxy-frontier models that are hull vertices. */
  proxyOnHull: number;
  /** d_avg of the proxy frontier against the hull; null when the comparison is ill-posed. */
  dAvg: number | null;
  /** d_avg against the plain non-dominated perplexity frontier; null likewise. */
  dAvgVsFrontier: number | null;
  /** Why d_avg is null; null when it is given. */
  note: string | null;
};

type Usable = ParetoSetModel & { validPpl: number; publishedLatencyMs: number };

const LATENCY_PPL: readonly [Objective<Usable>, Objective<Usable>] = [
  { key: "publishedLatencyMs", goal: "min" },
  { key: "validPpl", goal: "min" },
];
const LATENCY_PARAMS: readonly Objective<Usable>[] = [
  { key: "publishedLatencyMs", goal: "min" },
  { key: "decoderParams", goal: "max" },
];

function usable(m: ParetoSetModel): m is Usable {
  return m.validPpl !== null && m.publishedLatencyMs !== null;
}

function groupBySet(models: readonly ParetoSetModel[]): Map<string, ParetoSetModel[]> {
  const sets = new Map<string, ParetoSetModel[]>();
  for (const m of models) {
    if (m.kind !== "pareto") continue;
    const list = sets.get(m.set) ?? [];
    list.push(m);
    sets.set(m.set, list);
  }
  return new Map([...sets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Every usable model of every Pareto set (`kind === "pareto"`), flagged for the proxy frontier,
 * the perplexity frontier and the hull: the points of the notebook's plot. Sets in name order,
 * models in input order.
 *
 * @example
 * ```ts
 * import { paretoSetPoints } from "./frontier_distance.ts";
 * import assert from "node:assert/strict";
 * const m = (modelId: string, ms: number, ppl: number, params: number) => ({
 *   set: "pareto_demo", kind: "pareto", modelId, backbone: "gpt2", device: "arm",
 *   publishedLatencyMs: ms, validPpl: ppl, decoderParams: params,
 * });
 * const points = paretoSetPoints([m("M1", 10, 50, 1e6), m("M2", 20, 45, 2e6), m("M3", 15, 60, 3e6)]);
 * assert.deepEqual(points.map((p) => [p.modelId, p.onProxyFrontier, p.hullVertex]), [
 *   ["M1", true, true], ["M2", false, true], ["M3", true, false],
 * ]);
 * assert.equal(points[1].relativeLatency, 2);
 * ```
 */
export function paretoSetPoints(models: readonly ParetoSetModel[]): ParetoSetPoint[] {
  return [...groupBySet(models).values()].flatMap((list) => placeModels(list.filter(usable)));
}

function placeModels(models: readonly Usable[]): ParetoSetPoint[] {
  if (models.length === 0) return [];
  const proxy = new Set(paretoFrontIndices(models, LATENCY_PARAMS));
  const front = new Set(paretoFrontIndices(models, LATENCY_PPL));
  const hull = new Set(lowerConvexHullIndices(models, LATENCY_PPL));
  const fastest = Math.min(...models.map((m) => m.publishedLatencyMs));
  return models.map((m, i) => ({
    set: m.set,
    backbone: m.backbone,
    device: m.device,
    modelId: m.modelId,
    publishedLatencyMs: m.publishedLatencyMs,
    relativeLatency: m.publishedLatencyMs / fastest,
    validPpl: m.validPpl,
    decoderParams: m.decoderParams,
    onProxyFrontier: proxy.has(i),
    onPerplexityFrontier: front.has(i),
    hullVertex: hull.has(i),
  }));
}

/**
 * d_avg per Pareto set (see the module doc), sets in name order. d_avg is left out (null, with
 * a `note`) where it would say nothing: fewer than two usable models, or every model already on
 * the perplexity frontier (then any choice of the proxy lies on the ground truth).
 *
 * @example
 * ```ts
 * import { frontierDistanceRows } from "./frontier_distance.ts";
 * import assert from "node:assert/strict";
 * const m = (modelId: string, ms: number, ppl: number | null, params: number) => ({
 *   set: "pareto_demo", kind: "pareto", modelId, backbone: "gpt2", device: "arm",
 *   publishedLatencyMs: ms, validPpl: ppl, decoderParams: params,
 * });
 * const [row] = frontierDistanceRows([
 *   m("M1", 10, 50, 1e6), m("M2", 20, 45, 2e6), m("M3", 15, 60, 3e6), m("M4", 30, null, 4e6),
 * ]);
 * // The proxy keeps M1 (on the hull) and M3, whose nearest hull vertex in latency is M1 (a tie
 * // in latency distance goes to the faster vertex): (0 + 10/50) / 2.
 * assert.equal(row.dAvg, 0.1);
 * assert.deepEqual([row.models, row.leftOut, row.proxyFrontier, row.proxyOnHull], [3, 1, 2, 1]);
 * ```
 */
export function frontierDistanceRows(models: readonly ParetoSetModel[]): FrontierDistanceRow[] {
  return [...groupBySet(models)].map(([set, list]) => {
    const points = placeModels(list.filter(usable));
    const proxy = points.filter((p) => p.onProxyFrontier);
    const front = points.filter((p) => p.onPerplexityFrontier);
    const hull = points.filter((p) => p.hullVertex);
    const note = points.length < 2
      ? `${points.length} model${points.length === 1 ? "" : "s"} with a perplexity and a latency`
      : front.length === points.length
      ? "every model is on the perplexity frontier, so any choice of the proxy lies on it"
      : null;
    const distance = (truth: readonly ParetoSetPoint[]) =>
      note === null
        ? frontierDistance(proxy, truth, { x: "publishedLatencyMs", y: "validPpl" })
        : null;
    return {
      set,
      backbone: list[0].backbone,
      device: list[0].device,
      models: points.length,
      leftOut: list.length - points.length,
      perplexityFrontier: front.length,
      hullVertices: hull.length,
      proxyFrontier: proxy.length,
      proxyOnHull: proxy.filter((p) => p.hullVertex).length,
      dAvg: distance(hull),
      dAvgVsFrontier: distance(front),
      note,
    };
  });
}

/**
 * Notebook 04 (the 3-D Pareto view) as plain functions: the measured models of a search run
 * with their frontier membership, the 2-D slices with their own frontiers, the tie pairs and the
 * conclusions' input. Membership is decided by candidate id, never by array position.
 *
 * @module
 */
import { bytesToMiB, codeSpan, formatCount } from "../plots/markdown.ts";
import { paretoFront } from "../pareto/front.ts";
import type { Objective } from "../pareto/objective.ts";
import type { CandidateRecord } from "../search/types.ts";
import { searchFrontier } from "../search/algorithm.ts";
import type { ReportSearchBudget, ReportSearchRun } from "./report_search.ts";
import { type TiePair, tiePairs } from "./ties.ts";

/** One measured candidate of the run, as the 3-D scatter, the slices and the ties use it. */
export type ModelRow = {
  id: string;
  iteration: number;
  nLayer: number;
  dModel: number;
  /** Per-layer heads, comma-separated (one number when every layer has the same). */
  nHead: string;
  /** Per-layer feed-forward widths, comma-separated (one number when all are equal). */
  dInner: string;
  decoderParams: number;
  latencyP50Ms: number;
  peakMemoryMiB: number;
  /** On the run's 3-D Pareto frontier. */
  onFrontier: boolean;
};

const genes = (xs: readonly number[]) =>
  xs.every((x) => x === xs[0]) ? String(xs[0]) : xs.join(",");

/**
 * The measured (`ok`) candidates of a run as {@linkcode ModelRow}s, each marked `onFrontier` when
 * its id is among `frontierIds`.
 *
 * @example
 * ```ts
 * import { modelRows } from "./pareto3d.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: [2, 4], dInner: 128 });
 * const rows = modelRows([
 *   { id: "a", index: 0, iteration: 0, origin: { kind: "random" }, arch, decoderParams: 9,
 *     status: "ok", latencyMs: { p50: 3 }, peakMemoryBytes: 2 ** 20 },
 *   { id: "b", index: 1, iteration: 0, origin: { kind: "random" }, arch, decoderParams: 9,
 *     status: "failed", reason: "oom" },
 * ], new Set(["a"]));
 * assert.deepEqual(rows, [{ id: "a", iteration: 0, nLayer: 2, dModel: 64, nHead: "2,4", dInner: "128",
 *   decoderParams: 9, latencyP50Ms: 3, peakMemoryMiB: 1, onFrontier: true }]);
 * ```
 */
export function modelRows(
  records: readonly CandidateRecord[],
  frontierIds: ReadonlySet<string>,
): ModelRow[] {
  return records.filter((r) => r.status === "ok").map((r) => ({
    id: r.id,
    iteration: r.iteration,
    nLayer: r.arch.nLayer,
    dModel: r.arch.dModel,
    nHead: genes(r.arch.nHead),
    dInner: genes(r.arch.dInner),
    decoderParams: r.decoderParams,
    latencyP50Ms: r.latencyMs!.p50,
    peakMemoryMiB: bytesToMiB(r.peakMemoryBytes!),
    onFrontier: frontierIds.has(r.id),
  }));
}

/**
 * The hover text of a model in the 3-D scatter.
 *
 * @example
 * ```ts
 * import { modelTip } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * const tip = modelTip({ id: "ab", iteration: 0, nLayer: 2, dModel: 64, nHead: "2,4", dInner: "128",
 *   decoderParams: 9e6, latencyP50Ms: 3.14, peakMemoryMiB: 20.4, onFrontier: true });
 * assert.equal(tip, "ab\n2 layers, d_model 64\nn_head [2,4]\nd_inner [128]\n9.0 M decoder params\n3.1 ms, 20 MiB");
 * ```
 */
export function modelTip(d: ModelRow): string {
  return `${d.id}\n${d.nLayer} layers, d_model ${d.dModel}\nn_head [${d.nHead}]\nd_inner [${d.dInner}]\n` +
    `${formatCount(d.decoderParams)} decoder params\n${d.latencyP50Ms.toFixed(1)} ms, ${
      d.peakMemoryMiB.toFixed(0)
    } MiB`;
}

/** The objective columns of a {@linkcode ModelRow} a slice can use. */
export type ObjectiveColumn = "decoderParams" | "latencyP50Ms" | "peakMemoryMiB";

/**
 * The three objectives of the search, by column.
 *
 * @example
 * ```ts
 * import { MODEL_OBJECTIVES, SLICES } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * assert.equal(MODEL_OBJECTIVES.decoderParams.goal, "max");
 * assert.deepEqual(SLICES.map((s) => [MODEL_OBJECTIVES[s.x].goal, MODEL_OBJECTIVES[s.y].goal]),
 *   [["min", "max"], ["min", "max"], ["min", "min"]]);
 * ```
 */
export const MODEL_OBJECTIVES: Readonly<Record<ObjectiveColumn, Objective<ModelRow>>> = {
  decoderParams: { key: "decoderParams", goal: "max" },
  latencyP50Ms: { key: "latencyP50Ms", goal: "min" },
  peakMemoryMiB: { key: "peakMemoryMiB", goal: "min" },
};

/** One 2-D view: two objective columns and a label. */
export interface Slice {
  x: ObjectiveColumn;
  y: ObjectiveColumn;
  label: string;
}

/** The three 2-D slices of notebook 04 (example at {@linkcode MODEL_OBJECTIVES}). */
export const SLICES: readonly Slice[] = [
  { x: "latencyP50Ms", y: "decoderParams", label: "decoder params vs latency" },
  { x: "peakMemoryMiB", y: "decoderParams", label: "decoder params vs memory" },
  { x: "latencyP50Ms", y: "peakMemoryMiB", label: "memory vs latency" },
];

/** A slice with its own 2-D frontier and what it loses of the 3-D one. */
export interface SliceStats extends Slice {
  /** The slice's 2-D frontier, by ascending `x` (the line to draw). */
  frontPoints: ModelRow[];
  /** Models on the 2-D frontier. */
  front2d: number;
  /** 3-D frontier members the 2-D frontier leaves out (dominated in this slice). */
  lost: number;
}

/**
 * For each slice, its 2-D Pareto frontier over `models` and how many 3-D frontier members
 * (`onFrontier`) are not on it. Frontier membership is by id.
 *
 * @example
 * ```ts
 * import { sliceStats } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * const m = (id: string, decoderParams: number, latencyP50Ms: number, peakMemoryMiB: number) =>
 *   ({ id, iteration: 0, nLayer: 1, dModel: 64, nHead: "2", dInner: "128", decoderParams, latencyP50Ms,
 *     peakMemoryMiB, onFrontier: true });
 * // b is as big as a but slower: dominated in "params vs latency", yet it needs less memory.
 * const [byLatency] = sliceStats([m("a", 10, 1, 50), m("b", 10, 2, 20)]);
 * assert.deepEqual(byLatency.frontPoints.map((p) => p.id), ["a"]);
 * assert.equal(byLatency.lost, 1);
 * ```
 */
export function sliceStats(
  models: readonly ModelRow[],
  slices: readonly Slice[] = SLICES,
): SliceStats[] {
  return slices.map((s) => {
    const front = paretoFront(models, [MODEL_OBJECTIVES[s.x], MODEL_OBJECTIVES[s.y]]);
    const frontIds = new Set(front.map((m) => m.id));
    return {
      ...s,
      frontPoints: [...front].sort((a, b) => a[s.x] - b[s.x]),
      front2d: front.length,
      lost: models.filter((m) => m.onFrontier && !frontIds.has(m.id)).length,
    };
  });
}

/**
 * The rows of the "What each 2-D view keeps" table.
 *
 * @example
 * ```ts
 * import { sliceTableRows } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(sliceTableRows([{ label: "memory vs latency", front2d: 4, lost: 1 }]), [
 *   { slice: "memory vs latency", on2dFrontier: 4, threeDOptimalDominatedHere: 1 },
 * ]);
 * ```
 */
export function sliceTableRows(
  stats: readonly Pick<SliceStats, "label" | "front2d" | "lost">[],
): { slice: string; on2dFrontier: number; threeDOptimalDominatedHere: number }[] {
  return stats.map((s) => ({
    slice: s.label,
    on2dFrontier: s.front2d,
    threeDOptimalDominatedHere: s.lost,
  }));
}

/**
 * Names of the three objectives, in the order of {@linkcode tieObjectives}.
 *
 * @example
 * ```ts
 * import { TIE_OBJECTIVE_NAMES, tieObjectives } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * const m = { id: "a", iteration: 0, nLayer: 1, dModel: 64, nHead: "2", dInner: "128",
 *   decoderParams: 9, latencyP50Ms: 3, peakMemoryMiB: 20, onFrontier: false };
 * assert.deepEqual(TIE_OBJECTIVE_NAMES.map((n, i) => [n, tieObjectives(m)[i]]),
 *   [["decoder params", 9], ["latency", 3], ["peak memory", 20]]);
 * ```
 */
export const TIE_OBJECTIVE_NAMES: readonly string[] = ["decoder params", "latency", "peak memory"];

/** The objective values of a model in the order of {@linkcode TIE_OBJECTIVE_NAMES} (example there). */
export const tieObjectives = (m: ModelRow): number[] => [
  m.decoderParams,
  m.latencyP50Ms,
  m.peakMemoryMiB,
];

/**
 * The smallest ratio on the third objective that counts as a real difference: 1.2, or more when
 * the measured latency noise is above 20 %.
 *
 * @example
 * ```ts
 * import { tieMinRatio } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * assert.equal(tieMinRatio(0.05), 1.2);
 * assert.equal(tieMinRatio(0.3), 1.3);
 * ```
 */
export function tieMinRatio(tieThreshold: number): number {
  return Math.max(1.2, 1 + tieThreshold);
}

/**
 * The model pairs of notebook 04 that agree within 5 % on two objectives and differ by at least
 * {@linkcode tieMinRatio} on the third (at most 8, the most different first).
 *
 * @example
 * ```ts
 * import { modelTiePairs } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * const m = (id: string, peakMemoryMiB: number) => ({ id, iteration: 0, nLayer: 1, dModel: 64,
 *   nHead: "2", dInner: "128", decoderParams: 1e6, latencyP50Ms: 2, peakMemoryMiB, onFrontier: false });
 * const [pair] = modelTiePairs([m("a", 10), m("b", 15)], 0.05);
 * assert.equal(pair.differsOn, 2);
 * assert.equal(pair.ratio, 1.5);
 * ```
 */
export function modelTiePairs(
  models: readonly ModelRow[],
  tieThreshold: number,
): TiePair<ModelRow>[] {
  return tiePairs(models, tieObjectives, {
    tolerance: 0.05,
    minRatio: tieMinRatio(tieThreshold),
    limit: 8,
  });
}

const shortName = (m: ModelRow) => `${m.nLayer}×d${m.dModel}`;

/**
 * The rows of the tie-pair table.
 *
 * @example
 * ```ts
 * import { tiePairRows } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * const m = (id: string, peakMemoryMiB: number) => ({ id, iteration: 0, nLayer: 2, dModel: 64,
 *   nHead: "2", dInner: "128", decoderParams: 1e6, latencyP50Ms: 2, peakMemoryMiB, onFrontier: false });
 * const [row] = tiePairRows([{ a: m("0123456789", 10), b: m("abcdefabcd", 15), differsOn: 2, ratio: 1.5 }]);
 * assert.equal(row.differsOn, "peak memory");
 * assert.equal(row.a, "2×d64 (01234567)");
 * assert.equal(row.bMemoryMiB, 15);
 * ```
 */
export function tiePairRows(pairs: readonly TiePair<ModelRow>[]): {
  differsOn: string;
  ratio: number;
  a: string;
  b: string;
  aParams: number;
  bParams: number;
  aLatencyP50Ms: number;
  bLatencyP50Ms: number;
  aMemoryMiB: number;
  bMemoryMiB: number;
}[] {
  return pairs.map((p) => ({
    differsOn: TIE_OBJECTIVE_NAMES[p.differsOn],
    ratio: p.ratio,
    a: `${shortName(p.a)} (${p.a.id.slice(0, 8)})`,
    b: `${shortName(p.b)} (${p.b.id.slice(0, 8)})`,
    aParams: p.a.decoderParams,
    bParams: p.b.decoderParams,
    aLatencyP50Ms: p.a.latencyP50Ms,
    bLatencyP50Ms: p.b.latencyP50Ms,
    aMemoryMiB: p.a.peakMemoryMiB,
    bMemoryMiB: p.b.peakMemoryMiB,
  }));
}

/**
 * The input of `pareto3dConclusions` from the study's numbers: frontier and model counts, what
 * each slice loses, the tie pairs by short name, and the noise.
 *
 * @example
 * ```ts
 * import { pareto3dConclusionInput } from "./pareto3d.ts";
 * import { pareto3dConclusions } from "./conclusions.ts";
 * import assert from "node:assert/strict";
 * const m = (id: string, peakMemoryMiB: number) => ({ id, iteration: 0, nLayer: 2, dModel: 64,
 *   nHead: "2", dInner: "128", decoderParams: 1e6, latencyP50Ms: 2, peakMemoryMiB, onFrontier: true });
 * const models = [m("a", 10), m("b", 15)];
 * const input = pareto3dConclusionInput({ models, slices: [{ label: "memory vs latency", lost: 1 }],
 *   pairs: [{ a: models[0], b: models[1], differsOn: 2, ratio: 1.5 }], tieThreshold: 0.05 });
 * assert.deepEqual([input.frontier, input.models, input.minRatio], [2, 2, 1.2]);
 * assert.match(pareto3dConclusions(input)[1], /2×d64 and 2×d64 .* differ \*\*1\.50×\*\* in peak memory/);
 * ```
 */
export function pareto3dConclusionInput(input: {
  models: readonly ModelRow[];
  slices: readonly { label: string; lost: number }[];
  pairs: readonly TiePair<ModelRow>[];
  tieThreshold: number;
}): {
  frontier: number;
  models: number;
  slices: { label: string; lost: number }[];
  pairs: { a: string; b: string; differsOn: string; ratio: number }[];
  objectives: readonly string[];
  noise: number;
  minRatio: number;
} {
  return {
    frontier: input.models.filter((m) => m.onFrontier).length,
    models: input.models.length,
    slices: input.slices.map(({ label, lost }) => ({ label, lost })),
    pairs: input.pairs.map((p) => ({
      a: shortName(p.a),
      b: shortName(p.b),
      differsOn: TIE_OBJECTIVE_NAMES[p.differsOn],
      ratio: p.ratio,
    })),
    objectives: TIE_OBJECTIVE_NAMES,
    noise: input.tieThreshold,
    minRatio: tieMinRatio(input.tieThreshold),
  };
}

/**
 * What notebook 04 plots of a report search: every candidate with its costs as recorded, and
 * the 3-D frontier of those costs. A measured search plots measurements and its own frontier;
 * a verified search has measured only its finalists, so it plots every candidate's
 * **predicted** costs and the predicted frontier (`costSource` says which), and the tie
 * threshold widens to the largest prediction error its verification measured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pareto3dView } from "./pareto3d.ts";
 * const r = (id: string, p50: number) => ({ id, decoderParams: 10, status: "ok", latencyMs: { p50 },
 *   peakMemoryBytes: 1 }) as never;
 * const run = { result: { records: [r("a", 1), r("b", 2)], verification: { summary: {
 *   accuracy: { latency: { maxAbsError: 0.12 } } } } }, frontierPoints: [{ id: "b" }] } as never;
 * const view = pareto3dView(run, 0.05);
 * assert.deepEqual([view.costSource, [...view.frontierIds], view.tieThreshold], ["predicted", ["a"], 0.12]);
 * ```
 */
export function pareto3dView(
  run: Pick<ReportSearchRun, "result" | "frontierPoints">,
  noiseThreshold: number,
): {
  records: CandidateRecord[];
  frontierIds: Set<string>;
  costSource: "measured" | "predicted";
  tieThreshold: number;
} {
  const verification = run.result.verification;
  if (!verification) {
    return {
      records: run.result.records,
      frontierIds: new Set(run.frontierPoints.map((p) => p.id)),
      costSource: "measured",
      tieThreshold: noiseThreshold,
    };
  }
  const predictionError = verification.summary.accuracy?.latency.maxAbsError ?? 0;
  return {
    records: run.result.records,
    frontierIds: new Set(searchFrontier(run.result.records).map((r) => r.id)),
    costSource: "predicted",
    tieThreshold: Math.max(noiseThreshold, predictionError),
  };
}

/**
 * The run sentence of notebook 04: the run folder, candidates, iterations, plotted models, how
 * their costs were obtained and the frontier size (the notebook appends provenance and the
 * noise sentence).
 *
 * @example
 * ```ts
 * import { pareto3dRunText } from "./pareto3d.ts";
 * import assert from "node:assert/strict";
 * const run = { dir: "/x/data/runs/report-heterogeneous-quick", frontierPoints: [{}, {}] as never,
 *   result: { records: [{}, {}, {}] as never, iterations: [], frontier: [] } };
 * assert.equal(pareto3dRunText(run, { iterations: 2 }, 3),
 *   "**Run.** `runs/report-heterogeneous-quick`: 3 candidates over 2 iterations, 3 measured, 2 on the 3-D frontier. ");
 * ```
 */
export function pareto3dRunText(
  run: ReportSearchRun | Pick<ReportSearchRun, "dir" | "frontierPoints" | "result">,
  budget: Pick<ReportSearchBudget, "iterations">,
  plotted: number,
  view?: { costSource: "measured" | "predicted"; frontierIds: ReadonlySet<string> },
): string {
  const where = `**Run.** ${
    codeSpan(run.dir.split("/").slice(-2).join("/"))
  }: ${run.result.records.length} candidates over ${budget.iterations} iterations, `;
  if (view?.costSource === "predicted") {
    return where +
      `${plotted} with **predicted** costs (the cost model of notebook 07), ${view.frontierIds.size} on their 3-D frontier; ` +
      `the ${run.frontierPoints.length} models of the measured frontier (notebook 03) are those the verification measured. `;
  }
  return where + `${plotted} measured, ${run.frontierPoints.length} on the 3-D frontier. `;
}

/**
 * Notebook 03 (heterogeneous vs homogeneous search, and the layer-scaled baseline) as plain
 * functions: which baselines are measured, their records and points, the rows of its plots and
 * tables. Every join is by key (baseline name, candidate id), never by array position.
 *
 * @module
 */
import { bytesToMiB, formatCount } from "../plots/markdown.ts";
import { decoderParams } from "../params/mod.ts";
import {
  type Baseline,
  type BaselinePoint,
  type BaselineRecord,
  baselineRecord,
  layerScaledBaselines,
} from "../search/baselines.ts";
import { type ComparedPoint, compareWithBaselines } from "../search/compare.ts";
import { measurementOf } from "../search/device.ts";
import type { CandidateRecord, FrontierPoint } from "../search/types.ts";
import type { HypervolumeRanges } from "./hypervolume_range.ts";
import type { Measured } from "./measure.ts";
import type { ReportSearchBudget, ReportSearchRun } from "./report_search.ts";

/**
 * The layer-scaled GPT-2 small baselines (1–16 layers, as in the paper) a report search can
 * match, with the searches' own embedding (the budget's d_embed = d_model, k = 4), so that a
 * comparison at matched decoder parameters is about the decoder: those with at most the
 * budget's decoder parameters, by ascending depth (the first is the noise reference).
 *
 * @example
 * ```ts
 * import { reportBaselines } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const embedding = { dEmbed: "dModel" as const, divVal: 4 };
 * const capped = reportBaselines({ maxDecoderParams: 25e6, embedding });
 * assert.deepEqual(capped.map((b) => b.name), ["gpt2-small-L1", "gpt2-small-L2", "gpt2-small-L3"]);
 * const all = reportBaselines({ embedding });
 * assert.equal(all.length, 16);
 * assert.deepEqual([all[0].arch.dEmbed, all[0].arch.divVal], [768, 4]);
 * ```
 */
export function reportBaselines(
  budget: Pick<ReportSearchBudget, "maxDecoderParams" | "embedding">,
): Baseline[] {
  return layerScaledBaselines("gpt2-small", {
    dEmbed: budget.embedding.dEmbed,
    divVal: budget.embedding.divVal,
  }).filter((b) =>
    budget.maxDecoderParams === undefined || decoderParams(b.arch) <= budget.maxDecoderParams
  );
}

/**
 * The baseline records of measured baselines (`measureItems` pairs, already paired by
 * architecture hash): the same records as `measureBaselines` makes, failed ones included.
 *
 * @example
 * ```ts
 * import { baselineRecordsOf } from "./hetero_homo.ts";
 * import { layerScaledBaselines } from "../search/baselines.ts";
 * import assert from "node:assert/strict";
 * const [b] = layerScaledBaselines("gpt2-small", { layers: [1] });
 * const [record] = baselineRecordsOf([{ item: b, result: { ok: false, reason: "oom" } as never }]);
 * assert.equal(record.status, "failed");
 * assert.equal(record.name, "gpt2-small-L1");
 * ```
 */
export function baselineRecordsOf(measured: readonly Measured<Baseline>[]): BaselineRecord[] {
  return measured.map(({ item, result }) => baselineRecord(item, measurementOf(result)));
}

/** A row of the baseline table. */
export type BaselineTableRow = {
  name: string;
  nLayer: number;
  decoderParams: number;
  latencyP50Ms: number;
  peakMemoryBytes: number;
  peakMemoryMiB: number;
};

/**
 * The rows of the baseline table: each measured baseline with its memory also in MiB.
 *
 * @example
 * ```ts
 * import { baselineTableRows } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const [row] = baselineTableRows([
 *   { id: "x", name: "gpt2-small-L1", nLayer: 1, decoderParams: 7e6, latencyP50Ms: 3, peakMemoryBytes: 2 ** 21 },
 * ]);
 * assert.deepEqual(row, { name: "gpt2-small-L1", nLayer: 1, decoderParams: 7e6, latencyP50Ms: 3,
 *   peakMemoryBytes: 2 ** 21, peakMemoryMiB: 2 });
 * ```
 */
export function baselineTableRows(points: readonly BaselinePoint[]): BaselineTableRow[] {
  return points.map((p) => ({
    name: p.name,
    nLayer: p.nLayer,
    decoderParams: p.decoderParams,
    latencyP50Ms: p.latencyP50Ms,
    peakMemoryBytes: p.peakMemoryBytes,
    peakMemoryMiB: bytesToMiB(p.peakMemoryBytes),
  }));
}

/** A row of the "Searches" table. */
export type SearchSummaryRow = {
  search: string;
  seed: number;
  /** Candidates recorded in the run. */
  candidates: number;
  /** Of them, failed (the running total after the last iteration). */
  failed: number;
  /** Candidates whose costs were measured on this device (all of a measured search). */
  measured: number;
  /** Models on the final (measured) frontier. */
  frontier: number;
};

/**
 * One row per named search run: its seed, candidates, failed candidates, measured candidates and
 * frontier size.
 *
 * @example
 * ```ts
 * import { searchSummaryRows } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const run = { dir: "d", seed: 1, frontierPoints: [{ id: "a", decoderParams: 1, latencyP50Ms: 1, peakMemoryBytes: 1 }],
 *   measuredRecords: [{}] as never,
 *   result: { records: [{}, {}] as never, frontier: [] as never, iterations: [{ failedSoFar: 1 }] as never } };
 * assert.deepEqual(searchSummaryRows({ heterogeneous: run }), [
 *   { search: "heterogeneous", seed: 1, candidates: 2, failed: 1, measured: 1, frontier: 1 },
 * ]);
 * ```
 */
export function searchSummaryRows(
  runs: Readonly<Record<string, ReportSearchRun>>,
): SearchSummaryRow[] {
  return Object.entries(runs).map(([search, run]) => ({
    search,
    seed: run.seed,
    candidates: run.result.records.length,
    failed: run.result.iterations.at(-1)?.failedSoFar ?? 0,
    measured: run.measuredRecords.length,
    frontier: run.frontierPoints.length,
  }));
}

/** A point of the objective plots: one model of one family. */
export type ObjectivePlotRow = {
  family: string;
  id: string;
  decoderParams: number;
  latencyP50Ms: number;
  peakMemoryMiB: number;
  /** Lowest and highest p50 of the processes it was measured in (several processes only). */
  latencyLowMs?: number;
  latencyHighMs?: number;
};

/**
 * Measured records (a frontier, or baselines) as plot rows of one family, with the spread of
 * their processes' p50s when they were measured in several (`latencyMs.processMin`/`Max`).
 *
 * @example
 * ```ts
 * import { spreadPlotRows } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const [row] = spreadPlotRows([{ id: "a", decoderParams: 5, peakMemoryBytes: 2 ** 20,
 *   latencyMs: { p50: 2, processMin: 1.9, processMax: 2.2 } }], "frontier");
 * assert.deepEqual([row.latencyLowMs, row.latencyHighMs], [1.9, 2.2]);
 * ```
 */
export function spreadPlotRows(
  records: readonly {
    id: string;
    decoderParams: number;
    latencyMs?: { p50: number; [stat: string]: number };
    peakMemoryBytes?: number;
  }[],
  family: string,
): ObjectivePlotRow[] {
  return records.filter((r) => r.latencyMs && r.peakMemoryBytes !== undefined).map((r) => {
    const row: ObjectivePlotRow = {
      family,
      id: r.id,
      decoderParams: r.decoderParams,
      latencyP50Ms: r.latencyMs!.p50,
      peakMemoryMiB: bytesToMiB(r.peakMemoryBytes!),
    };
    if (r.latencyMs!.processMin !== undefined) {
      row.latencyLowMs = r.latencyMs!.processMin;
      row.latencyHighMs = r.latencyMs!.processMax;
    }
    return row;
  });
}

/**
 * Every measured (`ok`) candidate of a run as plot rows of one family (the grey cloud).
 *
 * @example
 * ```ts
 * import { candidatePlotRows } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const rows = candidatePlotRows([
 *   { id: "a", status: "ok", decoderParams: 5, latencyMs: { p50: 2 }, peakMemoryBytes: 2 ** 20 },
 *   { id: "b", status: "failed", decoderParams: 9, reason: "oom" },
 * ] as never, "candidates");
 * assert.deepEqual(rows, [{ family: "candidates", id: "a", decoderParams: 5, latencyP50Ms: 2, peakMemoryMiB: 1 }]);
 * ```
 */
export function candidatePlotRows(
  records: readonly CandidateRecord[],
  family: string,
): ObjectivePlotRow[] {
  return records.filter((r) => r.status === "ok").map((r) => ({
    family,
    id: r.id,
    decoderParams: r.decoderParams,
    latencyP50Ms: r.latencyMs!.p50,
    peakMemoryMiB: bytesToMiB(r.peakMemoryBytes!),
  }));
}

/**
 * Frontier (or baseline) points of several families as plot rows, family by family.
 *
 * @example
 * ```ts
 * import { frontierPlotRows } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const p = { id: "a", decoderParams: 5, latencyP50Ms: 2, peakMemoryBytes: 2 ** 21 };
 * const rows = frontierPlotRows({ "heterogeneous frontier": [p], "layer-scaled baseline": [p] });
 * assert.deepEqual(rows.map((r) => [r.family, r.peakMemoryMiB]), [
 *   ["heterogeneous frontier", 2], ["layer-scaled baseline", 2],
 * ]);
 * ```
 */
export function frontierPlotRows(
  families: Readonly<Record<string, readonly ComparedPoint[]>>,
): ObjectivePlotRow[] {
  return Object.entries(families).flatMap(([family, points]) =>
    points.map((p) => ({
      family,
      id: p.id,
      decoderParams: p.decoderParams,
      latencyP50Ms: p.latencyP50Ms,
      peakMemoryMiB: bytesToMiB(p.peakMemoryBytes),
    }))
  );
}

/**
 * A row of the ratio table: one baseline against the best model of each frontier (a
 * `BaselineRatioRow` of the conclusions, with the baseline's latency).
 */
export type RatioTableRow = {
  baseline: string;
  decoderParams: number;
  baselineLatencyP50Ms: number;
  heteroLatencyRatio: number | null;
  homoLatencyRatio: number | null;
  heteroMemoryRatio: number | null;
  homoMemoryRatio: number | null;
};

/**
 * For each baseline, the latency and memory ratios (baseline ÷ best frontier model with at least
 * its decoder parameters; `null` when no frontier model has that many) of the heterogeneous and
 * the homogeneous frontier, joined by baseline name.
 *
 * @example
 * ```ts
 * import { ratioTableRows } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const pt = (id: string, decoderParams: number, latencyP50Ms: number) =>
 *   ({ id, decoderParams, latencyP50Ms, peakMemoryBytes: 100 });
 * const [small, big] = ratioTableRows({
 *   heterogeneous: [pt("h", 20, 5)],
 *   homogeneous: [pt("o", 12, 8)],
 *   baselines: [{ ...pt("b1", 10, 10), name: "L1" }, { ...pt("b2", 15, 20), name: "L2" }],
 * });
 * assert.deepEqual([small.baseline, small.heteroLatencyRatio, small.homoLatencyRatio], ["L1", 2, 1.25]);
 * assert.deepEqual([big.heteroLatencyRatio, big.homoLatencyRatio], [4, null]);
 * ```
 */
export function ratioTableRows(input: {
  heterogeneous: readonly FrontierPoint[];
  homogeneous: readonly FrontierPoint[];
  baselines: readonly (ComparedPoint & { name: string })[];
}): RatioTableRow[] {
  const byName = (frontier: readonly FrontierPoint[]) =>
    new Map(compareWithBaselines(frontier, input.baselines).map((c) => [c.baseline, c]));
  const hetero = byName(input.heterogeneous);
  const homo = byName(input.homogeneous);
  return input.baselines.map((b) => {
    const h = hetero.get(b.name), o = homo.get(b.name);
    return {
      baseline: b.name,
      decoderParams: b.decoderParams,
      baselineLatencyP50Ms: b.latencyP50Ms,
      heteroLatencyRatio: h?.latencyRatio ?? null,
      homoLatencyRatio: o?.latencyRatio ?? null,
      heteroMemoryRatio: h?.memoryRatio ?? null,
      homoMemoryRatio: o?.memoryRatio ?? null,
    };
  });
}

/** A row of the hypervolume table. */
export type HypervolumeTableRow = {
  frontier: string;
  hypervolume: number;
  lowWithNoise: number;
  highWithNoise: number;
};

/**
 * The rows of the hypervolume table, one per frontier, in the order the ranges were computed.
 *
 * @example
 * ```ts
 * import { hypervolumeTableRows } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const rows = hypervolumeTableRows({ bounds: {} as never, reference: 1.1,
 *   ranges: { heterogeneous: { value: 0.6, low: 0.5, high: 0.7 } } });
 * assert.deepEqual(rows, [{ frontier: "heterogeneous", hypervolume: 0.6, lowWithNoise: 0.5, highWithNoise: 0.7 }]);
 * ```
 */
export function hypervolumeTableRows(hv: HypervolumeRanges): HypervolumeTableRow[] {
  return Object.entries(hv.ranges).map(([frontier, r]) => ({
    frontier,
    hypervolume: r.value,
    lowWithNoise: r.low,
    highWithNoise: r.high,
  }));
}

/**
 * The caption of the hypervolume table: how it is normalised and what the noise range means.
 *
 * @example
 * ```ts
 * import { hypervolumeCaption } from "./hetero_homo.ts";
 * import assert from "node:assert/strict";
 * const caption = hypervolumeCaption(1.1, { latency: 0.052, memory: 0.004 });
 * assert.match(caption, /reference point 1.1 per objective/);
 * assert.match(caption, /\(5\.2 % latency, 0\.4 % memory\)/);
 * ```
 */
export function hypervolumeCaption(
  reference: number,
  noise: { latency: number; memory: number },
): string {
  return `Hypervolume (objectives scaled to [0, 1] over all three sets, reference point ${reference} per objective; larger is better). ` +
    `low/high: every latency and memory worse/better by the measured noise (${
      (100 * noise.latency).toFixed(1)
    } % latency, ${(100 * noise.memory).toFixed(1)} % memory).`;
}

/**
 * The settings sentence of the report searches (space, embedding, parameter cap, iterations,
 * population, split, mutation probability, seeds, cost mode and processes); the notebook appends
 * `provenance`.
 *
 * @example
 * ```ts
 * import { reportSearchSettingsText } from "./hetero_homo.ts";
 * import { reportSearchBudget } from "./report_search.ts";
 * import assert from "node:assert/strict";
 * const text = reportSearchSettingsText(reportSearchBudget({ quick: true }));
 * assert.match(text, /^\*\*Settings\.\*\* Space `lts-gpt2` with decoder parameters ≤ 25\.0 M/);
 * assert.match(reportSearchSettingsText(reportSearchBudget({ quick: false })), /whole space/);
 * ```
 */
export function reportSearchSettingsText(budget: ReportSearchBudget): string {
  const space = budget.maxDecoderParams === undefined
    ? `Space \`${budget.preset}\` (the whole space)`
    : `Space \`${budget.preset}\` with decoder parameters ≤ ${
      formatCount(budget.maxDecoderParams)
    }`;
  const cost = budget.cost === "verified"
    ? `Costs: **verified** (\`--cost verified\`): each search runs on this device's calibrated cost model, then measures at most ${budget.verifyMax} candidates on or near the predicted frontier, each in ${budget.processRepeats} fresh processes (median process; the bars show the lowest and highest), and its final frontier is those measurements alone. `
    : `Costs: every candidate **measured** (${budget.processRepeats} process${
      budget.processRepeats > 1 ? "es" : ""
    } each). `;
  return `**Settings.** ${space}; embedding d_embed = d_model with adaptive-input factor k = ${budget.embedding.divVal} for the searches and the baselines alike (the paper's setting, so comparisons at matched decoder parameters are about the decoder); ` +
    `${budget.iterations} iterations, initial population ${budget.population} (parents : mutations : crossovers = 20 : 40 : 40), ` +
    `mutation probability 0.3, seeds ${
      budget.seeds.join(", ")
    } (the first is shown in detail). ${cost}`;
}

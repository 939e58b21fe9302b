/**
 * The cost model in the report (notebook 07): its held-out validation as a table and a
 * predicted-against-measured scatter, the prediction error the searches' verifications found,
 * and what a `verified` search cost against measuring every candidate. Pure functions over
 * numbers measured in the notebook or read from run folders.
 *
 * @module
 */
import type { ErrorSummary } from "../costmodel/types.ts";
import type { ValidationRow } from "../costmodel/validate.ts";
import type { VerificationSummary } from "../search/verify.ts";
import { bytesToMiB } from "../plots/markdown.ts";

/** One row of an accuracy table (percentages as numbers, 0–100). */
export type AccuracyTableRow = {
  objective: string;
  models: number;
  "within ±5 %": number;
  "within ±10 %": number;
  "median |error| %": number;
  "max |error| %": number;
  "bias %": number;
  /** p95 of the error once the common bias is taken out (what can change a ranking). */
  "spread p95 %": number | null;
  "Spearman ρ": number;
};

const pct = (x: number) => Math.round(1000 * x) / 10;

/**
 * Accuracy summaries (`errorSummary`, per objective) as table rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accuracyTableRows } from "./cost_model.ts";
 * const s = { n: 20, within5: 0.85, within10: 1, medianAbsError: 0.021, maxAbsError: 0.09,
 *   meanSignedError: 0.01, relativeSpread95: 0.05, spearman: 0.998 };
 * const [row] = accuracyTableRows({ "latency p50": s });
 * assert.deepEqual([row.objective, row["within ±5 %"], row["max |error| %"]], ["latency p50", 85, 9]);
 * ```
 */
export function accuracyTableRows(
  summaries: Readonly<Record<string, ErrorSummary>>,
): AccuracyTableRow[] {
  return Object.entries(summaries).map(([objective, s]) => ({
    objective,
    models: s.n,
    "within ±5 %": pct(s.within5),
    "within ±10 %": pct(s.within10),
    "median |error| %": pct(s.medianAbsError),
    "max |error| %": pct(s.maxAbsError),
    "bias %": pct(s.meanSignedError),
    "spread p95 %": s.relativeSpread95 === undefined ? null : pct(s.relativeSpread95),
    "Spearman ρ": Math.round(1e4 * s.spearman) / 1e4,
  }));
}

/** A point of the predicted-against-measured scatter. */
export type PredictionPlotRow = {
  archHash: string;
  nLayer: number;
  dModel: number;
  /** Measured (median process) and predicted: latency p50 (ms), peak memory (MiB). */
  measuredLatencyMs: number;
  predictedLatencyMs: number;
  /** Lowest and highest p50 over the processes. */
  latencyLowMs: number;
  latencyHighMs: number;
  measuredMemoryMiB: number;
  predictedMemoryMiB: number;
};

/**
 * Validation rows as scatter points (joined by architecture within each row).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { predictionPlotRows } from "./cost_model.ts";
 * const [p] = predictionPlotRows([{ archHash: "ab", arch: { nLayer: 2, dModel: 64 } as never,
 *   predicted: { latencyMs: 10, peakMemoryBytes: 2 ** 21 } as never, latencyP50Ms: 11,
 *   peakMemoryBytes: 2 ** 21, processP50Ms: [10.5, 11, 11.2] }]);
 * assert.deepEqual([p.latencyLowMs, p.latencyHighMs, p.predictedMemoryMiB], [10.5, 11.2, 2]);
 * ```
 */
export function predictionPlotRows(rows: readonly ValidationRow[]): PredictionPlotRow[] {
  return rows.map((r) => ({
    archHash: r.archHash,
    nLayer: r.arch.nLayer,
    dModel: r.arch.dModel,
    measuredLatencyMs: r.latencyP50Ms,
    predictedLatencyMs: r.predicted.latencyMs,
    latencyLowMs: Math.min(...r.processP50Ms),
    latencyHighMs: Math.max(...r.processP50Ms),
    measuredMemoryMiB: bytesToMiB(r.peakMemoryBytes),
    predictedMemoryMiB: bytesToMiB(r.predicted.peakMemoryBytes),
  }));
}

/** What a verified search of the report cost, from its run folder. */
export interface VerifiedSearchCost {
  name: string;
  /** Candidates the search proposed (all costed by prediction). */
  candidates: number;
  /** Candidates measured by the verification, and the fresh processes each was measured in. */
  measured: number;
  processRepeats: number;
  /** Wall time of the verification's measurements (ms), as recorded in `verification.json`. */
  measureMs: number;
}

/** The search-cost comparison of notebook 07. */
export interface SearchCostInput {
  /** The calibration's own measured wall time (ms), shared by every search. */
  calibrationMs: number;
  /** A predicted search of the same budget timed in the notebook (ms). */
  predictedSearchMs: number;
  searches: readonly VerifiedSearchCost[];
}

/** One row of the search-cost table. */
export type SearchCostRow = { step: string; "wall (s)": number; how: string };

/**
 * The cost of one `verified` search (calibration, predicted search, the median search's
 * verification) and, for scale, an estimate of measuring every candidate of it once: its
 * candidates × the median time of one measurement process in the verifications (an
 * estimate, and labelled so: the verified models are frontier models, larger than the average
 * candidate, so it leans high).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { searchCostRows } from "./cost_model.ts";
 * const rows = searchCostRows({ calibrationMs: 200_000, predictedSearchMs: 1_000,
 *   searches: [{ name: "h", candidates: 2400, measured: 12, processRepeats: 3, measureMs: 144_000 }] });
 * assert.deepEqual(rows.map((r) => r["wall (s)"]), [200, 1, 144, 345, 9600]);
 * ```
 */
export function searchCostRows(input: SearchCostInput): SearchCostRow[] {
  const s = [...input.searches].sort((a, b) => a.measureMs - b.measureMs);
  const median = s[(s.length - 1) >> 1];
  const perProcessMs = median ? median.measureMs / (median.measured * median.processRepeats) : NaN;
  const secs = (ms: number) => Math.round(ms / 100) / 10;
  const verificationMs = median?.measureMs ?? 0;
  const rows: SearchCostRow[] = [
    {
      step: "calibration (once per device and settings)",
      "wall (s)": secs(input.calibrationMs),
      how: "measured: recorded in the calibration",
    },
    {
      step: "search on predicted costs",
      "wall (s)": secs(input.predictedSearchMs),
      how: "measured: timed in this notebook",
    },
    {
      step: `verification (${median?.measured ?? 0} models × ${
        median?.processRepeats ?? 0
      } processes)`,
      "wall (s)": secs(verificationMs),
      how: `measured: median of the report's ${s.length} verified searches`,
    },
    {
      step: "verified search, in all",
      "wall (s)": secs(input.calibrationMs + input.predictedSearchMs + verificationMs),
      how: "the sum of the three above",
    },
  ];
  if (median) {
    rows.push({
      step: `every candidate measured once (${median.candidates} candidates)`,
      "wall (s)": secs(median.candidates * perProcessMs),
      how: `estimate: candidates × ${
        (perProcessMs / 1000).toFixed(1)
      } s, the verifications' median time per process`,
    });
  }
  return rows;
}

/**
 * The conclusion lines of notebook 07: the held-out accuracy beside the measurement noise, the
 * verifications' accuracy, and the search cost beside the paper's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { costModelConclusions } from "./cost_model.ts";
 * const s = (within5: number, max: number) => ({ n: 20, within5, within10: 1, medianAbsError: 0.02,
 *   maxAbsError: max, meanSignedError: 0.01, spearman: 0.995 });
 * const lines = costModelConclusions({ latency: s(0.8, 0.09), memory: s(1, 0.03), processCvMedian: 0.02,
 *   search: { verifiedTotalS: 400, measuredEstimateS: 9000 } });
 * assert.match(lines[0], /within ±5 % for 80 % of 20 held-out models/);
 * assert.match(lines.at(-1)!, /2\.6 h/);
 * ```
 */
export function costModelConclusions(input: {
  latency: ErrorSummary;
  memory: ErrorSummary;
  /** Median CV of one model's p50 over its processes (the validation's noise). */
  processCvMedian: number;
  /** The search-cost table's totals, when the report ran verified searches. */
  search?: { verifiedTotalS: number; measuredEstimateS: number };
}): string[] {
  const { latency, memory } = input;
  const p = (x: number) => `${Math.round(100 * x)} %`;
  const sign = (x: number, digits: number) => `${x < 0 ? "−" : "+"}${Math.abs(x).toFixed(digits)}`;
  const lines = [
    `- **Latency.** Predicted within ±5 % for ${
      p(latency.within5)
    } of ${latency.n} held-out models (within ±10 %: ${p(latency.within10)}; median error ${
      (100 * latency.medianAbsError).toFixed(1)
    } %, largest ${(100 * latency.maxAbsError).toFixed(1)} %, bias ${
      sign(100 * latency.meanSignedError, 1)
    } %), Spearman ρ = ${sign(latency.spearman, 3)}. For scale, one model's p50 varies by ${
      (100 * input.processCvMedian).toFixed(1)
    } % (median CV) between fresh processes here.`,
    `- **Peak memory.** Within ±5 % for ${p(memory.within5)} (largest error ${
      (100 * memory.maxAbsError).toFixed(1)
    } %), ρ = ${sign(memory.spearman, 3)}: it is mostly exact byte counts.`,
  ];
  if (!input.search) return lines;
  const { verifiedTotalS, measuredEstimateS } = input.search;
  lines.push(
    `- **Search cost.** A paper-budget search (30 × 100) costed by the model and verified on the device took ${
      (verifiedTotalS / 60).toFixed(1)
    } min here, calibration included; measuring every candidate once would take about ${
      (measuredEstimateS / 3600).toFixed(1)
    } h (an estimate). The paper reports 2.6 h for its search on a Core i7 (published, not measured here).`,
  );
  return lines;
}

/** A verified search of the report, as the tables of notebook 07 read it. */
export interface VerifiedRun {
  name: string;
  seed: number;
  candidates: number;
  summary: VerificationSummary;
}

/** One row of the verification-accuracy table (percentages, 0–100). */
export type VerificationAccuracyRow = {
  search: string;
  seed: number;
  "predicted frontier": number;
  "within margin": number;
  measured: number;
  "margin latency %": number;
  "latency median |error| %": number | null;
  "latency max |error| %": number | null;
  "memory max |error| %": number | null;
};

/**
 * Per verified search: how many candidates the predictions put on or near the frontier, how
 * many were measured, and how far the predictions were from those measurements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verificationAccuracyRows } from "./cost_model.ts";
 * const e = (max: number) => ({ n: 8, within5: 1, within10: 1, medianAbsError: 0.02, maxAbsError: max,
 *   meanSignedError: 0, spearman: 1 });
 * const summary = { margin: { latency: 0.2, memory: 0.1 }, withinMargin: 300, measured: 8, max: 8,
 *   predictedFrontier: 250, largestSlackMeasured: 0, frontierPoints: [], measureMs: 1,
 *   accuracy: { latency: e(0.07), memory: e(0.03) } };
 * const [row] = verificationAccuracyRows([{ name: "heterogeneous", seed: 1, candidates: 2400, summary }]);
 * assert.deepEqual([row.measured, row["latency max |error| %"], row["margin latency %"]], [8, 7, 20]);
 * ```
 */
export function verificationAccuracyRows(
  runs: readonly VerifiedRun[],
): VerificationAccuracyRow[] {
  return runs.map(({ name, seed, summary: s }) => ({
    search: name,
    seed,
    "predicted frontier": s.predictedFrontier,
    "within margin": s.withinMargin,
    measured: s.measured,
    "margin latency %": pct(s.margin.latency),
    "latency median |error| %": s.accuracy ? pct(s.accuracy.latency.medianAbsError) : null,
    "latency max |error| %": s.accuracy ? pct(s.accuracy.latency.maxAbsError) : null,
    "memory max |error| %": s.accuracy ? pct(s.accuracy.memory.maxAbsError) : null,
  }));
}

/**
 * The verified searches as the search-cost table needs them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifiedSearchCosts } from "./cost_model.ts";
 * const summary = { measured: 8, measureMs: 90_000 } as never;
 * assert.deepEqual(verifiedSearchCosts([{ name: "h", seed: 1, candidates: 2400, summary }], 3),
 *   [{ name: "h (seed 1)", candidates: 2400, measured: 8, processRepeats: 3, measureMs: 90_000 }]);
 * ```
 */
export function verifiedSearchCosts(
  runs: readonly VerifiedRun[],
  processRepeats: number,
): VerifiedSearchCost[] {
  return runs.map((r) => ({
    name: `${r.name} (seed ${r.seed})`,
    candidates: r.candidates,
    measured: r.summary.measured,
    processRepeats,
    measureMs: r.summary.measureMs ?? 0,
  }));
}

/**
 * The tables of notebook 05 (the paper's OPT-scale architectures): parameter counts in both
 * conventions, and the measured rows with each model's speed-up over the baseline. Counts and
 * results are joined by model name and the baseline is found by name, never by position.
 *
 * @module
 */
import { bytesToMiB } from "../plots/markdown.ts";
import { decoderParamsWithPositions } from "../params/positions.ts";
import type { ProfileSuccess } from "../profile/result.ts";
import type { Measured } from "./measure.ts";
import { type PaperArch, type PaperArchCounts, paperArchCounts } from "./paper_archs.ts";

/** The parameter counts of one paper architecture. */
export type OptCountRow = PaperArchCounts & {
  /** With the learned positions, the paper's OPT-table convention (`decoderParamsWithPositions`). */
  decoderParamsWithPositions: number;
};

/**
 * One count row per model, in input order (the OPT-scale architectures are homogeneous, so the
 * first layer's n_head and d_inner stand for all).
 *
 * @example
 * ```ts
 * import { optCountRows } from "./opt_tables.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 128, nPositions: 2048 });
 * const [row] = optCountRows([{ name: "tiny", arch, paper: {} }]);
 * assert.equal(row.decoderParamsWithPositions - row.decoderParams, 2048 * 64);
 * ```
 */
export function optCountRows(models: readonly PaperArch[]): OptCountRow[] {
  return models.map((m) => {
    // Both decoder counts side by side, then the total.
    const { totalParams, ...counts } = paperArchCounts(m);
    return {
      ...counts,
      decoderParamsWithPositions: decoderParamsWithPositions(m.arch),
      totalParams,
    };
  });
}

/** One measured model of notebook 05. */
export type OptMeasuredRow = OptCountRow & {
  latencyP50Ms: number;
  runs: number;
  peakMemoryMiB: number;
  /** Baseline latency p50 ÷ this model's. */
  speedupVsBaseline: number;
  /** At least the baseline's decoder parameters with positions (paper's convention). */
  moreParamsThanBaseline: boolean;
};

/** The measured table of notebook 05 with its baseline. */
export interface OptMeasured {
  /** The baseline's own measurement. */
  baseline: ProfileSuccess;
  /** The baseline's counts. */
  baselineCount: OptCountRow;
  /** Every successful model, the baseline included, in input order. */
  rows: OptMeasuredRow[];
}

/**
 * Joins each successful measurement with its model's counts (by name) and divides the
 * baseline's latency (the model named `baselineName`) by the model's. Throws when the baseline
 * is missing or its measurement failed: without it there is no speed-up.
 *
 * @example
 * ```ts
 * import { optCountRows, optMeasuredRows } from "./opt_tables.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const arch = (nLayer: number) => validateArch({ backbone: "gpt2", nLayer, dModel: 64, nHead: 2, dInner: 128 });
 * const models = [{ name: "M1", arch: arch(1), paper: {} }, { name: "base", arch: arch(2), paper: {} }];
 * const ok = (p50: number) => ({ ok: true, latencyMs: { p50, n: 3 }, peakMemoryBytes: 2 ** 20 }) as never;
 * const { rows } = optMeasuredRows(
 *   [{ item: models[0], result: ok(50) }, { item: models[1], result: ok(100) }],
 *   optCountRows(models), "base",
 * );
 * assert.deepEqual(rows.map((r) => [r.name, r.speedupVsBaseline, r.moreParamsThanBaseline]), [
 *   ["M1", 2, false], ["base", 1, true],
 * ]);
 * ```
 */
export function optMeasuredRows(
  measured: readonly Measured<PaperArch>[],
  counts: readonly OptCountRow[],
  baselineName: string,
): OptMeasured {
  const countOf = new Map(counts.map((c) => [c.name, c]));
  const count = (name: string) => {
    const c = countOf.get(name);
    if (!c) throw new Error(`no parameter count for ${name}`);
    return c;
  };
  const baselinePair = measured.find((p) => p.item.name === baselineName);
  if (!baselinePair) throw new Error(`the baseline ${baselineName} was not measured`);
  const baseline = baselinePair.result;
  if (!baseline.ok) throw new Error(`the baseline could not be measured: ${baseline.reason}`);
  const baselineCount = count(baselineName);
  const rows = measured.flatMap(({ item, result }) => {
    if (!result.ok) return [];
    const c = count(item.name);
    return [{
      ...c,
      latencyP50Ms: result.latencyMs.p50,
      runs: result.latencyMs.n,
      peakMemoryMiB: bytesToMiB(result.peakMemoryBytes),
      speedupVsBaseline: baseline.latencyMs.p50 / result.latencyMs.p50,
      moreParamsThanBaseline: c.decoderParamsWithPositions >=
        baselineCount.decoderParamsWithPositions,
    }];
  });
  return { baseline, baselineCount, rows };
}

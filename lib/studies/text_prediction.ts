/**
 * The tables of notebook 06 (text prediction): each model's measured prompt and token latency
 * beside the study's own figures, and both relative to the baseline (found by name).
 *
 * @module
 */
import { bytesToMiB } from "../plots/markdown.ts";
import type { TextPredictionRow } from "./conclusions.ts";
import type { Measured } from "./measure.ts";
import { type PaperArch, type PaperArchCounts, paperArchCounts } from "./paper_archs.ts";

/** One measured model of notebook 06, with the study's latencies. */
export type TextPredictionMeasuredRow = PaperArchCounts & {
  promptLatencyP50Ms: number;
  tokenLatencyP50Ms: number;
  latencyPerTokenP50Ms: number;
  latencyPerTokenP95Ms: number;
  peakMemoryMiB: number;
  paperPromptLatencyMs: number;
  paperTokenLatencyMs: number;
};

function paperNumber(m: PaperArch, field: string): number {
  const value = m.paper[field];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${m.name}: the study's ${field} is not a number`);
  }
  return value;
}

/**
 * The rows of the models whose generation was measured (a result without token latency, from
 * settings without generation, is left out), in input order.
 *
 * @example
 * ```ts
 * import { textPredictionRows } from "./text_prediction.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 128 });
 * const model = { name: "baseline", arch, paper: { paperPromptLatencyMs: 47.6, paperTokenLatencyMs: 11.8 } };
 * const p50 = (x: number) => ({ p50: x, p95: x + 1 });
 * const generation = { promptLatencyMs: p50(40), tokenLatencyMs: p50(10), latencyPerTokenMs: p50(12),
 *   peakMemoryBytes: 2 ** 21 };
 * const [row] = textPredictionRows([{ item: model, result: { ok: true, generation } as never }]);
 * assert.deepEqual([row.tokenLatencyP50Ms, row.latencyPerTokenP95Ms, row.peakMemoryMiB, row.paperTokenLatencyMs],
 *   [10, 13, 2, 11.8]);
 * assert.equal(textPredictionRows([{ item: model, result: { ok: true } as never }]).length, 0);
 * ```
 */
export function textPredictionRows(
  measured: readonly Measured<PaperArch>[],
): TextPredictionMeasuredRow[] {
  return measured.flatMap(({ item: m, result }) => {
    if (!result.ok) return [];
    const g = result.generation;
    if (!g || !g.tokenLatencyMs) return [];
    return [{
      ...paperArchCounts(m),
      promptLatencyP50Ms: g.promptLatencyMs.p50,
      tokenLatencyP50Ms: g.tokenLatencyMs.p50,
      latencyPerTokenP50Ms: g.latencyPerTokenMs.p50,
      latencyPerTokenP95Ms: g.latencyPerTokenMs.p95,
      peakMemoryMiB: bytesToMiB(g.peakMemoryBytes),
      paperPromptLatencyMs: paperNumber(m, "paperPromptLatencyMs"),
      paperTokenLatencyMs: paperNumber(m, "paperTokenLatencyMs"),
    }];
  });
}

/**
 * The row named `name`. Throws when that model was not measured.
 *
 * @example
 * ```ts
 * import { rowNamed } from "./text_prediction.ts";
 * import assert from "node:assert/strict";
 * assert.equal(rowNamed([{ name: "C1" }, { name: "baseline" }], "baseline").name, "baseline");
 * assert.throws(() => rowNamed([{ name: "C1" }], "baseline"), /baseline could not be measured/);
 * ```
 */
export function rowNamed<T extends { name: string }>(rows: readonly T[], name: string): T {
  const row = rows.find((r) => r.name === name);
  if (!row) throw new Error(`the ${name} could not be measured`);
  return row;
}

/** One bar of the relative-latency plot. */
export interface RelativeLatencyPoint {
  name: string;
  metric: "prompt latency" | "token latency";
  source: "this device" | "study";
  /** The model's latency ÷ the baseline's, from the same source. */
  ratio: number;
}

/**
 * Prompt and token latency of every row relative to the baseline (`baselineName`), measured
 * here and as the study printed them: a long table, four points per model.
 *
 * @example
 * ```ts
 * import { relativeLatencyPoints } from "./text_prediction.ts";
 * import assert from "node:assert/strict";
 * const row = (name: string, pl: number, tl: number) => ({
 *   name, promptLatencyP50Ms: pl, tokenLatencyP50Ms: tl, paperPromptLatencyMs: 2 * pl, paperTokenLatencyMs: tl,
 * });
 * const points = relativeLatencyPoints([row("C1", 20, 5), row("baseline", 40, 10)], "baseline");
 * assert.deepEqual(points.slice(0, 4).map((p) => [p.metric, p.source, p.ratio]), [
 *   ["prompt latency", "this device", 0.5], ["prompt latency", "study", 0.5],
 *   ["token latency", "this device", 0.5], ["token latency", "study", 0.5],
 * ]);
 * ```
 */
export function relativeLatencyPoints(
  rows: readonly Pick<
    TextPredictionRow,
    | "name"
    | "promptLatencyP50Ms"
    | "tokenLatencyP50Ms"
    | "paperPromptLatencyMs"
    | "paperTokenLatencyMs"
  >[],
  baselineName: string,
): RelativeLatencyPoint[] {
  const base = rowNamed(rows, baselineName);
  return rows.flatMap((r) => [
    {
      name: r.name,
      metric: "prompt latency",
      source: "this device",
      ratio: r.promptLatencyP50Ms / base.promptLatencyP50Ms,
    },
    {
      name: r.name,
      metric: "prompt latency",
      source: "study",
      ratio: r.paperPromptLatencyMs / base.paperPromptLatencyMs,
    },
    {
      name: r.name,
      metric: "token latency",
      source: "this device",
      ratio: r.tokenLatencyP50Ms / base.tokenLatencyP50Ms,
    },
    {
      name: r.name,
      metric: "token latency",
      source: "study",
      ratio: r.paperTokenLatencyMs / base.paperTokenLatencyMs,
    },
  ]);
}

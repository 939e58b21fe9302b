/**
 * The aspect-ratio study: architectures of (about) the same decoder-parameter budget, from wide
 * and shallow to narrow and deep. Every layer is the same block (d_inner = ratio·d_model, a fixed
 * head count); the number of layers is derived from the budget for each width.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { validateArch } from "../arch/validate.ts";
import { gpt2FinalLayerNormParams, gpt2LayerParams } from "../params/gpt2.ts";
import { bytesToMiB, formatCount } from "../plots/markdown.ts";
import { positiveNumber } from "../util/validate.ts";
import type { ProfileSuccess } from "../profile/result.ts";
import type { Measured } from "./measure.ts";

/** Options of {@linkcode aspectRatioArchs}. */
export interface AspectRatioOptions {
  /** Widths to try (each must be divisible by `nHead`). */
  dModels: readonly number[];
  /** d_inner = dInnerRatio·d_model; default 2 (the paper's lower bound). */
  dInnerRatio?: number;
  /** Heads in every layer; default 8. */
  nHead?: number;
  /** Keep an architecture only if its decoder params are within this relative distance of the
   * budget; default 0.1 (10 %). */
  tolerance?: number;
  /** Largest number of layers; default 64. */
  maxLayers?: number;
  /** Extra fixed fields (vocabulary, positions) of every architecture. */
  base?: { vocabSize?: number; nPositions?: number };
}

/** One architecture of the study. */
export interface AspectRatioArch {
  budgetDecoderParams: number;
  arch: Arch;
  dModel: number;
  nLayer: number;
  /** d_model / n_layer: large is wide and shallow, small is narrow and deep. */
  aspectRatio: number;
  decoderParams: number;
  /** (decoderParams − budget) / budget. */
  budgetError: number;
}

/**
 * GPT-2 architectures close to a decoder-parameter budget, one per width whose derived depth
 * lands within the tolerance, sorted from narrow-deep to wide-shallow.
 *
 * @example
 * ```ts
 * import { aspectRatioArchs } from "./aspect_ratio.ts";
 * const rows = aspectRatioArchs(20e6, { dModels: [256, 384, 512, 768] });
 * rows.map((r) => [r.dModel, r.nLayer]); // e.g. [[256, 38], [384, 17], [512, 9], [768, 4]]
 * ```
 */
export function aspectRatioArchs(
  budgetDecoderParams: number,
  options: AspectRatioOptions,
): AspectRatioArch[] {
  const { dInnerRatio = 2, nHead = 8, tolerance = 0.1, maxLayers = 64 } = options;
  positiveNumber(budgetDecoderParams, "budgetDecoderParams");
  positiveNumber(dInnerRatio, "dInnerRatio");
  const rows: AspectRatioArch[] = [];
  for (const dModel of options.dModels) {
    const dInner = Math.round(dInnerRatio * dModel);
    const perLayer = gpt2LayerParams(dModel, dInner).total;
    const nLayer = Math.round((budgetDecoderParams - gpt2FinalLayerNormParams(dModel)) / perLayer);
    if (nLayer < 1 || nLayer > maxLayers) continue;
    const decoderParams = nLayer * perLayer + gpt2FinalLayerNormParams(dModel);
    const budgetError = (decoderParams - budgetDecoderParams) / budgetDecoderParams;
    if (Math.abs(budgetError) > tolerance) continue;
    const arch = validateArch(
      { backbone: "gpt2", nLayer, dModel, nHead, dInner, ...options.base },
      `aspect ratio d_model ${dModel}`,
    );
    rows.push({
      budgetDecoderParams,
      arch,
      dModel,
      nLayer,
      aspectRatio: dModel / nLayer,
      decoderParams,
      budgetError,
    });
  }
  return rows.sort((a, b) => a.aspectRatio - b.aspectRatio);
}

/** Max/min of a measured value within one group. */
export interface Spread {
  group: number | string;
  n: number;
  min: number;
  max: number;
  /** max / min. */
  ratio: number;
}

/**
 * The spread (max/min) of a value per group, e.g. latency per parameter budget.
 *
 * @example
 * ```ts
 * import { spreadBy } from "./aspect_ratio.ts";
 * spreadBy([{ b: 1, ms: 2 }, { b: 1, ms: 5 }], (r) => r.b, (r) => r.ms);
 * // [{ group: 1, n: 2, min: 2, max: 5, ratio: 2.5 }]
 * ```
 */
export function spreadBy<T>(
  rows: readonly T[],
  group: (row: T) => number | string,
  value: (row: T) => number,
): Spread[] {
  const groups = new Map<number | string, number[]>();
  for (const row of rows) {
    const v = value(row);
    if (!Number.isFinite(v)) continue;
    const key = group(row);
    const list = groups.get(key) ?? [];
    list.push(v);
    groups.set(key, list);
  }
  return [...groups].map(([key, values]) => {
    const min = Math.min(...values), max = Math.max(...values);
    return { group: key, n: values.length, min, max, ratio: max / min };
  });
}

/**
 * The table of architectures to measure: budget (formatted), shape, and the distance from the
 * budget in %.
 *
 * @example
 * ```ts
 * import { aspectRatioArchs, aspectRatioCandidateRows } from "./aspect_ratio.ts";
 * import assert from "node:assert/strict";
 * const [row] = aspectRatioCandidateRows(aspectRatioArchs(5e6, { dModels: [256] }));
 * assert.equal(row.budget, "5.0 M");
 * assert.ok(Math.abs(row.budgetErrorPct) <= 10);
 * ```
 */
export function aspectRatioCandidateRows(candidates: readonly AspectRatioArch[]): {
  budget: string;
  nLayer: number;
  dModel: number;
  aspectRatio: number;
  decoderParams: number;
  budgetErrorPct: number;
}[] {
  return candidates.map((c) => ({
    budget: formatCount(c.budgetDecoderParams),
    nLayer: c.nLayer,
    dModel: c.dModel,
    aspectRatio: c.aspectRatio,
    decoderParams: c.decoderParams,
    budgetErrorPct: 100 * c.budgetError,
  }));
}

/** One measured model of the aspect-ratio study. */
export type AspectRatioRow = {
  /** The budget, formatted (`"5.0 M"`): the group key of plots and spreads. */
  budget: string;
  budgetDecoderParams: number;
  nLayer: number;
  dModel: number;
  aspectRatio: number;
  decoderParams: number;
  latencyP50Ms: number;
  latencyP10Ms: number;
  latencyP90Ms: number;
  runs: number;
  peakMemoryMiB: number;
  vocabSize: number;
};

/**
 * The successful measurements of the study as rows (each candidate with its own result, paired
 * by architecture in `measureItems`).
 *
 * @example
 * ```ts
 * import { aspectRatioArchs, aspectRatioMeasuredRows } from "./aspect_ratio.ts";
 * import assert from "node:assert/strict";
 * const [c] = aspectRatioArchs(5e6, { dModels: [256] });
 * const result = { ok: true, latencyMs: { p10: 9, p50: 10, p90: 12, n: 7 }, peakMemoryBytes: 2 ** 21 } as never;
 * const [row] = aspectRatioMeasuredRows([{ item: c, result }]);
 * assert.deepEqual([row.latencyP50Ms, row.runs, row.peakMemoryMiB, row.vocabSize], [10, 7, 2, 50257]);
 * ```
 */
export function aspectRatioMeasuredRows(
  measured: readonly Measured<AspectRatioArch>[],
): AspectRatioRow[] {
  const ok = measured.filter((p): p is { item: AspectRatioArch; result: ProfileSuccess } =>
    p.result.ok
  );
  return ok.map(({ item: c, result: r }) => ({
    budget: formatCount(c.budgetDecoderParams),
    budgetDecoderParams: c.budgetDecoderParams,
    nLayer: c.nLayer,
    dModel: c.dModel,
    aspectRatio: c.aspectRatio,
    decoderParams: c.decoderParams,
    latencyP50Ms: r.latencyMs.p50,
    latencyP10Ms: r.latencyMs.p10,
    latencyP90Ms: r.latencyMs.p90,
    runs: r.latencyMs.n,
    peakMemoryMiB: bytesToMiB(r.peakMemoryBytes),
    vocabSize: c.arch.vocabSize,
  }));
}

/**
 * The name of a candidate in tables and failure lists: `"<n_layer> × d<d_model>"`.
 *
 * @example
 * ```ts
 * import { aspectRatioName } from "./aspect_ratio.ts";
 * import assert from "node:assert/strict";
 * assert.equal(aspectRatioName({ nLayer: 4, dModel: 256 }), "4 × d256");
 * ```
 */
export function aspectRatioName(c: Pick<AspectRatioArch, "nLayer" | "dModel">): string {
  return `${c.nLayer} × d${c.dModel}`;
}

/**
 * The reference model of the noise probes: the middle candidate (by aspect ratio) of `budget`.
 * Throws when the budget has no candidate.
 *
 * @example
 * ```ts
 * import { aspectRatioArchs, aspectRatioReference } from "./aspect_ratio.ts";
 * import assert from "node:assert/strict";
 * const candidates = [5e6, 20e6].flatMap((b) => aspectRatioArchs(b, { dModels: [128, 256, 384] }));
 * const ref = aspectRatioReference(candidates, 5e6);
 * assert.equal(ref.budgetDecoderParams, 5e6);
 * assert.equal(ref.dModel, 256);
 * ```
 */
export function aspectRatioReference(
  candidates: readonly AspectRatioArch[],
  budget: number,
): AspectRatioArch {
  const ofBudget = candidates.filter((c) => c.budgetDecoderParams === budget)
    .sort((a, b) => a.aspectRatio - b.aspectRatio);
  if (ofBudget.length === 0) throw new Error(`no candidate of budget ${formatCount(budget)}`);
  return ofBudget[ofBudget.length >> 1];
}

/** Latency and memory max/min of one budget. */
export type AspectRatioSpreadRow = {
  budget: string;
  models: number;
  latencyMinMs: number;
  latencyMaxMs: number;
  /** latencyMaxMs / latencyMinMs. */
  latencySpread: number;
  memoryMinMiB: number;
  memoryMaxMiB: number;
  /** memoryMaxMiB / memoryMinMiB. */
  memorySpread: number;
};

/**
 * Max/min of latency p50 and of peak memory per budget, latency and memory joined by budget.
 * Budgets in order of first appearance.
 *
 * @example
 * ```ts
 * import { aspectRatioSpreads } from "./aspect_ratio.ts";
 * import assert from "node:assert/strict";
 * const rows = [
 *   { budget: "5.0 M", latencyP50Ms: 10, peakMemoryMiB: 40 },
 *   { budget: "20 M", latencyP50Ms: 30, peakMemoryMiB: 90 },
 *   { budget: "5.0 M", latencyP50Ms: 15, peakMemoryMiB: 100 },
 * ];
 * assert.deepEqual(aspectRatioSpreads(rows)[0], {
 *   budget: "5.0 M", models: 2, latencyMinMs: 10, latencyMaxMs: 15, latencySpread: 1.5,
 *   memoryMinMiB: 40, memoryMaxMiB: 100, memorySpread: 2.5,
 * });
 * ```
 */
export function aspectRatioSpreads(
  rows: readonly Pick<AspectRatioRow, "budget" | "latencyP50Ms" | "peakMemoryMiB">[],
): AspectRatioSpreadRow[] {
  const memory = new Map(
    spreadBy(rows, (r) => r.budget, (r) => r.peakMemoryMiB).map((m) => [m.group, m]),
  );
  return spreadBy(rows, (r) => r.budget, (r) => r.latencyP50Ms).map((l) => {
    const m = memory.get(l.group);
    if (!m) throw new Error(`no peak memory for budget ${l.group}`);
    return {
      budget: String(l.group),
      models: l.n,
      latencyMinMs: l.min,
      latencyMaxMs: l.max,
      latencySpread: l.ratio,
      memoryMinMiB: m.min,
      memoryMaxMiB: m.max,
      memorySpread: m.ratio,
    };
  });
}

/**
 * An external check of the profiler: the paper's own published Pareto set for one device (its
 * models, with the latency and memory the paper measured there), measured again on this
 * device, and the two rankings compared. A profiler that ranks models as the paper's device did
 * (Spearman ρ near +1) is measuring what the search needs, whatever the absolute scale.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { bytesToMiB, escapeMarkdown } from "../plots/markdown.ts";
import { spearman } from "../stats/rank.ts";
import type { Measured } from "./measure.ts";
import { describeCorrelation, MIN_POINTS_FOR_CORRELATION } from "./wording.ts";

/** A model of a published Pareto set, as the check needs it (a `BenchmarkModel` fits). */
export interface PublishedModel {
  modelId: string;
  arch: Arch;
  decoderParams: number;
  publishedLatencyMs: number | null;
  publishedMemoryMB: number | null;
}

/**
 * The architecture as it is timed at `seqLen` tokens. The paper's lm1b GPT-2 models were trained
 * with 32 positions (archai's `tgt_len`), too few for a pass of 192 tokens, so their position
 * table is widened to `seqLen` rows. Only that table grows, by (seqLen − nPositions) × d_model
 * fp32 weights (at most 0.6 MiB on the Core i7 set, d_model ≤ 960 at 192 tokens): the decoder,
 * which the proxy counts, is unchanged. An architecture with enough positions, or a
 * Transformer-XL one (relative positions), is returned as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateArch } from "../arch/validate.ts";
 * import { withPositionsFor } from "./published_pareto.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 128, nPositions: 32 });
 * assert.equal(withPositionsFor(arch, 192).nPositions, 192);
 * assert.equal(withPositionsFor(arch, 16), arch);
 * ```
 */
export function withPositionsFor(arch: Arch, seqLen: number): Arch {
  if (arch.backbone !== "gpt2" || arch.nPositions >= seqLen) return arch;
  return { ...arch, nPositions: seqLen };
}

/** One row of the comparison table: the paper's numbers beside ours. */
export type PublishedParetoRow = {
  model: string;
  decoderParams: number;
  /** The paper's latency (ms) and memory (MB) on its device. */
  publishedLatencyMs: number;
  publishedMemoryMB: number;
  /** Ours on this device: p50 (ms) and peak memory (MiB). */
  latencyP50Ms: number;
  peakMemoryMiB: number;
};

/**
 * The models measured here and published with both numbers, paired by model (the measurement
 * was paired with its model by architecture hash, `measureItems`), in the set's order.
 * Models that failed to measure or lack a published number are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedParetoRows } from "./published_pareto.ts";
 * const item = { modelId: "M1", arch: {} as never, decoderParams: 5e6, publishedLatencyMs: 12, publishedMemoryMB: 300 };
 * const rows = publishedParetoRows([{ item, result: { ok: true, latencyMs: { p50: 4 }, peakMemoryBytes: 2 ** 27 } as never }]);
 * assert.deepEqual(rows, [{ model: "M1", decoderParams: 5e6, publishedLatencyMs: 12, publishedMemoryMB: 300,
 *   latencyP50Ms: 4, peakMemoryMiB: 128 }]);
 * ```
 */
export function publishedParetoRows(
  measured: readonly Measured<PublishedModel>[],
): PublishedParetoRow[] {
  const rows: PublishedParetoRow[] = [];
  for (const { item, result } of measured) {
    if (!result.ok || item.publishedLatencyMs === null || item.publishedMemoryMB === null) continue;
    rows.push({
      model: item.modelId,
      decoderParams: item.decoderParams,
      publishedLatencyMs: item.publishedLatencyMs,
      publishedMemoryMB: item.publishedMemoryMB,
      latencyP50Ms: result.latencyMs.p50,
      peakMemoryMiB: bytesToMiB(result.peakMemoryBytes),
    });
  }
  return rows;
}

/** Spearman ρ of our numbers against the paper's, per objective (NaN with under 3 models). */
export interface PublishedParetoAgreement {
  models: number;
  latencySpearman: number;
  memorySpearman: number;
}

/**
 * How our latency and memory rank the models against the paper's own numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedParetoAgreement } from "./published_pareto.ts";
 * const row = (l: number, m: number) => ({ model: "M", decoderParams: 1, publishedLatencyMs: l,
 *   publishedMemoryMB: m, latencyP50Ms: l / 3, peakMemoryMiB: 100 - m });
 * const a = publishedParetoAgreement([row(1, 10), row(2, 20), row(3, 30)]);
 * assert.deepEqual(a, { models: 3, latencySpearman: 1, memorySpearman: -1 });
 * ```
 */
export function publishedParetoAgreement(
  rows: readonly PublishedParetoRow[],
): PublishedParetoAgreement {
  const rho = (x: number[], y: number[]) => (x.length >= 3 ? spearman(x, y) : NaN);
  return {
    models: rows.length,
    latencySpearman: rho(rows.map((r) => r.publishedLatencyMs), rows.map((r) => r.latencyP50Ms)),
    memorySpearman: rho(rows.map((r) => r.publishedMemoryMB), rows.map((r) => r.peakMemoryMiB)),
  };
}

/**
 * The conclusion lines of the check: each correlation with its sign and strength, and what it
 * says about the profiler. The set name is escaped (it comes from a file).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedParetoConclusions } from "./published_pareto.ts";
 * const lines = publishedParetoConclusions({ models: 38, latencySpearman: 0.99, memorySpearman: -0.5 },
 *   { set: "pareto_GPT2_lm1b_corei7", device: "Core i7", measured: 38 });
 * assert.match(lines[0], /rises with the paper's Core i7 latency \(Spearman ρ = \+0\.99, n = 38\)/);
 * assert.match(lines[1], /falls as/);
 * ```
 */
export function publishedParetoConclusions(
  a: PublishedParetoAgreement,
  where: { set: string; device: string; measured: number },
): string[] {
  const set = escapeMarkdown(where.set), device = where.device;
  if (a.models < MIN_POINTS_FOR_CORRELATION) {
    return [
      `- Only ${a.models} of the ${where.measured} models of ${set} were measured and have published numbers: too few to rank.`,
    ];
  }
  return [
    `- **Latency.** On the ${a.models} models of ${set}, ${
      describeCorrelation(
        "our p50 here",
        `the paper's ${device} latency`,
        a.latencySpearman,
        a.models,
      )
    }.`,
    `- **Memory.** ${
      describeCorrelation(
        "Our peak memory",
        `the paper's ${device} memory`,
        a.memorySpearman,
        a.models,
      )
    }. The absolute numbers differ (another CPU, runtime and way of counting memory); the search needs the order.`,
  ];
}

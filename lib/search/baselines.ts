/**
 * Layer-scaled homogeneous baselines, measured like search candidates: GPT-2 small's block
 * (d_model 768, 12 heads, d_inner 3072) and Transformer-XL base's block (d_model 512, 8 heads,
 * d_inner 2048), each with 1–16 layers.
 *
 * @module
 */
import { archHash } from "../arch/hash.ts";
import type { Arch, ArchConfig } from "../arch/types.ts";
import { compactArch, validateArch } from "../arch/validate.ts";
import { decoderParams as countDecoderParams } from "../params/mod.ts";
import { parseJsonLines } from "../util/lines.ts";
import type { ComparedPoint } from "./compare.ts";
import type { LatencyStats, Measure, Measurement } from "./types.ts";

/** The baseline families. */
export type BaselineFamily = "gpt2-small" | "transformer-xl-base";

/** The families, in a fixed order. */
export const BASELINE_FAMILIES: readonly BaselineFamily[] = ["gpt2-small", "transformer-xl-base"];

const BLOCKS: Readonly<Record<BaselineFamily, Omit<ArchConfig, "nLayer">>> = {
  "gpt2-small": { backbone: "gpt2", dModel: 768, nHead: 12, dInner: 3072 },
  "transformer-xl-base": { backbone: "transformer-xl", dModel: 512, nHead: 8, dInner: 2048 },
};

/** One baseline model. */
export interface Baseline {
  /** e.g. `gpt2-small-L6`. */
  name: string;
  family: BaselineFamily;
  arch: Arch;
}

/** Options of {@linkcode layerScaledBaselines}: layer counts, and the embedding of a space. */
export interface BaselineOptions {
  /** Layer counts (default 1–16). */
  layers?: readonly number[];
  vocabSize?: number;
  /** gpt2 only. */
  nPositions?: number;
  /**
   * The embedding (default GPT-2's plain tied table): `dEmbed` (`"dModel"`: the block's
   * d_model), adaptive factor `divVal` and `cutoffs`, e.g. the paper's d_embed = d_model, k = 4.
   */
  dEmbed?: number | "dModel";
  divVal?: number;
  cutoffs?: readonly number[];
}

/**
 * The layer-scaled baselines of a family: its block repeated `layers` times (default 1–16).
 * `vocabSize`, (gpt2) `nPositions` and the embedding may be set to match a search space.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layerScaledBaselines } from "./baselines.ts";
 * const gpt2 = layerScaledBaselines("gpt2-small");
 * assert.equal(gpt2.length, 16);
 * assert.equal(gpt2[11].name, "gpt2-small-L12"); // GPT-2 small itself
 * const adaptive = layerScaledBaselines("gpt2-small", { layers: [2], dEmbed: "dModel", divVal: 4 });
 * assert.deepEqual([adaptive[0].arch.dEmbed, adaptive[0].arch.divVal], [768, 4]);
 * ```
 */
export function layerScaledBaselines(
  family: BaselineFamily,
  options: BaselineOptions = {},
): Baseline[] {
  const layers = options.layers ?? Array.from({ length: 16 }, (_, i) => i + 1);
  return layers.map((nLayer) => {
    const config: ArchConfig = { ...BLOCKS[family], nLayer };
    if (options.vocabSize !== undefined) config.vocabSize = options.vocabSize;
    if (options.nPositions !== undefined && config.backbone === "gpt2") {
      config.nPositions = options.nPositions;
    }
    if (options.dEmbed !== undefined) {
      config.dEmbed = options.dEmbed === "dModel" ? config.dModel : options.dEmbed;
    }
    if (options.divVal !== undefined) config.divVal = options.divVal;
    if (options.cutoffs !== undefined) config.cutoffs = [...options.cutoffs];
    return { name: `${family}-L${nLayer}`, family, arch: validateArch(config) };
  });
}

/** A baseline with its decoder parameters and, when it could be measured, its measurement. */
export interface BaselineRecord {
  name: string;
  family: BaselineFamily;
  nLayer: number;
  /** `archHash` of the architecture. */
  id: string;
  /** The validated architecture (stored compact, `compactArch`, in `baselines.jsonl`). */
  arch: Arch;
  decoderParams: number;
  /** `not-measured`: the profiler cannot build it (e.g. Transformer-XL), params only. */
  status: "ok" | "failed" | "not-measured";
  latencyMs?: LatencyStats;
  peakMemoryBytes?: number;
  reason?: string;
}

/** Options of {@linkcode measureBaselines}. */
export interface MeasureBaselinesOptions {
  /** Why an architecture cannot be measured here (`undefined` when it can). */
  unsupported?: (arch: Arch) => string | undefined;
  /** Already measured records (by name) to reuse instead of measuring again. */
  known?: readonly BaselineRecord[];
  /** Called after every baseline (checkpoint here); awaited. */
  onRecord?: (record: BaselineRecord, records: readonly BaselineRecord[]) => void | Promise<void>;
  decoderParams?: (arch: Arch) => number;
}

/**
 * Measures baselines one after another. Baselines the profiler cannot build get their parameter
 * count and `status: "not-measured"` with the reason; a failed measurement is recorded as failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layerScaledBaselines, measureBaselines } from "./baselines.ts";
 * const records = await measureBaselines(
 *   layerScaledBaselines("transformer-xl-base", { layers: [1, 2] }),
 *   () => Promise.resolve({ ok: false, reason: "unused" }),
 *   { unsupported: (a) => a.backbone === "gpt2" ? undefined : "emission supports gpt2 only" },
 * );
 * assert.equal(records[0].status, "not-measured");
 * ```
 */
export async function measureBaselines(
  baselines: readonly Baseline[],
  measure: Measure,
  options: MeasureBaselinesOptions = {},
): Promise<BaselineRecord[]> {
  const count = options.decoderParams ?? countDecoderParams;
  const known = new Map((options.known ?? []).map((r) => [r.name, r]));
  const records: BaselineRecord[] = [];
  for (const b of baselines) {
    const previous = known.get(b.name);
    if (previous && previous.id === archHash(b.arch)) {
      records.push(previous);
      continue;
    }
    const why = options.unsupported?.(b.arch);
    let m: Measurement | { notMeasured: string };
    if (why !== undefined) m = { notMeasured: why };
    else {
      try {
        m = await measure(b.arch);
      } catch (e) {
        if ((e as Error)?.name === "AbortError") throw e;
        m = { ok: false, reason: e instanceof Error ? e.message : String(e) };
      }
    }
    const record = baselineRecord(b, m, count);
    records.push(record);
    await options.onRecord?.(record, records);
  }
  return records;
}

/**
 * The record of one baseline given its measurement (or, as `{ notMeasured: why }`, the reason it
 * cannot be measured here): what {@linkcode measureBaselines} records, for callers that measure
 * baselines another way (e.g. the notebooks, in one batch with live progress).
 *
 * @example
 * ```ts
 * import { baselineRecord, layerScaledBaselines } from "./baselines.ts";
 * import assert from "node:assert/strict";
 * const [b] = layerScaledBaselines("gpt2-small", { layers: [1] });
 * const record = baselineRecord(b, { ok: true, latencyMs: { p50: 4 }, peakMemoryBytes: 1e8 });
 * assert.equal(record.status, "ok");
 * assert.equal(record.nLayer, 1);
 * assert.equal(baselineRecord(b, { ok: false, reason: "oom" }).reason, "oom");
 * ```
 */
export function baselineRecord(
  baseline: Baseline,
  measurement: Measurement | { notMeasured: string },
  decoderParams: (arch: Arch) => number = countDecoderParams,
): BaselineRecord {
  const record: BaselineRecord = {
    name: baseline.name,
    family: baseline.family,
    nLayer: baseline.arch.nLayer,
    id: archHash(baseline.arch),
    arch: baseline.arch,
    decoderParams: decoderParams(baseline.arch),
    status: "ok",
  };
  if ("notMeasured" in measurement) {
    record.status = "not-measured";
    record.reason = measurement.notMeasured;
  } else if (measurement.ok) {
    record.latencyMs = measurement.latencyMs;
    record.peakMemoryBytes = measurement.peakMemoryBytes;
  } else {
    record.status = "failed";
    record.reason = measurement.reason;
  }
  return record;
}

/** A measured baseline reduced to the three objectives, with its name and depth. */
export interface BaselinePoint extends ComparedPoint {
  name: string;
  nLayer: number;
}

/**
 * The measured (`ok`) baselines as points for `compareWithBaselines` and
 * `frontierHypervolumes`, in the records' order; failed and not-measured ones are left out.
 *
 * @example
 * ```ts
 * import { baselinePoints, baselineRecord, layerScaledBaselines } from "./baselines.ts";
 * import assert from "node:assert/strict";
 * const [one, two] = layerScaledBaselines("gpt2-small", { layers: [1, 2] });
 * const points = baselinePoints([
 *   baselineRecord(one, { ok: true, latencyMs: { p50: 4, p90: 5 }, peakMemoryBytes: 1e8 }),
 *   baselineRecord(two, { ok: false, reason: "oom" }),
 * ]);
 * assert.deepEqual(points.map((p) => [p.name, p.latencyP50Ms]), [["gpt2-small-L1", 4]]);
 * ```
 */
export function baselinePoints(records: readonly BaselineRecord[]): BaselinePoint[] {
  return records.filter((r) => r.status === "ok").map((r) => ({
    id: r.id,
    name: r.name,
    nLayer: r.nLayer,
    decoderParams: r.decoderParams,
    latencyP50Ms: r.latencyMs!.p50,
    peakMemoryBytes: r.peakMemoryBytes!,
  }));
}

/**
 * A baseline record as stored in `baselines.jsonl`: its `arch` compact (`compactArch`).
 *
 * @example
 * ```ts
 * import { baselineJson, baselineRecord, layerScaledBaselines } from "./baselines.ts";
 * import assert from "node:assert/strict";
 * const [b] = layerScaledBaselines("gpt2-small", { layers: [2] });
 * const json = baselineJson(baselineRecord(b, { notMeasured: "params only" }));
 * assert.equal(json.arch.nHead, 12);
 * ```
 */
export function baselineJson(record: BaselineRecord): Omit<BaselineRecord, "arch"> & {
  arch: ArchConfig;
} {
  return { ...record, arch: compactArch(record.arch) };
}

/**
 * Reads `baselines.jsonl` back (the read edge of {@linkcode baselineJson}): each line's compact
 * `arch` validated back into a per-layer one. A bad line throws an `InputError` naming the file
 * (and the line, for one that is not JSON).
 *
 * @example
 * ```ts
 * import { baselineJson, baselineRecord, layerScaledBaselines, parseBaselineLines } from "./baselines.ts";
 * import assert from "node:assert/strict";
 * const [b] = layerScaledBaselines("gpt2-small", { layers: [2] });
 * const line = JSON.stringify(baselineJson(baselineRecord(b, { notMeasured: "params only" })));
 * const [read] = parseBaselineLines(line + "\n", "run/baselines.jsonl");
 * assert.deepEqual(read.arch.nHead, [12, 12]);
 * ```
 */
export function parseBaselineLines(text: string, path: string): BaselineRecord[] {
  return (parseJsonLines(text, path) as BaselineRecord[]).map((r) => ({
    ...r,
    arch: validateArch(r.arch, path),
  }));
}

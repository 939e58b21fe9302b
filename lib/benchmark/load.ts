/**
 * Loading the published LiteTransformerSearch benchmark (archai's `saved_logs`) into plain rows
 * and an Arquero table.
 *
 * By default the benchmark is read from the pack bundled with the repository,
 * `data/published/lts-saved-logs.jsonl` (lib/benchmark/pack.ts); `--saved-logs PATH` (the `source`
 * option) or `$LTS_SAVED_LOGS` name another pack file or a raw saved-logs folder
 * (lib/benchmark/saved_logs.ts). Both forms give the same parsed configs and summary entries
 * ({@linkcode RawSet}), which one piece of code below turns into models, so the loaded `models`
 * and `table` are the same whichever form was read; only the file names in messages differ
 * (a pack names its file and line).
 *
 * What the summaries hold, per set (see {@linkcode parseSetName} for the set names):
 * - `ppl_summary.yaml`: per model id either `{valid_ppl, test_ppl, …}` (random sets) or one
 *   number (Pareto sets; the reference analysis reads it as validation perplexity, so it goes to
 *   `validPpl` and `testPpl` is null);
 * - `params_summary.yaml`: per model id `{nonembedding, total, AdaEmb, Attn, FFN}`;
 * - Pareto sets only: `latency_summary.yaml` and `memory_summary.yaml`, one number per model.
 *   Their units are not stated by the source; the values look like milliseconds and megabytes,
 *   hence `publishedLatencyMs` and `publishedMemoryMB` (an assumption).
 *
 * Policy on missing pieces: the models of a set are the ids found in any of its summaries.
 * A summary id without its model config, a missing or malformed summary, or a malformed entry
 * is an {@linkcode InputError} naming the file (or pack line). A model missing from some
 * summaries (the published data has 5 models with parameters but no perplexity) is kept with
 * nulls in those columns, and a model config that no summary mentions is skipped; both are
 * reported in {@linkcode Benchmark.warnings}.
 *
 * @module
 */
import * as aq from "arquero";
import { archConfigFromArchai } from "../arch/archai.ts";
import type { Arch } from "../arch/types.ts";
import { compactArch, validateArch } from "../arch/validate.ts";
import { type CountOptions, countParams, decoderParams, publishedArch } from "../params/mod.ts";
import { InputError, isInputError } from "../util/errors.ts";
import { nonNegativeNumber, positiveNumber } from "../util/validate.ts";
import { openPack } from "./pack.ts";
import {
  type BenchmarkSourceKind,
  compareModelIds,
  compareText,
  parseSetName,
  resolveBenchmarkSource,
  type SetInfo,
} from "./paths.ts";
import { openSavedLogs } from "./saved_logs.ts";
import { atEntry, type BenchmarkSource, type RawSet, type SummaryKind } from "./source.ts";

/** One trained model of the published benchmark (one row of {@linkcode Benchmark.table}). */
export interface BenchmarkModel extends SetInfo {
  /** Id in the summaries: `config_N_jM` (random sets) or `M<i>` (Pareto sets). */
  modelId: string;
  /**
   * The validated, normalised architecture. GPT-2 configs have no `n_positions`; archai sized
   * the position table to `tgt_len` (32 or 192), and so does `arch.nPositions`.
   */
  arch: Arch;
  /** `JSON.stringify(compactArch(arch))`, for display and joins. */
  archJson: string;
  /** Validation perplexity; null when `ppl_summary.yaml` has no entry for the model. */
  validPpl: number | null;
  /** Test perplexity; null for Pareto sets (one number only) or a missing entry. */
  testPpl: number | null;
  /** `nonembedding` of `params_summary.yaml` (the paper's decoder parameters). */
  publishedNonembeddingParams: number | null;
  /** `total` of `params_summary.yaml`. */
  publishedTotalParams: number | null;
  /** `AdaEmb` of `params_summary.yaml` (token embedding, plus GPT-2's learned positions). */
  publishedAdaEmbParams: number | null;
  /** `Attn` of `params_summary.yaml`. */
  publishedAttnParams: number | null;
  /** `FFN` of `params_summary.yaml`. */
  publishedFfnParams: number | null;
  /** `latency_summary.yaml` value (Pareto sets); unit assumed to be milliseconds. */
  publishedLatencyMs: number | null;
  /** `memory_summary.yaml` value (Pareto sets); unit assumed to be megabytes. */
  publishedMemoryMB: number | null;
  /** Our decoder (non-embedding) parameter count of `arch` (lib/params). */
  decoderParams: number;
  /**
   * Our total parameter count of `arch` (lib/params) with archai's adaptive softmax and the
   * model's `tie_projs`, as the benchmark's models were trained. Equals `publishedTotalParams`
   * in every set but `random_GPT2_lm1b` (see `decoderParamsAsPublished`).
   */
  totalParams: number;
  /**
   * Our decoder count made the way the set's published counts were made (lib/params
   * `publishedArch`): with the set's own backbone, except for `random_GPT2_lm1b`, whose
   * published counts follow the Transformer-XL layout. Equals `publishedNonembeddingParams`
   * when our counter and the published data agree (all 1121 models).
   */
  decoderParamsAsPublished: number;
}

/** One set of the benchmark and how many models it holds. */
export interface BenchmarkSet extends SetInfo {
  /** Models loaded (ids found in any summary). */
  models: number;
}

/** The loaded benchmark. */
export interface Benchmark {
  /** The saved-logs folder or pack file read (absolute path). */
  source: string;
  /** What `source` is: a raw saved-logs folder or a pack. */
  sourceKind: BenchmarkSourceKind;
  /** Sets, sorted by name. */
  sets: BenchmarkSet[];
  /** Models, by set name then natural id order. */
  models: BenchmarkModel[];
  /** The models as an Arquero table (one column per {@linkcode BenchmarkModel} field). */
  table: aq.ColumnTable;
  /** Gaps in the data that were tolerated (see the module doc), one line each. */
  warnings: string[];
}

/** Options of {@linkcode loadBenchmark}. */
export interface LoadBenchmarkOptions {
  /**
   * A raw saved-logs folder or a pack file; default `$LTS_SAVED_LOGS`, else the bundled pack
   * `data/published/lts-saved-logs.jsonl`.
   */
  source?: string;
  /** Only these sets (names); default every set found. */
  sets?: string[];
}

/**
 * Loads the published benchmark: the bundled pack by default. Throws {@linkcode InputError}
 * naming the file (or pack line) for a missing source, a missing or malformed file or line, or
 * an invalid architecture.
 *
 * @example
 * ```ts
 * import { loadBenchmark } from "./load.ts";
 * const bench = await loadBenchmark({ sets: ["random_GPT2_wt103"] });
 * bench.table.filter((d) => d.validPpl < 30).numRows();
 * ```
 */
export async function loadBenchmark(options: LoadBenchmarkOptions = {}): Promise<Benchmark> {
  const resolved = await resolveBenchmarkSource(options.source);
  const source = resolved.kind === "pack"
    ? await openPack(resolved.path)
    : await openSavedLogs(resolved.path);
  return await benchmarkFromSource(source, { sets: options.sets });
}

/**
 * Builds the benchmark from an opened source (a saved-logs folder or a pack): the one code path
 * from parsed configs and summary entries to models.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmarkFromSource } from "./load.ts";
 * import { openPack } from "./pack.ts";
 * import { BUNDLED_PACK_PATH } from "./paths.ts";
 * const bench = await benchmarkFromSource(await openPack(BUNDLED_PACK_PATH));
 * assert.equal(bench.models.length, 1121);
 * ```
 */
export async function benchmarkFromSource(
  source: BenchmarkSource,
  options: { sets?: string[] } = {},
): Promise<Benchmark> {
  const found = source.setNames.map((name) => parseSetName(name)!);
  const warnings = options.sets === undefined ? [...source.warnings] : [];
  let infos = found;
  if (options.sets !== undefined) {
    const byName = new Map(found.map((s) => [s.set, s]));
    infos = options.sets.map((name) => {
      const info = byName.get(name);
      if (!info) {
        throw new InputError(
          `${source.setWhere(name)}: no such benchmark set (found: ${source.setNames.join(", ")})`,
        );
      }
      return info;
    });
  }
  const sets: BenchmarkSet[] = [];
  const models: BenchmarkModel[] = [];
  for (const info of infos) {
    const loaded = await buildSet(await source.readSet(info), warnings);
    sets.push({ ...info, models: loaded.length });
    models.push(...loaded);
  }
  warnings.sort(compareText);
  return {
    source: source.path,
    sourceKind: source.kind,
    sets,
    models,
    table: aq.from(models),
    warnings,
  };
}

interface PplEntry {
  validPpl: number;
  testPpl: number | null;
}

interface ParamsEntry {
  nonembedding: number;
  total: number;
  AdaEmb: number;
  Attn: number;
  FFN: number;
}

const PARAM_KEYS = ["nonembedding", "total", "AdaEmb", "Attn", "FFN"] as const;

/** Validates the entries of one summary, keyed by model id. */
function validEntries<T>(
  raw: RawSet,
  kind: SummaryKind,
  entry: (value: unknown, field: string) => T,
): Map<string, T> | undefined {
  const summary = raw.summaries.find((s) => s.kind === kind);
  if (summary === undefined) return undefined;
  const out = new Map<string, T>();
  for (const [id, e] of summary.entries) {
    out.set(id, atEntry(e, (value, field) => entry(value, field ?? id)));
  }
  return out;
}

async function buildSet(raw: RawSet, warnings: string[]): Promise<BenchmarkModel[]> {
  const info = raw.info;
  const ppl = validEntries(raw, "ppl", pplEntry)!;
  const params = validEntries(raw, "params", paramsEntry)!;
  const latency = validEntries(raw, "latency", nonNegativeNumber);
  const memory = validEntries(raw, "memory", nonNegativeNumber);
  const ids = [...new Set(raw.summaries.flatMap((s) => [...s.entries.keys()]))].sort(
    compareModelIds,
  );
  for (const summary of raw.summaries) {
    const missing = ids.filter((id) => !summary.entries.has(id));
    if (missing.length > 0) {
      warnings.push(
        `${summary.where}: no entry for ${missing.join(", ")} (kept with null ${summary.kind})`,
      );
    }
  }
  const known = new Set(ids);
  const unlisted = raw.configIds.filter((id) => !known.has(id)).sort(compareModelIds);
  if (unlisted.length > 0) {
    warnings.push(
      `${raw.where}: model_config.yaml of ${unlisted.join(", ")} is in no summary; skipped`,
    );
  }
  return await Promise.all(ids.map(async (modelId): Promise<BenchmarkModel> => {
    const config = await raw.config(modelId);
    const { arch, asPublished, countOptions } = atEntry(
      config,
      (value, field) => modelFromConfig(value, info, field),
    );
    const count = countParams(arch, countOptions);
    const p = ppl.get(modelId);
    const n = params.get(modelId);
    return {
      ...info,
      modelId,
      arch,
      archJson: JSON.stringify(compactArch(arch)),
      validPpl: p?.validPpl ?? null,
      testPpl: p?.testPpl ?? null,
      publishedNonembeddingParams: n?.nonembedding ?? null,
      publishedTotalParams: n?.total ?? null,
      publishedAdaEmbParams: n?.AdaEmb ?? null,
      publishedAttnParams: n?.Attn ?? null,
      publishedFfnParams: n?.FFN ?? null,
      publishedLatencyMs: latency?.get(modelId) ?? null,
      publishedMemoryMB: memory?.get(modelId) ?? null,
      decoderParams: count.decoderParams,
      totalParams: count.totalParams,
      decoderParamsAsPublished: decoderParams(asPublished),
    };
  }));
}

/**
 * From a parsed `model_config.yaml`: the trained architecture, the architecture its published
 * counts were computed with (see lib/params `publishedArch`), and the options (archai's adaptive
 * softmax with the config's `tie_projs`) that count it as archai did.
 */
function modelFromConfig(
  raw: unknown,
  info: SetInfo,
  field: string | null,
): { arch: Arch; asPublished: Arch; countOptions: CountOptions } {
  try {
    const arch = validateArch(archConfigFromArchai(raw, info.backbone));
    const published = publishedArch(raw, info.set);
    return { arch, asPublished: published.arch, countOptions: published.options };
  } catch (e) {
    if (field !== null && isInputError(e)) throw new InputError(`${field}: ${e.message}`);
    throw e;
  }
}

function pplEntry(value: unknown, field: string): PplEntry {
  if (typeof value === "number") return { validPpl: positiveNumber(value, field), testPpl: null };
  if (!isMapping(value)) {
    throw new InputError(`${field}: expected a number or a mapping with valid_ppl`);
  }
  return {
    validPpl: positiveNumber(value.valid_ppl, `${field}.valid_ppl`),
    testPpl: value.test_ppl === undefined
      ? null
      : positiveNumber(value.test_ppl, `${field}.test_ppl`),
  };
}

function paramsEntry(value: unknown, field: string): ParamsEntry {
  if (!isMapping(value)) throw new InputError(`${field}: expected a mapping of parameter counts`);
  const out = {} as ParamsEntry;
  for (const key of PARAM_KEYS) out[key] = nonNegativeNumber(value[key], `${field}.${key}`);
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Loading the published LiteTransformerSearch benchmark (archai's `saved_logs`) into plain rows
 * and an Arquero table.
 *
 * Layout of one set folder (see {@linkcode parseSetName} for the names):
 * - `config_N/jM/model_config.yaml` (random sets) or `M<i>/model_config.yaml` (Pareto sets);
 * - `ppl_summary.yaml`: per model id either `{valid_ppl, test_ppl, …}` (random sets) or one
 *   number (Pareto sets; the reference analysis reads it as validation perplexity, so it goes to
 *   `validPpl` and `testPpl` is null);
 * - `params_summary.yaml`: per model id `{nonembedding, total, AdaEmb, Attn, FFN}`;
 * - Pareto sets only: `latency_summary.yaml` and `memory_summary.yaml`, one number per model.
 *   Their units are not stated by the source; the values look like milliseconds and megabytes,
 *   hence `publishedLatencyMs` and `publishedMemoryMB` (an assumption).
 *
 * Policy on missing pieces: the models of a set are the ids found in any of its summaries.
 * A summary id without its `model_config.yaml`, a missing or malformed summary, or a malformed
 * entry is an {@linkcode InputError} naming the file. A model missing from some summaries (the
 * published data has 5 models with parameters but no perplexity) is kept with nulls in those
 * columns, and a `model_config.yaml` that no summary mentions is skipped; both are reported in
 * {@linkcode Benchmark.warnings}.
 *
 * @module
 */
import * as aq from "arquero";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { archConfigFromArchai } from "../arch/archai.ts";
import type { Arch } from "../arch/types.ts";
import { compactArch, validateArch } from "../arch/validate.ts";
import { type CountOptions, countParams, decoderParams, publishedArch } from "../params/mod.ts";
import { InputError, isInputError } from "../util/errors.ts";
import { modelFolder, parseSetName, resolveSavedLogsDir, type SetInfo } from "./paths.ts";

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
  /** The saved-logs folder read. */
  dir: string;
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
  /** The saved-logs folder; default `$LTS_SAVED_LOGS`, else `../shared/archai-lts-saved-logs`. */
  dir?: string;
  /** Only these sets (folder names); default every set folder found. */
  sets?: string[];
}

/**
 * Loads the published benchmark. Throws {@linkcode InputError} naming the file for a missing
 * folder, a missing or malformed file, or an invalid architecture.
 *
 * @example
 * ```ts
 * import { loadBenchmark } from "./load.ts";
 * const bench = await loadBenchmark({ sets: ["random_GPT2_wt103"] });
 * bench.table.filter((d) => d.validPpl < 30).numRows();
 * ```
 */
export async function loadBenchmark(options: LoadBenchmarkOptions = {}): Promise<Benchmark> {
  const dir = await resolveSavedLogsDir(options.dir);
  const found: SetInfo[] = [];
  const warnings: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isDirectory) continue;
    const info = parseSetName(entry.name);
    if (info) found.push(info);
    else if (options.sets === undefined) {
      warnings.push(`${join(dir, entry.name)}: not a benchmark set folder name; skipped`);
    }
  }
  found.sort((a, b) => compareText(a.set, b.set));
  let infos = found;
  if (options.sets !== undefined) {
    const byName = new Map(found.map((s) => [s.set, s]));
    infos = options.sets.map((name) => {
      const info = byName.get(name);
      if (!info) {
        throw new InputError(
          `${join(dir, name)}: no such benchmark set (found: ${
            found.map((s) => s.set).join(", ")
          })`,
        );
      }
      return info;
    });
  }
  if (infos.length === 0) {
    throw new InputError(`${dir}: no benchmark set folders (random_*/pareto_*) in it`);
  }
  const sets: BenchmarkSet[] = [];
  const models: BenchmarkModel[] = [];
  for (const info of infos) {
    const loaded = await loadSet(dir, info, warnings);
    sets.push({ ...info, models: loaded.length });
    models.push(...loaded);
  }
  warnings.sort(compareText);
  return { dir, sets, models, table: aq.from(models), warnings };
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

async function loadSet(dir: string, info: SetInfo, warnings: string[]): Promise<BenchmarkModel[]> {
  const setDir = join(dir, info.set);
  const pareto = info.kind === "pareto";
  const [ppl, params, latency, memory] = await Promise.all([
    readSummary(join(setDir, "ppl_summary.yaml"), pplEntry),
    readSummary(join(setDir, "params_summary.yaml"), paramsEntry),
    pareto ? readSummary(join(setDir, "latency_summary.yaml"), nonNegativeNumber) : undefined,
    pareto ? readSummary(join(setDir, "memory_summary.yaml"), nonNegativeNumber) : undefined,
  ]);
  const summaries: [string, Map<string, unknown>][] = [
    ["ppl_summary.yaml", ppl],
    ["params_summary.yaml", params],
  ];
  if (latency && memory) {
    summaries.push(["latency_summary.yaml", latency], ["memory_summary.yaml", memory]);
  }
  const ids = [...new Set(summaries.flatMap(([, m]) => [...m.keys()]))].sort(compareNatural);
  for (const [file, summary] of summaries) {
    const missing = ids.filter((id) => !summary.has(id));
    const what = file.replace("_summary.yaml", "");
    if (missing.length > 0) {
      warnings.push(
        `${join(setDir, file)}: no entry for ${missing.join(", ")} (kept with null ${what})`,
      );
    }
  }
  const known = new Set(ids);
  const onDisk = await listModelIds(setDir);
  const unlisted = onDisk.filter((id) => !known.has(id)).sort(compareNatural);
  if (unlisted.length > 0) {
    warnings.push(
      `${setDir}: model_config.yaml of ${unlisted.join(", ")} is in no summary; skipped`,
    );
  }
  return await Promise.all(ids.map(async (modelId): Promise<BenchmarkModel> => {
    const path = join(setDir, modelFolder(modelId)!, "model_config.yaml");
    const { arch, asPublished, countOptions } = await readModelConfig(path, info);
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
 * Reads a `model_config.yaml`: the trained architecture, the architecture its published counts
 * were computed with (see lib/params `publishedArch`), and the options (archai's adaptive
 * softmax with the config's `tie_projs`) that count it as archai did.
 */
async function readModelConfig(
  path: string,
  info: SetInfo,
): Promise<{ arch: Arch; asPublished: Arch; countOptions: CountOptions }> {
  const text = await readText(path);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new InputError(`${path}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  try {
    const arch = validateArch(archConfigFromArchai(raw, info.backbone));
    const published = publishedArch(raw, info.set);
    return { arch, asPublished: published.arch, countOptions: published.options };
  } catch (e) {
    if (isInputError(e)) throw new InputError(`${path}: ${(e as Error).message}`);
    throw e;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(`${path}: missing`);
    if (e instanceof Deno.errors.IsADirectory) throw new InputError(`${path}: is a folder`);
    throw new InputError(`${path}: cannot read (${(e as Error).message})`);
  }
}

/** Reads a summary YAML (a mapping keyed by model id), checking ids and entries. */
async function readSummary<T>(
  path: string,
  entry: (value: unknown, field: string) => T,
): Promise<Map<string, T>> {
  const text = await readText(path);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new InputError(`${path}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (!isMapping(raw)) throw new InputError(`${path}: expected a mapping of model ids`);
  const out = new Map<string, T>();
  for (const [id, value] of Object.entries(raw)) {
    if (modelFolder(id) === undefined) {
      throw new InputError(`${path}: ${id}: not a model id (config_N_jM or M<i>)`);
    }
    try {
      out.set(id, entry(value, id));
    } catch (e) {
      if (isInputError(e)) throw new InputError(`${path}: ${(e as Error).message}`);
      throw e;
    }
  }
  return out;
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

function positiveNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InputError(`${field}: expected a positive number, got ${show(value)}`);
  }
  return value;
}

function nonNegativeNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InputError(`${field}: expected a non-negative number, got ${show(value)}`);
  }
  return value;
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value) ?? String(value);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Ids of the model folders of a set that hold a `model_config.yaml`. */
async function listModelIds(setDir: string): Promise<string[]> {
  const ids: string[] = [];
  const has = async (path: string) => {
    try {
      return (await Deno.stat(join(path, "model_config.yaml"))).isFile;
    } catch {
      return false;
    }
  };
  const jobs: Promise<void>[] = [];
  for await (const entry of Deno.readDir(setDir)) {
    if (!entry.isDirectory) continue;
    const path = join(setDir, entry.name);
    if (/^M\d+$/.test(entry.name)) {
      jobs.push(has(path).then((ok) => void (ok && ids.push(entry.name))));
    } else if (/^config_\d+$/.test(entry.name)) {
      jobs.push((async () => {
        for await (const sub of Deno.readDir(path)) {
          if (sub.isDirectory && /^j\d+$/.test(sub.name) && await has(join(path, sub.name))) {
            ids.push(`${entry.name}_${sub.name}`);
          }
        }
      })());
    }
  }
  await Promise.all(jobs);
  return ids;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders `config_2_j10` after `config_2_j9` and `M10` after `M9`. */
function compareNatural(a: string, b: string): number {
  const na = a.match(/\d+/g)!.map(Number);
  const nb = b.match(/\d+/g)!.map(Number);
  for (let i = 0; i < Math.min(na.length, nb.length); i++) {
    if (na[i] !== nb[i]) return na[i] - nb[i];
  }
  return na.length - nb.length || compareText(a, b);
}

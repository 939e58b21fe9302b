/**
 * The benchmark pack: a compact, deterministic JSON-lines form of archai's `saved_logs` folder,
 * bundled with the repository as `data/published/lts-saved-logs.jsonl` (archai's MIT notice in
 * `data/published/LICENSE` beside it).
 *
 * Line 1 is a {@linkcode PackHeader}. Every other line is one model ({@linkcode PackLine}), sorted
 * by set name, then in the natural order of model ids (`config_0_j2` before `config_0_j10`):
 * its set and id, the fields of its `model_config.yaml` that this project reads
 * ({@linkcode PACK_CONFIG_FIELDS}, in that order, those present), and its entry in each summary
 * of its set exactly as parsed from the YAML (object keys sorted), or null where the summary has
 * none. The same folder always gives the same bytes.
 *
 * Reading a pack gives a {@linkcode BenchmarkSource} with the same parsed configs and summary
 * entries as the folder, so lib/benchmark/load.ts builds the same models from either. A line that
 * is not valid JSON, a wrong header, format or version, or a missing or unexpected field is an
 * {@linkcode InputError} naming the file and line.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { InputError } from "../util/errors.ts";
import { readTextInput } from "../util/fs.ts";
import { parseJson } from "../util/lines.ts";
import { stableStringify } from "../util/hash.ts";
import { isPlainObject } from "../util/validate.ts";
import {
  compareModelIds,
  compareText,
  modelFolder,
  parseSetName,
  SAVED_LOGS_ORIGIN,
  type SavedLogsOrigin,
  type SetInfo,
} from "./paths.ts";
import {
  type BenchmarkSource,
  type RawEntry,
  type RawSet,
  type RawSummary,
  summaryFile,
  summaryKinds,
} from "./source.ts";

/**
 * The `format` of a pack header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PACK_FORMAT } from "./pack.ts";
 * assert.equal(JSON.parse('{"format":"lts-saved-logs"}').format, PACK_FORMAT);
 * ```
 */
export const PACK_FORMAT = "lts-saved-logs";

/**
 * The pack format version this code writes and reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PACK_VERSION } from "./pack.ts";
 * assert.equal(PACK_VERSION, 1);
 * ```
 */
export const PACK_VERSION = 1;

/**
 * The `model_config.yaml` fields a pack keeps, in the order it writes them: what
 * lib/arch `archConfigFromArchai` and lib/params `publishedArch` read. A field absent from the
 * YAML is absent from the pack too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PACK_CONFIG_FIELDS } from "./pack.ts";
 * assert.ok(PACK_CONFIG_FIELDS.includes("tie_projs"));
 * ```
 */
export const PACK_CONFIG_FIELDS = [
  "n_layer",
  "d_model",
  "n_head",
  "d_inner",
  "n_token",
  "d_embed",
  "div_val",
  "cutoffs",
  "tie_weight",
  "n_positions",
  "tgt_len",
  "tie_projs",
] as const;

/** Line 1 of a pack. */
export interface PackHeader {
  format: typeof PACK_FORMAT;
  version: typeof PACK_VERSION;
  /** Where the saved-logs folder came from (repository, branch, folder, commit). */
  source: Omit<SavedLogsOrigin, "licence">;
  /** SPDX name of the source's licence (its full text is in `LICENSE` beside the bundled pack). */
  licence: string;
  /** The copyright line of the source's licence. */
  copyright: string;
  /** Number of sets. */
  sets: number;
  /** Number of model lines that follow. */
  models: number;
}

/** One model line of a pack. */
export interface PackLine {
  set: string;
  modelId: string;
  /** The {@linkcode PACK_CONFIG_FIELDS} of its `model_config.yaml`. */
  config: Record<string, unknown>;
  /** Its `ppl_summary.yaml` entry (a mapping in random sets, a number in Pareto sets), or null. */
  ppl: unknown;
  /** Its `params_summary.yaml` entry, or null. */
  params: unknown;
  /** Its `latency_summary.yaml` value; null in random sets (no such summary) or without entry. */
  latency: unknown;
  /** Its `memory_summary.yaml` value; null in random sets (no such summary) or without entry. */
  memory: unknown;
}

const LINE_KEYS = ["set", "modelId", "config", "ppl", "params", "latency", "memory"] as const;
const PARETO_ONLY = ["latency", "memory"] as const;

/** What a pack header records about its source, besides what the folder itself holds. */
export interface PackOptions {
  /** Where the folder came from; default {@linkcode SAVED_LOGS_ORIGIN}. */
  origin?: SavedLogsOrigin;
  /** The copyright line of the folder's licence (from its `LICENSE`). */
  copyright: string;
}

/**
 * Writes a source (normally an opened saved-logs folder) as pack text: header line, then one
 * line per model, each ending in a newline. Every model of every set is written, also one that
 * no summary lists (it gets nulls, and the loader skips it as it does from the folder). Throws
 * {@linkcode InputError} for a config that is not a mapping or a value JSON cannot hold
 * (non-finite numbers, …). It does not validate entries: build the benchmark first
 * (lib/benchmark/load.ts `benchmarkFromSource`) to reject what the loader would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openPack, packText } from "./pack.ts";
 * import { BUNDLED_PACK_PATH } from "./paths.ts";
 * // Usually the source is `openSavedLogs(archai's saved_logs folder)`; the bundled pack is one too.
 * const bundled = await Deno.readTextFile(BUNDLED_PACK_PATH);
 * const text = await packText(await openPack(BUNDLED_PACK_PATH), {
 *   copyright: "Copyright (c) Microsoft Corporation.",
 * });
 * assert.equal(text.split("\n").length, 1121 + 2); // models + header + final newline
 * assert.equal(text.split("\n")[1], bundled.split("\n")[1]);
 * ```
 */
export async function packText(source: BenchmarkSource, options: PackOptions): Promise<string> {
  const origin = options.origin ?? SAVED_LOGS_ORIGIN;
  const lines: string[] = [];
  for (const name of source.setNames) {
    const raw = await source.readSet(parseSetName(name)!);
    const ids = [
      ...new Set([...raw.summaries.flatMap((s) => [...s.entries.keys()]), ...raw.configIds]),
    ].sort(compareModelIds);
    const configs = await Promise.all(ids.map((id) => raw.config(id)));
    ids.forEach((modelId, i) => lines.push(modelLine(raw, modelId, configs[i])));
  }
  const header: PackHeader = {
    format: PACK_FORMAT,
    version: PACK_VERSION,
    source: {
      repository: origin.repository,
      branch: origin.branch,
      folder: origin.folder,
      commit: origin.commit,
    },
    licence: origin.licence,
    copyright: options.copyright,
    sets: source.setNames.length,
    models: lines.length,
  };
  return [JSON.stringify(header), ...lines].map((line) => line + "\n").join("");
}

function modelLine(raw: RawSet, modelId: string, config: RawEntry): string {
  const value = config.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(`${config.where}: expected a YAML mapping`);
  }
  const picked: Record<string, unknown> = {};
  for (const key of PACK_CONFIG_FIELDS) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) picked[key] = jsonSafe(v, config.where, key);
  }
  const entry = (kind: string): string => {
    const e = raw.summaries.find((s) => s.kind === kind)?.entries.get(modelId);
    if (e === undefined) return "null";
    jsonSafe(e.value, e.where, e.field ?? modelId);
    return stableStringify(e.value);
  };
  // Written by hand so that the key order is fixed (LINE_KEYS).
  return `{"set":${JSON.stringify(raw.info.set)},"modelId":${JSON.stringify(modelId)},` +
    `"config":${JSON.stringify(picked)},"ppl":${entry("ppl")},"params":${entry("params")},` +
    `"latency":${entry("latency")},"memory":${entry("memory")}}`;
}

/** Checks that JSON keeps a value as it is (no NaN, Infinity, dates, undefined, …). */
function jsonSafe(value: unknown, where: string, field: string): unknown {
  if (value === undefined || !isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value)) {
    throw new InputError(`${where}: ${field}: a value JSON cannot hold exactly`);
  }
  return value;
}

/**
 * Opens a pack file. Throws {@linkcode InputError} naming the file (and line) when it cannot be
 * read or is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openPack } from "./pack.ts";
 * import { BUNDLED_PACK_PATH } from "./paths.ts";
 * const source = await openPack(BUNDLED_PACK_PATH);
 * assert.equal(source.setNames.length, 11);
 * ```
 */
export async function openPack(path: string): Promise<BenchmarkSource & { header: PackHeader }> {
  const text = await readTextInput(path);
  return parsePack(text, path);
}

/**
 * Parses pack text; `path` names it in messages (`path:line: …`). The header is returned with
 * the source as `header`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePack } from "./pack.ts";
 * import { BUNDLED_PACK_PATH } from "./paths.ts";
 * const source = parsePack(await Deno.readTextFile(BUNDLED_PACK_PATH), BUNDLED_PACK_PATH);
 * assert.equal(source.header.models, 1121);
 * ```
 */
export function parsePack(text: string, path: string): BenchmarkSource & { header: PackHeader } {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length === 0) throw new InputError(`${path}: empty (expected a pack header line)`);
  const header = parseHeader(lines[0], `${path}:1`);
  const bySet = new Map<string, Map<string, { line: number; value: PackLine }>>();
  for (let i = 1; i < lines.length; i++) {
    const where = `${path}:${i + 1}`;
    const value = parseLine(lines[i], where);
    let set = bySet.get(value.set);
    if (set === undefined) bySet.set(value.set, set = new Map());
    const before = set.get(value.modelId);
    if (before !== undefined) {
      throw new InputError(
        `${where}: ${value.set}/${value.modelId}: already on line ${before.line}`,
      );
    }
    set.set(value.modelId, { line: i + 1, value });
  }
  const models = lines.length - 1;
  if (models !== header.models || bySet.size !== header.sets) {
    throw new InputError(
      `${path}: the header says ${header.sets} sets and ${header.models} models, the file holds ` +
        `${bySet.size} and ${models} (cut short?)`,
    );
  }
  if (models === 0) throw new InputError(`${path}: no models in the pack`);
  const setNames = [...bySet.keys()].sort(compareText);
  return {
    kind: "pack",
    path,
    header,
    setNames,
    warnings: [],
    setWhere: (name) => `${path}: ${name}`,
    readSet: (info) => Promise.resolve(packSet(path, info, bySet.get(info.set) ?? new Map())),
  };
}

function packSet(
  path: string,
  info: SetInfo,
  lines: Map<string, { line: number; value: PackLine }>,
): RawSet {
  const summaries: RawSummary[] = summaryKinds(info.kind).map((kind) => {
    const entries = new Map<string, RawEntry>();
    for (const [id, { line, value }] of lines) {
      if (value[kind] !== null) {
        entries.set(id, { where: `${path}:${line}`, field: kind, value: value[kind] });
      }
    }
    return { kind, where: `${path}: ${info.set}/${summaryFile(kind)}`, entries };
  });
  return {
    info,
    where: `${path}: ${info.set}`,
    summaries,
    configIds: [...lines.keys()],
    config(modelId: string): Promise<RawEntry> {
      const found = lines.get(modelId);
      if (found === undefined) {
        return Promise.reject(new InputError(`${path}: ${info.set}/${modelId}: no such model`));
      }
      return Promise.resolve({
        where: `${path}:${found.line}`,
        field: "config",
        value: found.value.config,
      });
    },
  };
}

function parseHeader(line: string, where: string): PackHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new InputError(`${where}: not a benchmark pack (the first line is not a JSON header)`);
  }
  if (!isPlainObject(raw) || raw.format !== PACK_FORMAT) {
    throw new InputError(
      `${where}: not a benchmark pack (expected a header with "format": "${PACK_FORMAT}")`,
    );
  }
  if (raw.version !== PACK_VERSION) {
    throw new InputError(
      `${where}: version: pack version ${JSON.stringify(raw.version)} is not supported ` +
        `(this code reads version ${PACK_VERSION})`,
    );
  }
  const source = raw.source;
  if (!isPlainObject(source)) throw new InputError(`${where}: source: expected an object`);
  for (const key of ["repository", "branch", "folder", "commit"]) {
    if (typeof source[key] !== "string") {
      throw new InputError(`${where}: source.${key}: expected a string`);
    }
  }
  for (const key of ["licence", "copyright"]) {
    if (typeof raw[key] !== "string") throw new InputError(`${where}: ${key}: expected a string`);
  }
  for (const key of ["sets", "models"]) {
    const n = raw[key];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw new InputError(`${where}: ${key}: expected a count, got ${JSON.stringify(n)}`);
    }
  }
  return raw as unknown as PackHeader;
}

function parseLine(line: string, where: string): PackLine {
  if (line.trim() === "") throw new InputError(`${where}: empty line`);
  const raw = parseJson(line, where);
  if (!isPlainObject(raw)) throw new InputError(`${where}: expected a JSON object (one model)`);
  for (const key of LINE_KEYS) {
    if (!(key in raw)) throw new InputError(`${where}: ${key}: missing`);
  }
  for (const key of Object.keys(raw)) {
    if (!(LINE_KEYS as readonly string[]).includes(key)) {
      throw new InputError(`${where}: ${key}: unexpected field (known: ${LINE_KEYS.join(", ")})`);
    }
  }
  const info = typeof raw.set === "string" ? parseSetName(raw.set) : undefined;
  if (info === undefined) {
    throw new InputError(`${where}: set: ${JSON.stringify(raw.set)} is not a benchmark set name`);
  }
  if (typeof raw.modelId !== "string" || modelFolder(raw.modelId) === undefined) {
    throw new InputError(
      `${where}: modelId: ${JSON.stringify(raw.modelId)} is not a model id (config_N_jM or M<i>)`,
    );
  }
  if (!isPlainObject(raw.config)) throw new InputError(`${where}: config: expected an object`);
  if (info.kind === "random") {
    for (const key of PARETO_ONLY) {
      if (raw[key] !== null) {
        throw new InputError(`${where}: ${key}: expected null (random sets have no ${key})`);
      }
    }
  }
  return raw as unknown as PackLine;
}

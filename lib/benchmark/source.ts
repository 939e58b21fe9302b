/**
 * The raw content of the published benchmark, whichever form it was read from: archai's
 * saved-logs folder of YAML files (lib/benchmark/saved_logs.ts) or this project's pack
 * (lib/benchmark/pack.ts). Both give the same parsed `model_config.yaml` objects and summary
 * entries, and lib/benchmark/load.ts turns them into models with one piece of code, so the loaded
 * benchmark does not depend on the form. Only the `where` labels (file, or pack line) differ.
 *
 * @module
 */
import { InputError, isInputError } from "../util/errors.ts";
import type { BenchmarkSourceKind, SetInfo } from "./paths.ts";

/** The summaries of a set, by the name their file starts with (`ppl_summary.yaml`, …). */
export type SummaryKind = "ppl" | "params" | "latency" | "memory";

/**
 * The summaries every set has, then those only Pareto sets have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryKinds } from "./source.ts";
 * assert.deepEqual(summaryKinds("random"), ["ppl", "params"]);
 * assert.deepEqual(summaryKinds("pareto"), ["ppl", "params", "latency", "memory"]);
 * ```
 */
export function summaryKinds(kind: SetInfo["kind"]): SummaryKind[] {
  return kind === "pareto" ? ["ppl", "params", "latency", "memory"] : ["ppl", "params"];
}

/**
 * The file name of a summary in a saved-logs set folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryFile } from "./source.ts";
 * assert.equal(summaryFile("ppl"), "ppl_summary.yaml");
 * ```
 */
export function summaryFile(kind: SummaryKind): string {
  return `${kind}_summary.yaml`;
}

/** One parsed value of the benchmark and where it was read, for messages. */
export interface RawEntry {
  /** The file, or pack file and line (`…/lts-saved-logs.jsonl:12`), it came from. */
  where: string;
  /** Its label inside `where`: the model id in a summary file, the field of a pack line. */
  field: string | null;
  /** As parsed (YAML or JSON): a summary entry, or a `model_config.yaml` mapping. */
  value: unknown;
}

/** One summary of a set: its entries by model id. */
export interface RawSummary {
  kind: SummaryKind;
  /** The summary as a whole, for warnings: its file, or the pack and the summary's name. */
  where: string;
  entries: Map<string, RawEntry>;
}

/** The raw content of one set. */
export interface RawSet {
  info: SetInfo;
  /** The set as a whole, for warnings: its folder, or the pack and the set name. */
  where: string;
  /** One per {@linkcode summaryKinds} of the set, in that order. */
  summaries: RawSummary[];
  /** Ids of the models that have a model config (a `model_config.yaml`, or a pack line). */
  configIds: string[];
  /**
   * The parsed model config of a model; throws {@linkcode InputError} naming where it should be
   * when it has none.
   */
  config(modelId: string): Promise<RawEntry>;
}

/** An opened benchmark source: its sets, read on demand. */
export interface BenchmarkSource {
  kind: BenchmarkSourceKind;
  /** The folder or file read. */
  path: string;
  /** Names of the sets it holds, sorted. */
  setNames: string[];
  /** Things skipped while listing the sets (folders that are not sets), one line each. */
  warnings: string[];
  /** Where a set of this name would be, for the message about a set that is not there. */
  setWhere(name: string): string;
  /** Reads one of {@linkcode setNames}. */
  readSet(info: SetInfo): Promise<RawSet>;
}

/**
 * Runs `fn` on an entry's value and field, prefixing any {@linkcode InputError} it throws with
 * `where: `, the file (or pack line) the value came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atEntry } from "./source.ts";
 * const entry = { where: "pack.jsonl:3", field: "ppl", value: 12.5 };
 * assert.equal(atEntry(entry, (value) => value as number), 12.5);
 * ```
 */
export function atEntry<T>(entry: RawEntry, fn: (value: unknown, field: string | null) => T): T {
  try {
    return fn(entry.value, entry.field);
  } catch (e) {
    if (isInputError(e)) throw new InputError(`${entry.where}: ${e.message}`);
    throw e;
  }
}

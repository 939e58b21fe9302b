/**
 * Reading archai's raw `saved_logs` folder, the original form of the published benchmark.
 *
 * Layout of one set folder (see {@linkcode parseSetName} for the names):
 * - `config_N/jM/model_config.yaml` (random sets) or `M<i>/model_config.yaml` (Pareto sets);
 * - `ppl_summary.yaml`, `params_summary.yaml` and, for Pareto sets, `latency_summary.yaml` and
 *   `memory_summary.yaml`: mappings keyed by model id (`config_N_jM` or `M<i>`).
 *
 * Files are parsed here, not interpreted: a summary that is not valid YAML or not a mapping of
 * model ids, or a missing summary, is an {@linkcode InputError} naming the file; what the entries
 * and configs mean is decided by lib/benchmark/load.ts, for this form and the pack alike.
 *
 * @module
 */
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { errorLine, InputError } from "../util/errors.ts";
import { readTextInput } from "../util/fs.ts";
import { compareText, modelFolder, parseSetName, type SetInfo } from "./paths.ts";
import {
  type BenchmarkSource,
  type RawEntry,
  type RawSet,
  type RawSummary,
  summaryFile,
  type SummaryKind,
  summaryKinds,
} from "./source.ts";

/**
 * Opens a saved-logs folder: lists its set folders (other folders are skipped with a warning).
 * Throws {@linkcode InputError} when `dir` is not a readable folder or holds no set folder.
 *
 * @example
 * ```ts
 * import { openSavedLogs } from "./saved_logs.ts";
 * const source = await openSavedLogs("path/to/archai/nlp/nas/saved_logs");
 * source.setNames; // ["pareto_GPT2_lm1b_arm", …, "random_TransXL_wt103_homogeneous"]
 * ```
 */
export async function openSavedLogs(dir: string): Promise<BenchmarkSource> {
  const setNames: string[] = [];
  const warnings: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isDirectory) continue;
      if (parseSetName(entry.name)) setNames.push(entry.name);
      else warnings.push(`${join(dir, entry.name)}: not a benchmark set folder name; skipped`);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(`${dir}: no such folder`);
    if (e instanceof Deno.errors.NotADirectory) throw new InputError(`${dir}: not a folder`);
    throw new InputError(`${dir}: cannot read (${errorLine(e)})`);
  }
  if (setNames.length === 0) {
    throw new InputError(`${dir}: no benchmark set folders (random_*/pareto_*) in it`);
  }
  setNames.sort(compareText);
  warnings.sort(compareText);
  return {
    kind: "saved-logs",
    path: dir,
    setNames,
    warnings,
    setWhere: (name) => join(dir, name),
    readSet: (info) => readSet(dir, info),
  };
}

async function readSet(dir: string, info: SetInfo): Promise<RawSet> {
  const setDir = join(dir, info.set);
  const [summaries, configIds] = await Promise.all([
    Promise.all(summaryKinds(info.kind).map((kind) => readSummary(setDir, kind))),
    listModelIds(setDir),
  ]);
  const configs = new Map<string, Promise<RawEntry>>();
  return {
    info,
    where: setDir,
    summaries,
    configIds,
    config(modelId: string): Promise<RawEntry> {
      let entry = configs.get(modelId);
      if (entry === undefined) {
        entry = readModelConfig(join(setDir, modelFolder(modelId) ?? modelId, "model_config.yaml"));
        configs.set(modelId, entry);
      }
      return entry;
    },
  };
}

async function readModelConfig(path: string): Promise<RawEntry> {
  return { where: path, field: null, value: parseYamlText(await readTextInput(path), path) };
}

/** Reads a summary YAML: a mapping keyed by model id. The entries are left to the loader. */
async function readSummary(setDir: string, kind: SummaryKind): Promise<RawSummary> {
  const path = join(setDir, summaryFile(kind));
  const raw = parseYamlText(await readTextInput(path), path);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InputError(`${path}: expected a mapping of model ids`);
  }
  const entries = new Map<string, RawEntry>();
  for (const [id, value] of Object.entries(raw)) {
    if (modelFolder(id) === undefined) {
      throw new InputError(`${path}: ${id}: not a model id (config_N_jM or M<i>)`);
    }
    entries.set(id, { where: path, field: id, value });
  }
  return { kind, where: path, entries };
}

function parseYamlText(text: string, path: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    throw new InputError(`${path}: not valid YAML (${errorLine(e)})`);
  }
}

/** Ids of the model folders of a set that hold a `model_config.yaml`, in no particular order. */
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
  try {
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
  } catch (e) {
    throw new InputError(`${setDir}: cannot read (${errorLine(e)})`);
  }
  return ids;
}

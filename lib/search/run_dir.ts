/**
 * The run directory of a search: its configuration, device fingerprint, every candidate and the
 * frontier after each iteration, checkpointed so that a run killed at any moment can be resumed
 * without re-measuring anything it had recorded.
 *
 * Files:
 * - `run.json`: the {@linkcode RunConfig} (plus `createdAt`), written atomically (temp file and
 *   rename) at the start;
 * - `device.json`: the device fingerprint the measurements belong to, written atomically;
 * - `candidates.jsonl`: one {@linkcode CandidateRecord} per line (its `arch` compact:
 *   `candidateJson` of `./record.ts`), one line appended after every
 *   measured candidate (the checkpoint; constant cost per candidate), and rewritten atomically
 *   at start, resume and end. A torn last line (a kill mid-append) is dropped on resume and that
 *   candidate is measured again; a broken line elsewhere is an error naming the line;
 * - `candidates.csv`: the same as a flat table, rewritten atomically after every iteration (so
 *   it can lag `candidates.jsonl` by up to one iteration);
 * - `frontier.jsonl`: one {@linkcode IterationSummary} per iteration (running totals and the
 *   frontier points), rewritten atomically after every iteration; lines of the earlier form are
 *   migrated on read (`parseIterationLines` of `./summary.ts`).
 *
 * @module
 */
import { join } from "node:path";
import { InputError } from "../util/errors.ts";
import { parseJson } from "../util/lines.ts";
import { pathExists, removeStaleTempFiles, writeFileAtomic } from "../util/fs.ts";
import { ownerAlive, processStartTime } from "../util/process.ts";
import { jsonDifferences } from "../util/hash.ts";
import { runSearch, type SearchInput, type SearchResult } from "./algorithm.ts";
import { type RunCost, validateRunCost } from "./cost.ts";
import { type SearchOptions, validateSearchOptions } from "./options.ts";
import { candidateJson, candidateLines, parseCandidateLines } from "./record.ts";
import { parseIterationLines } from "./summary.ts";
import type { CandidateRecord, IterationSummary } from "./types.ts";

/**
 * The run in a folder cannot be resumed with this configuration or device (its message names
 * the first difference). An {@linkcode InputError}, so the CLI exits 2 with it.
 *
 * @example
 * ```ts
 * import { RunMismatchError } from "./run_dir.ts";
 * import { InputError } from "../util/errors.ts";
 * new RunMismatchError("search.seed: differs (1 there, 2 now)") instanceof InputError; // true
 * ```
 */
export class RunMismatchError extends InputError {}

/** Everything that decides a run's results; a resumed run must have an equal one. */
export interface RunConfig {
  /** Format version of the run directory. */
  version: 1;
  /** The search space (preset name, variant, bounds) as plain data. */
  space: Record<string, unknown>;
  search: SearchOptions;
  /** Measurement settings (seq len, threads, dialect, …) as plain data. */
  profile: Record<string, unknown>;
  /** Predicted or verified costs and the calibration they use (absent: every cost measured). */
  cost?: RunCost;
}

/** A run read back from its directory. */
export interface LoadedRun {
  dir: string;
  config: RunConfig;
  /** The device fingerprint, as recorded. */
  device: unknown;
  records: CandidateRecord[];
  iterations: IterationSummary[];
}

/** File names inside a run directory. */
export const RUN_FILES = Object.freeze({
  config: "run.json",
  device: "device.json",
  candidates: "candidates.jsonl",
  csv: "candidates.csv",
  frontier: "frontier.jsonl",
});

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Reads a run directory. Throws {@linkcode InputError} when it holds no run or a file is broken;
 * every candidate record is validated in full (`validateCandidateRecord` of `./record.ts`: its
 * arch, an id equal to the arch's hash, every field's type), a bad one naming file, line and field,
 * and so is every line of `frontier.jsonl` (an old-form line is migrated). Records come back with
 * validated archs (per-layer arrays).
 *
 * @example
 * ```ts
 * import { loadRun, runSearchInDir } from "./run_dir.ts";
 * import { validateSearchOptions } from "./options.ts";
 * import { spaceOperators } from "./operators.ts";
 * import { getSpace } from "../space/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const search = validateSearchOptions({ iterations: 2, population: 4, seed: 1 });
 * await runSearchInDir({
 *   dir, config: { version: 1, space: {}, search, profile: {} }, device: { cpu: "fake" },
 *   operators: spaceOperators(getSpace("lts-gpt2")),
 *   measure: (arch) => Promise.resolve({ ok: true, latencyMs: { p50: arch.nLayer }, peakMemoryBytes: 1e6 }),
 * });
 * const run = await loadRun(dir);
 * assert.equal(run.iterations.at(-1)!.candidatesSoFar, run.records.length);
 * assert.equal(run.records[0].arch.nHead.length, run.records[0].arch.nLayer); // per-layer arrays
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadRun(dir: string): Promise<LoadedRun> {
  const configText = await readIfExists(join(dir, RUN_FILES.config));
  if (configText === undefined) throw new InputError(`${dir}: no ${RUN_FILES.config} (not a run)`);
  const raw = parseJson(configText, join(dir, RUN_FILES.config)) as Record<string, unknown>;
  if (raw?.version !== 1) {
    throw new InputError(
      `${join(dir, RUN_FILES.config)}: version: expected 1, got ${raw?.version}`,
    );
  }
  const config: RunConfig = {
    version: 1,
    space: raw.space as Record<string, unknown>,
    search: validateSearchOptions(raw.search as Partial<SearchOptions>),
    profile: raw.profile as Record<string, unknown>,
  };
  if (raw.cost !== undefined) {
    config.cost = validateRunCost(raw.cost, join(dir, RUN_FILES.config));
  }
  const deviceText = await readIfExists(join(dir, RUN_FILES.device));
  const device = deviceText === undefined
    ? undefined
    : parseJson(deviceText, join(dir, RUN_FILES.device));
  // Every record is checked field by field (its arch through validateArch, its id equal to the
  // arch's hash): a run folder may come from someone else, and ids become file names on export.
  const records = parseCandidateLines(
    (await readIfExists(join(dir, RUN_FILES.candidates))) ?? "",
    join(dir, RUN_FILES.candidates),
  );
  // Every line is written whole with its newline: a last line without one was cut short by a kill.
  const iterations = parseIterationLines(
    (await readIfExists(join(dir, RUN_FILES.frontier))) ?? "",
    join(dir, RUN_FILES.frontier),
  );
  return { dir, config, device, records, iterations };
}

const csvCell = (v: unknown): string => {
  const s = v === undefined || v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/**
 * How a candidate came to be, in words: `random`, `mutation of X`, `crossover of X×Y`.
 *
 * @example
 * ```ts
 * import { parentage } from "./run_dir.ts";
 * parentage({ kind: "crossover", parents: ["ab12", "cd34"] }); // "crossover of ab12×cd34"
 * ```
 */
export function parentage(origin: CandidateRecord["origin"]): string {
  if (origin.kind === "mutation") return `mutation of ${origin.parent}`;
  if (origin.kind === "crossover") return `crossover of ${origin.parents[0]}×${origin.parents[1]}`;
  return "random";
}

/**
 * The candidates as CSV: one row each, per-layer genes joined with `;`, one column per latency
 * statistic (`latency_<stat>_ms`; the number of timed runs `n` as `latency_runs`).
 *
 * @example
 * ```ts
 * import { candidatesCsv } from "./run_dir.ts";
 * candidatesCsv([]).split("\n")[0].startsWith("index,id,iteration,parentage,status"); // true
 * ```
 */
export function candidatesCsv(records: readonly CandidateRecord[]): string {
  const stats = [...new Set(records.flatMap((r) => Object.keys(r.latencyMs ?? {})))].sort((a, b) =>
    a === "p50" ? -1 : b === "p50" ? 1 : a.localeCompare(b)
  );
  const header = [
    "index",
    "id",
    "iteration",
    "parentage",
    "status",
    "decoder_params",
    ...stats.map((s) => s === "n" ? "latency_runs" : `latency_${s}_ms`),
    "peak_memory_bytes",
    "cost_source",
    "calibration_id",
    "backbone",
    "n_layer",
    "d_model",
    "n_head",
    "d_inner",
    "d_embed",
    "div_val",
    "reason",
  ];
  // A gene equal in every layer is one number, as in `compactArch`.
  const genes = (xs: readonly number[]) => xs.every((x) => x === xs[0]) ? xs[0] : xs.join(";");
  const rows = records.map((r) =>
    [
      r.index,
      r.id,
      r.iteration,
      parentage(r.origin),
      r.status,
      r.decoderParams,
      ...stats.map((s) => r.latencyMs?.[s]),
      r.peakMemoryBytes,
      r.costSource,
      r.calibrationId,
      r.arch.backbone,
      r.arch.nLayer,
      r.arch.dModel,
      genes(r.arch.nHead),
      genes(r.arch.dInner),
      r.arch.dEmbed,
      r.arch.divVal,
      r.reason,
    ].map(csvCell).join(",")
  );
  return [header.join(","), ...rows].join("\n") + "\n";
}

const jsonLines = (values: readonly unknown[]) =>
  values.map((v) => JSON.stringify(v) + "\n").join("");

/** Options of {@linkcode runSearchInDir}. */
export interface RunInDirInput extends Omit<SearchInput, "history" | "options"> {
  /** The run directory. */
  dir: string;
  config: RunConfig;
  /** The device fingerprint of the measurements (any JSON value). */
  device: unknown;
  /** Continue the run in `dir` instead of starting one. */
  resume?: boolean;
  /** Names for configuration paths in error messages, e.g. `{ "search.seed": "--seed" }`. */
  optionNames?: Readonly<Record<string, string>>;
}

/**
 * Checks that a new or resumed run may use `dir`, before anything is written: a new run needs a
 * missing or empty folder; a resumed one needs a run there with an equal configuration and device,
 * except that `search.iterations` may grow (the run is extended; fewer is refused). A `.lock` of
 * a process that no longer runs is removed with a warning (a folder holding nothing else is then
 * a new run, also with `resume`); one of a running search is refused. Returns the records to
 * resume from. Throws {@linkcode InputError} naming the difference. A `device` of `undefined`
 * skips the device check (for an early check of the options alone).
 *
 * @example
 * ```ts
 * import { prepareRunDir } from "./run_dir.ts";
 * import { validateSearchOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * const root = await Deno.makeTempDir();
 * const config = { version: 1 as const, space: {}, search: validateSearchOptions({}), profile: {} };
 * assert.deepEqual(await prepareRunDir(join(root, "new-run"), config, { cpu: "x" }, false), []);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function prepareRunDir(
  dir: string,
  config: RunConfig,
  device: unknown,
  resume: boolean,
  optionNames: Readonly<Record<string, string>> = {},
): Promise<CandidateRecord[]> {
  await clearStaleLock(dir);
  await removeStaleTempFiles(dir); // half-written files of killed writers
  // A run that holds only a stale lock was killed before it wrote run.json: start it afresh.
  if (resume && (await isEmptyDir(dir))) resume = false;
  if (!resume) {
    if (await pathExists(dir)) {
      const stat = await Deno.stat(dir);
      if (!stat.isDirectory) throw new InputError(`${dir}: exists and is not a folder`);
      for await (const _ of Deno.readDir(dir)) {
        throw new InputError(`${dir}: already holds files; pass --resume to continue a run there`);
      }
    }
    return [];
  }
  const run = await loadRun(dir);
  const diff = jsonDifferences(run.config, config).filter((path) =>
    path !== "search.iterations" || !extendsIterations(run.config, config, optionNames)
  );
  if (diff.length > 0) {
    throw new RunMismatchError(
      `${optionNames[diff[0]] ?? diff[0]}: differs from the run being resumed (${
        JSON.stringify(pick(run.config, diff[0]))
      } there, ${JSON.stringify(pick(config, diff[0]))} now)`,
    );
  }
  const deviceDiff = jsonDifferences(run.device, device);
  if (device !== undefined && run.device !== undefined && deviceDiff.length > 0) {
    throw new RunMismatchError(
      `device: the run was measured with another device fingerprint (${deviceDiff.join(", ")})`,
    );
  }
  return run.records;
}

/**
 * Whether `config` asks for more iterations than the run's (a resume may extend a run: the
 * earlier iterations are replayed, not redone). Fewer is refused, naming the flag.
 */
function extendsIterations(
  run: RunConfig,
  config: RunConfig,
  optionNames: Readonly<Record<string, string>>,
): boolean {
  const before = run.search.iterations, now = config.search.iterations;
  if (now > before) return true;
  if (now < before) {
    throw new RunMismatchError(
      `${optionNames["search.iterations"] ?? "search.iterations"}: ${now} is fewer than the ` +
        `${before} iterations of the run being resumed (a resumed run can only be extended)`,
    );
  }
  return false;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/** The owner recorded in a `.lock` file: `<pid> [<start time>]`. */
function parseLock(text: string | undefined): { pid: number; startTime?: number } | undefined {
  const [pidText, startText] = (text ?? "").trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const startTime = startText === undefined ? undefined : Number(startText);
  return { pid, startTime: Number.isFinite(startTime) ? startTime : undefined };
}

/**
 * Removes a run directory's `.lock` when the process that wrote it no longer runs (a search
 * killed with SIGKILL), with a warning; throws
 * {@linkcode InputError} when another running search holds it.
 */
async function clearStaleLock(dir: string): Promise<void> {
  const path = join(dir, ".lock");
  let text: string | undefined;
  try {
    text = await readIfExists(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotADirectory) return; // the caller reports the path
    throw e;
  }
  if (text === undefined) return;
  const owner = parseLock(text);
  if (owner && owner.pid !== Deno.pid && ownerAlive(owner.pid, owner.startTime)) {
    throw new InputError(
      `${dir}: in use by process ${owner.pid} (another search); remove ${path} if it is not`,
    );
  }
  if (owner?.pid === Deno.pid) return;
  await Deno.remove(path).catch(() => {});
  console.error(
    `warning: ${dir}: removed a stale lock (${
      owner ? `process ${owner.pid} no longer runs` : "no process id in it"
    })`,
  );
}

function pick(value: unknown, path: string): unknown {
  let v = value;
  for (const k of path.split(".")) v = (v as Record<string, unknown> | undefined)?.[k];
  return v ?? null;
}

/**
 * Takes the run directory's lock (`.lock`, holding this process id and its start time), so that
 * two searches never write one run at once. A lock left by a process that no longer runs (a
 * killed search, or a reused process id) is taken over. Returns the function that releases it.
 *
 * @example
 * ```ts
 * import { lockRunDir } from "./run_dir.ts";
 * const dir = await Deno.makeTempDir();
 * const release = await lockRunDir(dir);
 * await release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function lockRunDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, ".lock");
  await Deno.mkdir(dir, { recursive: true });
  const owner = parseLock(await readIfExists(path));
  if (owner && owner.pid !== Deno.pid && ownerAlive(owner.pid, owner.startTime)) {
    throw new InputError(
      `${dir}: in use by process ${owner.pid} (another search); remove ${path} if it is not`,
    );
  }
  const startTime = processStartTime(Deno.pid);
  await writeFileAtomic(path, `${Deno.pid}${startTime === undefined ? "" : ` ${startTime}`}\n`);
  return async () => {
    await Deno.remove(path).catch(() => {});
  };
}

/**
 * Runs (or resumes) a search in a run directory: checks the folder, writes `run.json` and
 * `device.json`, checkpoints `candidates.jsonl` after every measured candidate and rewrites
 * `frontier.jsonl` and `candidates.csv` after every iteration.
 *
 * @example
 * ```ts
 * import { runSearchInDir } from "./run_dir.ts";
 * import { validateSearchOptions } from "./options.ts";
 * import { spaceOperators } from "./operators.ts";
 * import { getSpace } from "../space/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const search = validateSearchOptions({ iterations: 2, population: 4, seed: 1 });
 * const result = await runSearchInDir({
 *   dir, config: { version: 1, space: {}, search, profile: {} }, device: { cpu: "fake" },
 *   operators: spaceOperators(getSpace("lts-gpt2")),
 *   measure: (arch) => Promise.resolve({ ok: true, latencyMs: { p50: arch.nLayer }, peakMemoryBytes: 1e6 }),
 * });
 * assert.ok(result.frontier.length > 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runSearchInDir(input: RunInDirInput): Promise<SearchResult> {
  const { dir, config, device } = input;
  const history = await prepareRunDir(
    dir,
    config,
    device,
    input.resume ?? false,
    input.optionNames,
  );
  const release = await lockRunDir(dir);
  try {
    return await searchLocked(input, history);
  } finally {
    await release();
  }
}

/**
 * Writes `run.json` for a new run, or (atomically) for a resumed one whose iterations were
 * extended (its `createdAt` is kept); an unchanged resumed run's file is left alone.
 */
async function writeRunConfig(dir: string, config: RunConfig, resume: boolean): Promise<void> {
  const path = join(dir, RUN_FILES.config);
  const text = resume ? await readIfExists(path) : undefined;
  const old = text === undefined ? undefined : parseJson(text, path) as Record<string, unknown>;
  if (old && (old.search as SearchOptions | undefined)?.iterations === config.search.iterations) {
    return;
  }
  const createdAt = typeof old?.createdAt === "string" ? old.createdAt : new Date().toISOString();
  await writeFileAtomic(path, JSON.stringify({ ...config, createdAt }, null, 2) + "\n");
}

async function searchLocked(
  input: RunInDirInput,
  history: CandidateRecord[],
): Promise<SearchResult> {
  const { dir, config, device } = input;
  await writeRunConfig(dir, config, input.resume ?? false);
  await writeFileAtomic(join(dir, RUN_FILES.device), JSON.stringify(device, null, 2) + "\n");
  // The checkpoint: rewritten once (dropping any line a kill cut short), then one appended line
  // per measured candidate, a single write each, so the cost per candidate stays constant.
  const candidatesPath = join(dir, RUN_FILES.candidates);
  await writeFileAtomic(candidatesPath, candidateLines(history));
  const result = await runSearch({
    ...input,
    options: config.search,
    history,
    onRecord: async (record, records) => {
      await Deno.writeTextFile(candidatesPath, JSON.stringify(candidateJson(record)) + "\n", {
        append: true,
      });
      await input.onRecord?.(record, records);
    },
    onIteration: async (summary, summaries, records) => {
      await writeFileAtomic(join(dir, RUN_FILES.frontier), jsonLines(summaries));
      await writeFileAtomic(join(dir, RUN_FILES.csv), candidatesCsv(records));
      await input.onIteration?.(summary, summaries, records);
    },
  });
  await writeFileAtomic(join(dir, RUN_FILES.candidates), candidateLines(result.records));
  await writeFileAtomic(join(dir, RUN_FILES.csv), candidatesCsv(result.records));
  return result;
}

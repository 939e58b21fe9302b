/**
 * The searches the report's notebooks share (03 and 04 read the same runs): their budget, their
 * run folders, and running them with live progress.
 *
 * @module
 */
import { join } from "node:path";
import { createProgress } from "../plots/progress.ts";
import type { ProfileSettings } from "../profile/settings.ts";
import type { SearchResult } from "../search/algorithm.ts";
import { searchOnDevice } from "../search/device.ts";
import { RUN_FILES, RunMismatchError } from "../search/run_dir.ts";
import { searchProgressNote } from "../search/progress.ts";
import { maxCandidates, validateSearchOptions } from "../search/options.ts";
import type { FrontierPoint } from "../search/types.ts";
import { PROJECT_ROOT } from "../util/paths.ts";
import type { StudyContext } from "./context.ts";
import { InterruptedError, interruptSignal, isInterrupt } from "./interrupt.ts";

/** Budget of the report's searches. */
export interface ReportSearchBudget {
  preset: "lts-gpt2";
  iterations: number;
  population: number;
  maxDecoderParams: number;
  seed: number;
}

/**
 * The report's search budget: the paper's 30 iterations of 100 would take hours on a 2-core CPU,
 * so the report runs short searches on a capped parameter range (shorter still in quick mode).
 *
 * @example
 * ```ts
 * import { reportSearchBudget } from "./report_search.ts";
 * reportSearchBudget({ quick: true }).iterations; // 2
 * ```
 */
export function reportSearchBudget(ctx: Pick<StudyContext, "quick">): ReportSearchBudget {
  return ctx.quick
    ? { preset: "lts-gpt2", iterations: 2, population: 8, maxDecoderParams: 25e6, seed: 1 }
    : { preset: "lts-gpt2", iterations: 5, population: 30, maxDecoderParams: 60e6, seed: 1 };
}

/** Environment variable naming the folder of the report's search runs (default `data/runs/`). */
export const RUNS_DIR_ENV = "LTS_RUNS_DIR";

/**
 * The run folder of one report search, under `$LTS_RUNS_DIR` or `data/runs/` (separate folders for
 * quick and fresh reports, so they never resume each other).
 *
 * @example
 * ```ts
 * import { reportRunDir } from "./report_search.ts";
 * reportRunDir({ quick: true, fresh: false }, "heterogeneous"); // ".../data/runs/report-heterogeneous-quick"
 * ```
 */
export function reportRunDir(ctx: Pick<StudyContext, "quick" | "fresh">, name: string): string {
  const suffix = `${ctx.quick ? "-quick" : ""}${ctx.fresh ? "-fresh" : ""}`;
  const root = Deno.env.get(RUNS_DIR_ENV) || join(PROJECT_ROOT, "data", "runs");
  return join(root, `report-${name}${suffix}`);
}

/** One report search: its result, its final frontier as points, and its run folder. */
export interface ReportSearchRun {
  result: SearchResult;
  /** The final frontier reduced to its objectives (`result.frontier` holds the whole records). */
  frontierPoints: FrontierPoint[];
  dir: string;
}

/**
 * Runs (or resumes, or reads back) one report search with a live progress display.
 *
 * @example
 * ```ts
 * import { reportRunDir, reportSearch, reportSearchBudget } from "./report_search.ts";
 * import { studyContext } from "./context.ts";
 * import { deviceFingerprint } from "../profile/fingerprint.ts";
 * import { validateProfileSettings } from "../profile/settings.ts";
 * import { deviceRunConfig, runSearchInDir, spaceOperators, validateSearchOptions } from "../search/mod.ts";
 * import { getSpace } from "../space/mod.ts";
 * import assert from "node:assert/strict";
 * // A finished run in the runs folder is read back, nothing measured (a fake measured it here).
 * const root = await Deno.makeTempDir();
 * Deno.env.set("LTS_RUNS_DIR", root);
 * const ctx = await studyContext({ quick: true, cachePath: `${root}/cache.jsonl` });
 * const budget = reportSearchBudget(ctx);
 * const space = getSpace(budget.preset, { maxDecoderParams: budget.maxDecoderParams, homogeneous: true });
 * const search = validateSearchOptions({ iterations: budget.iterations, population: budget.population,
 *   seed: budget.seed, minDecoderParams: space.minDecoderParams, maxDecoderParams: space.maxDecoderParams });
 * const settings = validateProfileSettings({ seqLen: 64 });
 * await runSearchInDir({
 *   dir: reportRunDir(ctx, "demo"), config: deviceRunConfig(budget.preset, space, search, settings),
 *   device: deviceFingerprint(ctx.device, settings), operators: spaceOperators(space),
 *   measure: (arch) => Promise.resolve({ ok: true, latencyMs: { p50: arch.nLayer }, peakMemoryBytes: 1e6 }),
 * });
 * const run = await reportSearch(ctx, "demo", { homogeneous: true, settings });
 * assert.deepEqual(run.frontierPoints.map((p) => p.id), run.result.frontier.map((r) => r.id));
 * Deno.env.delete("LTS_RUNS_DIR");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function reportSearch(
  ctx: StudyContext,
  name: string,
  options: { homogeneous: boolean; settings?: Partial<ProfileSettings> },
): Promise<ReportSearchRun> {
  const budget = reportSearchBudget(ctx);
  const dir = reportRunDir(ctx, name);
  // A fresh report measures again: a run saved before it began is redone (one saved since, by
  // an earlier notebook of the same report, is read back).
  if (ctx.fresh && await runCreatedBefore(dir, ctx.freshSince)) await removeRun(dir);
  const search = validateSearchOptions({
    iterations: budget.iterations,
    population: budget.population,
    seed: budget.seed,
  });
  const progress = createProgress(`${name} search`, maxCandidates(search));
  const signal = interruptSignal();
  let candidates = 0;
  const run = () =>
    searchOnDevice({
      preset: budget.preset,
      space: { maxDecoderParams: budget.maxDecoderParams, homogeneous: options.homogeneous },
      search,
      settings: options.settings ?? {},
      dir,
      cache: ctx.cache,
      signal,
      onProgress: (p) => {
        candidates = p.candidates;
        void progress.update(p.candidates, searchProgressNote(p));
      },
    });
  let result: SearchResult;
  try {
    result = await run();
  } catch (e) {
    if (isInterrupt(e, signal)) {
      await progress.finish("interrupted");
      throw new InterruptedError(
        `${name} search: interrupted after ${candidates} candidates; the run is saved in ${dir}, ` +
          "and running the cell again resumes it",
      );
    }
    // The folder holds a run of another configuration, graph version or device: the report
    // owns it, so it starts over rather than stopping.
    if (!(e instanceof RunMismatchError)) throw e;
    await removeRun(dir);
    result = await run();
  }
  const frontierPoints = result.iterations.at(-1)?.frontierPoints ?? [];
  await progress.finish(`${result.records.length} candidates, frontier ${frontierPoints.length}`);
  return { result, frontierPoints, dir };
}

/**
 * Whether `dir` holds a search run whose `run.json` was written before `since` (any run there
 * when `since` is unset): what a fresh report redoes.
 *
 * @example
 * ```ts
 * import { runCreatedBefore } from "./report_search.ts";
 * await runCreatedBefore("data/runs/none-here", "2026-01-01T00:00:00Z"); // false
 * ```
 */
export async function runCreatedBefore(dir: string, since: string | undefined): Promise<boolean> {
  let createdAt: unknown;
  try {
    createdAt = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.config))).createdAt;
  } catch {
    return false; // no run there (or nothing readable: the search reports that itself)
  }
  if (since === undefined || typeof createdAt !== "string") return true;
  return Date.parse(createdAt) < Date.parse(since);
}

async function removeRun(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

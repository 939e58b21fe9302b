/**
 * The searches the report's notebooks share (03 and 04 read the same runs): their budget, their
 * run folders, and running them with live progress.
 *
 * @module
 */
import { join } from "node:path";
import { createProgress } from "../plots/progress.ts";
import type { ProfileSettings } from "../profile/settings.ts";
import { type CalibrationSource, useCalibration } from "../costmodel/resolve.ts";
import type { Calibration } from "../costmodel/types.ts";
import { validateCostModel, type ValidationReport } from "../costmodel/validate.ts";
import { frontierPoint } from "../search/algorithm.ts";
import type { CostMode } from "../search/cost.ts";
import type { CostRunResult } from "../search/cost_run.ts";
import { searchOnDevice } from "../search/device.ts";
import type { SpaceOptions } from "../space/presets.ts";
import { RUN_FILES, RunMismatchError } from "../search/run_dir.ts";
import { searchProgressNote } from "../search/progress.ts";
import { maxCandidates, validateSearchOptions } from "../search/options.ts";
import type { CandidateRecord, FrontierPoint } from "../search/types.ts";
import { PROJECT_ROOT } from "../util/paths.ts";
import type { StudyContext } from "./context.ts";
import { InterruptedError, interruptSignal, isInterrupt } from "./interrupt.ts";

/** Budget of the report's searches. */
export interface ReportSearchBudget {
  preset: "lts-gpt2";
  iterations: number;
  population: number;
  /** Upper bound on decoder parameters (quick mode only: the full report searches the whole space). */
  maxDecoderParams?: number;
  /** The seeds every search family runs with (the first one is shown in detail). */
  seeds: number[];
  /**
   * The embedding of the searches and the baselines alike, the paper's: d_embed = d_model and
   * adaptive-input factor k = 4 (so matched-parameter comparisons are about the decoder).
   */
  embedding: { dEmbed: "dModel"; divVal: number };
  /** How candidates are costed (`lib/search/cost.ts`). */
  cost: CostMode;
  /** `verified`: the most candidates each search measures. */
  verifyMax?: number;
  /** Fresh processes each measured model (verified candidates, baselines) is measured in. */
  processRepeats: number;
}

/**
 * The report's search budget. The full report runs the paper's budget (30 iterations of 100
 * over the whole `lts-gpt2` space) on predicted costs and measures the candidates the
 * verification picks in 3 processes each, for 3 seeds; quick mode runs short measured searches
 * on a capped parameter range.
 *
 * @example
 * ```ts
 * import { reportSearchBudget } from "./report_search.ts";
 * reportSearchBudget({ quick: true }).iterations; // 2
 * reportSearchBudget({ quick: false }).cost; // "verified"
 * ```
 */
export function reportSearchBudget(ctx: Pick<StudyContext, "quick">): ReportSearchBudget {
  const embedding = { dEmbed: "dModel" as const, divVal: 4 };
  return ctx.quick
    ? {
      preset: "lts-gpt2",
      iterations: 2,
      population: 8,
      maxDecoderParams: 25e6,
      seeds: [1, 2],
      embedding,
      cost: "measured",
      processRepeats: 1,
    }
    : {
      preset: "lts-gpt2",
      iterations: 30,
      population: 100,
      seeds: [1, 2, 3],
      embedding,
      cost: "verified",
      verifyMax: 8,
      processRepeats: 3,
    };
}

/**
 * The space options of a report search: the budget's embedding and parameter cap, and
 * homogeneous or not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportSearchBudget, reportSpaceOptions } from "./report_search.ts";
 * const options = reportSpaceOptions(reportSearchBudget({ quick: false }), true);
 * assert.deepEqual(options, { homogeneous: true, dEmbed: "dModel", divVal: [4] });
 * ```
 */
export function reportSpaceOptions(budget: ReportSearchBudget, homogeneous: boolean): SpaceOptions {
  return {
    homogeneous,
    ...(budget.maxDecoderParams === undefined ? {} : { maxDecoderParams: budget.maxDecoderParams }),
    dEmbed: budget.embedding.dEmbed,
    divVal: [budget.embedding.divVal],
  };
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
  result: CostRunResult;
  /** The final frontier reduced to its objectives (`result.frontier` holds the whole records). */
  frontierPoints: FrontierPoint[];
  /**
   * The candidates whose costs were measured, as records with the measured values: all of them
   * for a measured search, the verified ones for a verified search.
   */
  measuredRecords: CandidateRecord[];
  seed: number;
  dir: string;
}

/**
 * The folder of the report's calibration (`$LTS_RUNS_DIR` or `data/runs/`, then
 * `report-costmodel[-quick][-fresh]`): every verified search of one report shares it, and a fresh
 * report measures it again.
 *
 * @example
 * ```ts
 * import { reportCalibrationDir } from "./report_search.ts";
 * reportCalibrationDir({ quick: false, fresh: true }); // ".../data/runs/report-costmodel-fresh"
 * ```
 */
export function reportCalibrationDir(ctx: Pick<StudyContext, "quick" | "fresh">): string {
  return reportRunDir(ctx, "costmodel");
}

/**
 * The report's calibration (for its settings and the budget's space), measured with a live
 * progress display when the report has none yet, and stored in {@linkcode reportCalibrationDir};
 * a stored one shows the same display, finished.
 * A fresh report measures it again once (the first notebook that needs it), and the later
 * notebooks of that report read it back.
 *
 * @example
 * ```ts ignore
 * import { reportCalibration } from "./report_search.ts";
 * import { studyContext } from "./context.ts";
 * const ctx = await studyContext();
 * const { calibration } = await reportCalibration(ctx, { seqLen: 192 });
 * ```
 */
export async function reportCalibration(
  ctx: StudyContext,
  settings: Partial<ProfileSettings> = {},
): Promise<CalibrationSource> {
  const budget = reportSearchBudget(ctx);
  const dir = reportCalibrationDir(ctx);
  if (ctx.fresh && await folderCreatedBefore(dir, ctx.freshSince)) await removeRun(dir);
  const signal = interruptSignal();
  let progress: ReturnType<typeof createProgress> | undefined;
  try {
    const source = await useCalibration({
      preset: budget.preset,
      space: reportSpaceOptions(budget, false),
      settings,
      dir,
      calibrate: true,
      signal,
      onCalibrationProgress: (done, total, r) => {
        progress ??= createProgress("cost-model calibration", total);
        void progress.update(
          done,
          r.ok ? `${r.archHash} p50 ${r.latencyMs.p50.toFixed(1)} ms` : `${r.archHash} failed`,
        );
      },
    });
    const models = source.calibration.models.length;
    // One display whether it was measured now or read back, so a run against stored results
    // shows the same outputs as the run that measured them.
    progress ??= createProgress("cost-model calibration", models);
    await progress.update(models);
    await progress.finish(source.calibratedNow ? `${models} models` : `${models} models, stored`);
    return source;
  } catch (e) {
    if (isInterrupt(e, signal)) {
      await progress?.finish("interrupted");
      throw new InterruptedError(
        "calibration: interrupted; nothing was stored, running the cell again starts it over",
      );
    }
    throw e;
  }
}

/**
 * The held-out validation of the report's calibration, with a live progress display: `sample`
 * architectures of the budget's space (never calibration models) drawn with `seed`, each
 * measured in 3 fresh processes, against the predictions. Measurements go to the report's
 * profile cache, so running it again reads them back.
 *
 * @example
 * ```ts ignore
 * import { reportCalibration, reportValidation } from "./report_search.ts";
 * import { studyContext } from "./context.ts";
 * const ctx = await studyContext();
 * const { calibration } = await reportCalibration(ctx);
 * const report = await reportValidation(ctx, calibration, { sample: 20, seed: 1 });
 * report.summary.latency.within5;
 * ```
 */
export async function reportValidation(
  ctx: StudyContext,
  calibration: Calibration,
  options: { sample: number; seed: number },
): Promise<ValidationReport> {
  const budget = reportSearchBudget(ctx);
  const signal = interruptSignal();
  const progress = createProgress("cost-model validation", options.sample);
  try {
    const report = await validateCostModel({
      calibration,
      space: reportSpaceOptions(budget, false),
      sample: options.sample,
      seed: options.seed,
      cache: ctx.cache,
      signal,
      onProgress: (done, _total, r) => {
        void progress.update(
          done,
          r.ok ? `${r.archHash} p50 ${r.latencyMs.p50.toFixed(1)} ms` : `${r.archHash} failed`,
        );
      },
    });
    await progress.finish(`${report.rows.length} measured`);
    return report;
  } catch (e) {
    if (isInterrupt(e, signal)) {
      await progress.finish("interrupted");
      throw new InterruptedError(
        "validation: interrupted; what was measured is cached, running the cell again goes on",
      );
    }
    throw e;
  }
}

/**
 * Times one search of the report's budget on predicted costs alone (heterogeneous, the first
 * seed, in a temporary folder that is removed after): the part of a verified search besides
 * calibration and verification. Returns its wall time (ms) and candidate count.
 *
 * @example
 * ```ts ignore
 * import { reportPredictedSearch } from "./report_search.ts";
 * import { studyContext } from "./context.ts";
 * const { wallMs } = await reportPredictedSearch(await studyContext());
 * ```
 */
export async function reportPredictedSearch(
  ctx: StudyContext,
  settings: Partial<ProfileSettings> = {},
): Promise<{ wallMs: number; candidates: number }> {
  const budget = reportSearchBudget(ctx);
  const source = await reportCalibration(ctx, settings);
  const dir = await Deno.makeTempDir({ prefix: "lts-predicted-" });
  try {
    const started = performance.now();
    const result = await searchOnDevice({
      preset: budget.preset,
      space: reportSpaceOptions(budget, false),
      search: validateSearchOptions({
        iterations: budget.iterations,
        population: budget.population,
        seed: budget.seeds[0],
      }),
      settings,
      dir,
      cache: false,
      cost: { mode: "predicted", calibrationFile: source.path },
    });
    return { wallMs: performance.now() - started, candidates: result.records.length };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether the folder `dir` was made before `since` (no folder: false). */
async function folderCreatedBefore(dir: string, since: string | undefined): Promise<boolean> {
  try {
    const stat = await Deno.stat(dir);
    if (since === undefined) return true;
    const born = stat.birthtime ?? stat.mtime;
    return born !== null && born.getTime() < Date.parse(since);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Runs (or resumes, or reads back) one report search with a live progress display: the
 * budget's space, costs and processes, and `seed` (default the budget's first). A verified
 * search uses the report's calibration ({@linkcode reportCalibration}; call it first for a live
 * display of its progress).
 *
 * @example
 * ```ts
 * import { reportRunDir, reportSearch, reportSearchBudget, reportSpaceOptions } from "./report_search.ts";
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
 * const space = getSpace(budget.preset, reportSpaceOptions(budget, true));
 * const search = validateSearchOptions({ iterations: budget.iterations, population: budget.population,
 *   seed: budget.seeds[0], minDecoderParams: space.minDecoderParams, maxDecoderParams: space.maxDecoderParams });
 * const settings = validateProfileSettings({ seqLen: 64, processRepeats: budget.processRepeats });
 * await runSearchInDir({
 *   dir: reportRunDir(ctx, "demo-seed1"), config: deviceRunConfig(budget.preset, space, search, settings),
 *   device: deviceFingerprint(ctx.device, settings), operators: spaceOperators(space),
 *   measure: (arch) => Promise.resolve({ ok: true, latencyMs: { p50: arch.nLayer }, peakMemoryBytes: 1e6 }),
 * });
 * const run = await reportSearch(ctx, "demo", { homogeneous: true, settings: { seqLen: 64 } });
 * assert.deepEqual(run.frontierPoints.map((p) => p.id), run.result.frontier.map((r) => r.id));
 * Deno.env.delete("LTS_RUNS_DIR");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function reportSearch(
  ctx: StudyContext,
  name: string,
  options: { homogeneous: boolean; settings?: Partial<ProfileSettings>; seed?: number },
): Promise<ReportSearchRun> {
  const budget = reportSearchBudget(ctx);
  const seed = options.seed ?? budget.seeds[0];
  const label = `${name} (seed ${seed})`;
  const dir = reportRunDir(ctx, `${name}-seed${seed}`);
  // A fresh report measures again: a run saved before it began is redone (one saved since, by
  // an earlier notebook of the same report, is read back).
  if (ctx.fresh && await runCreatedBefore(dir, ctx.freshSince)) await removeRun(dir);
  const search = validateSearchOptions({
    iterations: budget.iterations,
    population: budget.population,
    seed,
  });
  const settings = { ...options.settings, processRepeats: budget.processRepeats };
  const calibration = budget.cost === "measured"
    ? undefined
    : await reportCalibration(ctx, settings);
  const progress = createProgress(`${label} search`, maxCandidates(search));
  let verifyProgress: ReturnType<typeof createProgress> | undefined;
  const signal = interruptSignal();
  let candidates = 0;
  const run = () =>
    searchOnDevice({
      preset: budget.preset,
      space: reportSpaceOptions(budget, options.homogeneous),
      search,
      settings,
      dir,
      cache: ctx.cache,
      signal,
      cost: {
        mode: budget.cost,
        ...(calibration ? { calibrationFile: calibration.path } : {}),
        ...(budget.verifyMax === undefined ? {} : { verifyMax: budget.verifyMax }),
      },
      onProgress: (p) => {
        candidates = p.candidates;
        void progress.update(p.candidates, searchProgressNote(p));
      },
      onVerifyProgress: (p) => {
        verifyProgress ??= createProgress(`${label} verification`, p.total - p.done + 1);
        void verifyProgress.update(
          p.measuredNow,
          p.last.latencyMs
            ? `${p.last.id} p50 ${p.last.latencyMs.p50.toFixed(1)} ms`
            : `${p.last.id} ${p.last.status}`,
        );
      },
    });
  let result: CostRunResult;
  try {
    result = await run();
  } catch (e) {
    if (isInterrupt(e, signal)) {
      await progress.finish("interrupted");
      await verifyProgress?.finish("interrupted");
      throw new InterruptedError(
        `${label} search: interrupted after ${candidates} candidates; the run is saved in ${dir}, ` +
          "and running the cell again resumes it",
      );
    }
    // The folder holds a run of another configuration, graph version or device: the report
    // owns it, so it starts over rather than stopping.
    if (!(e instanceof RunMismatchError)) throw e;
    await removeRun(dir);
    result = await run();
  }
  const frontierPoints = result.frontier.map(frontierPoint);
  await progress.finish(`${result.records.length} candidates, frontier ${frontierPoints.length}`);
  if (result.verification) {
    // A run read back shows its verification as a finished display, as the run that measured it.
    const measured = result.verification.summary.measured;
    if (verifyProgress === undefined) {
      verifyProgress = createProgress(`${label} verification`, measured);
      await verifyProgress.update(measured);
    }
    await verifyProgress.finish(`${measured} measured`);
  }
  const measuredRecords = result.verification?.measured ?? result.records;
  return { result, frontierPoints, measuredRecords, seed, dir };
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

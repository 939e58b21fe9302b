/**
 * The search on this device: the profiler as the search's measurement, and a run directory that
 * is created, resumed or simply read back. The CLI (`lts search`) and the notebooks share it.
 *
 * @module
 */
import { pathExists } from "../util/fs.ts";
import { GPT2_GRAPH_VERSION } from "../onnx/gpt2.ts";
import { detectDevice, deviceFingerprint } from "../profile/fingerprint.ts";
import { profileArch, profileMany, type ProfileSchedule } from "../profile/profile.ts";
import type { ProfileCache } from "../profile/cache.ts";
import type { ProfileResult } from "../profile/result.ts";
import {
  measurementSettings,
  type ProfileSettings,
  validateProfileSettings,
} from "../profile/settings.ts";
import { getSpace, type SearchSpace, type SpaceOptions } from "../space/mod.ts";
import { InputError } from "../util/errors.ts";
import { useCalibration } from "../costmodel/resolve.ts";
import type { Calibration } from "../costmodel/types.ts";
import { type CostMode, type DerivedMargin, type RunCost, runCostOf } from "./cost.ts";
import { type CostRunResult, runCostSearchInDir } from "./cost_run.ts";
import type { VerificationProgress } from "./verify.ts";
import { spaceOperators } from "./operators.ts";
import { type SearchOptions, validateSearchOptions } from "./options.ts";
import { RUN_FILES, type RunConfig } from "./run_dir.ts";
import type { LatencyStats, Measure, MeasureMany, Measurement, SearchProgress } from "./types.ts";
import { join } from "node:path";

/**
 * A profiler result as the search's measurement. Measured in several processes
 * (`processRepeats`), the latency stats add `processMin` and `processMax`: the lowest and highest
 * p50 of the processes (the median one's stats are the rest).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurementOf } from "./device.ts";
 * assert.deepEqual(measurementOf({ ok: false, reason: "timeout" } as never), { ok: false, reason: "timeout" });
 * ```
 */
export function measurementOf(r: ProfileResult): Measurement {
  if (!r.ok) return { ok: false, reason: r.reason };
  const { p50, p10, p90, mean, n } = r.latencyMs;
  const latencyMs: LatencyStats = { p50, p10, p90, mean, n };
  // Measured in several processes: the spread of their p50s (the median process is the p50).
  const p50s = r.processes?.p50Ms ?? [];
  if (p50s.length > 1) {
    latencyMs.processMin = Math.min(...p50s);
    latencyMs.processMax = Math.max(...p50s);
  }
  return { ok: true, latencyMs, peakMemoryBytes: r.peakMemoryBytes };
}

/**
 * The profiler as the search's `measure` (one architecture) and `measureMany` (in order, letting
 * the profiler prepare the next model while one is measured).
 *
 * @example
 * ```ts
 * import { profilerMeasures } from "./device.ts";
 * const { measure } = profilerMeasures({ seqLen: 192 });
 * ```
 */
export function profilerMeasures(
  settings: Partial<ProfileSettings>,
  options: {
    cache?: ProfileCache | false;
    /** The profiler's schedule of a batch (`measureMany`; default `"pipelined"`). */
    schedule?: ProfileSchedule;
    /** Aborting kills the measuring child; the measurement rejects with an AbortError. */
    signal?: AbortSignal;
  } = {},
): { measure: Measure; measureMany: MeasureMany } {
  const cache = {
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const many = { ...cache, schedule: options.schedule ?? "pipelined" };
  return {
    measure: async (arch) => measurementOf(await profileArch(arch, settings, cache)),
    measureMany: async function* (archs) {
      for await (const r of profileMany(archs, settings, many)) yield measurementOf(r);
    },
  };
}

/**
 * The `run.json` configuration of a search on this device.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deviceRunConfig } from "./device.ts";
 * import { getSpace } from "../space/mod.ts";
 * import { validateSearchOptions } from "./options.ts";
 * import { validateProfileSettings } from "../profile/settings.ts";
 * const config = deviceRunConfig("lts-gpt2", getSpace("lts-gpt2"), validateSearchOptions({}), validateProfileSettings({}));
 * assert.equal(config.space.preset, "lts-gpt2");
 * ```
 */
export function deviceRunConfig(
  preset: string,
  space: SearchSpace,
  options: SearchOptions,
  settings: ProfileSettings,
  cost?: RunCost,
): RunConfig {
  const { description: _description, ...definition } = space;
  const config: RunConfig = {
    version: 1,
    space: {
      preset,
      homogeneous: space.homogeneous,
      dInnerRatio: space.dInnerRatio,
      definition,
    },
    search: options,
    // The emitter's graph version decides measurements too: a run measured with other graphs
    // is not resumed.
    profile: { ...measurementSettings(settings), graphVersion: GPT2_GRAPH_VERSION },
  };
  // Recorded only when not measured, so runs recorded before cost models resume unchanged.
  if (cost) config.cost = cost;
  return config;
}

/** How a search on this device gets its costs (`lts search --cost`, `--calibration`, …). */
export interface SearchCostInput {
  /** Default `"measured"`. */
  mode?: CostMode;
  /** An explicit calibration file; default the stored one of this device, or a new one. */
  calibrationFile?: string;
  /** `verified`: one relative margin for both objectives (default from the calibration). */
  margin?: number;
  /** `verified`: the most candidates measured (default 100). */
  verifyMax?: number;
  /** Progress of a calibration measured now (none was stored). */
  onCalibrationProgress?: (done: number, total: number, result: ProfileResult) => void;
}

/** The calibration and run configuration a search's cost mode resolved to. */
export interface ResolvedSearchCost {
  cost?: RunCost;
  calibration?: Calibration;
  /** Where the calibration was read or stored, whether it is foreign, measured just now. */
  calibrationPath?: string;
  foreign?: boolean;
  calibratedNow?: boolean;
  /** `verified`: the margin, and where it came from. */
  margin?: DerivedMargin;
}

/**
 * Resolves a search's cost mode on this device: for `predicted` and `verified`, the calibration
 * (an explicit file, the stored one, or one measured now) and the run's `cost` configuration. A
 * `verified` search measures on this machine, so it refuses a foreign calibration (search with
 * `predicted` there and profile the frontier on the device instead).
 *
 * @example
 * ```ts
 * import { resolveSearchCost } from "./device.ts";
 * const { cost } = await resolveSearchCost("lts-gpt2", {}, {}, { mode: "measured" });
 * cost; // undefined
 * ```
 */
export async function resolveSearchCost(
  preset: string,
  space: SpaceOptions,
  settings: Partial<ProfileSettings>,
  input: SearchCostInput,
  signal?: AbortSignal,
): Promise<ResolvedSearchCost> {
  const mode = input.mode ?? "measured";
  if (mode === "measured") return {};
  const source = await useCalibration({
    preset,
    space,
    settings,
    calibrate: true,
    ...(input.calibrationFile === undefined ? {} : { file: input.calibrationFile }),
    ...(input.onCalibrationProgress ? { onCalibrationProgress: input.onCalibrationProgress } : {}),
    ...(signal ? { signal } : {}),
  });
  if (mode === "verified" && source.foreign) {
    throw new InputError(
      `--calibration: ${source.path} was measured on another device, and --cost verified measures ` +
        `on this one; search with --cost predicted here, then lts profile the frontier on that device`,
    );
  }
  const { cost, margin } = runCostOf(mode, source.calibration, {
    ...(input.margin === undefined ? {} : { margin: input.margin }),
    ...(input.verifyMax === undefined ? {} : { verifyMax: input.verifyMax }),
  });
  return {
    ...(cost ? { cost } : {}),
    ...(margin ? { margin } : {}),
    calibration: source.calibration,
    calibrationPath: source.path,
    foreign: source.foreign,
    calibratedNow: source.calibratedNow,
  };
}

/** What {@linkcode searchOnDevice} takes. */
export interface DeviceSearchInput {
  /** Space preset (`lts-gpt2`, …) and its options (homogeneous, bounds, …). */
  preset: string;
  space?: SpaceOptions;
  /** Search options (paper defaults for what is left out). */
  search?: Partial<SearchOptions>;
  /** Profiler settings (defaults: seq len 192, batch 1, 1 thread). */
  settings?: Partial<ProfileSettings>;
  /** The run directory: created when new, resumed when it holds an unfinished run with the same
   * configuration, read back (nothing measured) when that run is finished. */
  dir: string;
  /** Profiler cache (default the project's). */
  cache?: ProfileCache | false;
  /** Cost mode and calibration (default: every candidate measured). */
  cost?: SearchCostInput;
  onProgress?: (progress: SearchProgress) => void;
  onVerifyProgress?: (progress: VerificationProgress) => void;
  signal?: AbortSignal;
}

/**
 * Runs (or resumes, or reads back) a search on this device, its costs measured, predicted or
 * verified (`input.cost`). A `predicted` run with a foreign calibration records that
 * calibration's device as the run's.
 *
 * @example
 * ```ts
 * import { searchOnDevice } from "./device.ts";
 * const result = await searchOnDevice({
 *   preset: "lts-gpt2",
 *   space: { maxDecoderParams: 10e6 },
 *   search: { iterations: 2, population: 10, seed: 1 },
 *   dir: "data/runs/example",
 * });
 * result.frontier.length;
 * ```
 */
export async function searchOnDevice(input: DeviceSearchInput): Promise<CostRunResult> {
  const space = getSpace(input.preset, input.space ?? {});
  const search = validateSearchOptions({
    ...input.search,
    minDecoderParams: space.minDecoderParams,
    maxDecoderParams: space.maxDecoderParams,
  });
  const settings = validateProfileSettings(input.settings ?? {});
  if (settings.seqLen > space.nPositions) {
    throw new InputError(
      `seqLen: ${settings.seqLen} is above the space's ${space.nPositions} positions`,
    );
  }
  const resolved = await resolveSearchCost(
    input.preset,
    input.space ?? {},
    settings,
    input.cost ?? {},
    input.signal,
  );
  const config = deviceRunConfig(input.preset, space, search, settings, resolved.cost);
  const device = resolved.foreign
    ? resolved.calibration!.fingerprint
    : deviceFingerprint(await detectDevice(), settings);
  const resume = await pathExists(join(input.dir, RUN_FILES.config));
  const { measure, measureMany } = profilerMeasures(settings, {
    ...(input.cache === undefined ? {} : { cache: input.cache }),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  return await runCostSearchInDir({
    dir: input.dir,
    config,
    device,
    resume,
    operators: spaceOperators(space),
    measure,
    measureMany,
    ...(resolved.calibration ? { calibration: resolved.calibration } : {}),
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    ...(input.onVerifyProgress ? { onVerifyProgress: input.onVerifyProgress } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
}

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
import type { SearchResult } from "./algorithm.ts";
import { spaceOperators } from "./operators.ts";
import { type SearchOptions, validateSearchOptions } from "./options.ts";
import { RUN_FILES, type RunConfig, runSearchInDir } from "./run_dir.ts";
import type { Measure, MeasureMany, Measurement, SearchProgress } from "./types.ts";
import { join } from "node:path";

/**
 * A profiler result as the search's measurement.
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
  return { ok: true, latencyMs: { p50, p10, p90, mean, n }, peakMemoryBytes: r.peakMemoryBytes };
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
): RunConfig {
  const { description: _description, ...definition } = space;
  return {
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
  onProgress?: (progress: SearchProgress) => void;
  signal?: AbortSignal;
}

/**
 * Runs (or resumes, or reads back) a search measured on this device.
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
export async function searchOnDevice(input: DeviceSearchInput): Promise<SearchResult> {
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
  const config = deviceRunConfig(input.preset, space, search, settings);
  const device = deviceFingerprint(await detectDevice(), settings);
  const resume = await pathExists(join(input.dir, RUN_FILES.config));
  const { measure, measureMany } = profilerMeasures(settings, {
    ...(input.cache === undefined ? {} : { cache: input.cache }),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  return await runSearchInDir({
    dir: input.dir,
    config,
    device,
    resume,
    operators: spaceOperators(space),
    measure,
    measureMany,
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
}

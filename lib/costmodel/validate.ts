/**
 * Validating a calibration on held-out architectures: a seeded random sample of the preset's
 * space (none of them a calibration model), each measured for real in several fresh processes
 * (the median process is the ground truth, as the p50 of one process is noisy), compared with
 * the prediction per objective. The spread of each model's p50 over its processes is reported
 * beside the error: no predictor can be more accurate than the measurement it is checked with.
 *
 * @module
 */
import { archHash } from "../arch/hash.ts";
import type { Arch } from "../arch/types.ts";
import type { ProfileCache } from "../profile/cache.ts";
import { profileMany } from "../profile/profile.ts";
import type { ProfileResult } from "../profile/result.ts";
import type { ProfileSettings } from "../profile/settings.ts";
import { sampleArch } from "../space/ops.ts";
import { getSpace, type SpaceOptions } from "../space/presets.ts";
import type { SearchSpace } from "../space/types.ts";
import { InputError } from "../util/errors.ts";
import { createRng } from "../util/rng.ts";
import { integerInRange } from "../util/validate.ts";
import { coefficientOfVariation, errorSummary } from "./accuracy.ts";
import { predictCost } from "./predict.ts";
import type { Calibration, CalibrationValidation, CostPrediction } from "./types.ts";

/** One held-out architecture: predicted, and measured in each process. */
export interface ValidationRow {
  archHash: string;
  arch: Arch;
  predicted: CostPrediction;
  /** The median process's p50 (ms) and peak memory (bytes). */
  latencyP50Ms: number;
  peakMemoryBytes: number;
  /** Every process's p50 (ms). */
  processP50Ms: number[];
}

/** A validation: its rows and the summary recorded in the calibration. */
export interface ValidationReport {
  rows: ValidationRow[];
  summary: CalibrationValidation;
  /** Held-out models that failed to measure (left out of the summary), with the reason. */
  failures: { archHash: string; reason: string }[];
  /** Wall time of the measurements (ms). */
  wallMs: number;
}

/**
 * The held-out sample: `sample` distinct architectures drawn from the space with `seed`, none
 * of them a calibration model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { heldOutSample } from "./validate.ts";
 * import { getSpace } from "../space/mod.ts";
 * const archs = heldOutSample(getSpace("lts-gpt2"), 5, 1, new Set());
 * assert.equal(archs.length, 5);
 * ```
 */
export function heldOutSample(
  space: SearchSpace,
  sample: number,
  seed: number,
  exclude: ReadonlySet<string>,
): Arch[] {
  const rng = createRng(seed);
  const seen = new Set(exclude);
  const out: Arch[] = [];
  for (let tries = 0; out.length < sample && tries < 100 * sample + 100; tries++) {
    const arch = sampleArch(space, rng);
    const hash = archHash(arch);
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.push(arch);
  }
  if (out.length < sample) {
    throw new InputError(`sample: the space holds fewer than ${sample} new architectures`);
  }
  return out;
}

/**
 * The validation summary of rows, paired by arch hash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeValidation } from "./validate.ts";
 * const row = (id: string, p: number, m: number) => ({ archHash: id, arch: {} as never,
 *   predicted: { latencyMs: p, peakMemoryBytes: m }, latencyP50Ms: m, peakMemoryBytes: m, processP50Ms: [m, m * 1.02, m] });
 * const s = summarizeValidation([row("a", 10.3, 10), row("b", 20, 20)], { sample: 2, seed: 1, processRepeats: 3 });
 * assert.equal(s.latency.within5, 1);
 * assert.ok(s.processCv.max > 0);
 * ```
 */
export function summarizeValidation(
  rows: readonly ValidationRow[],
  how: { sample: number; seed: number; processRepeats: number },
): CalibrationValidation {
  const map = (f: (r: ValidationRow) => number) => new Map(rows.map((r) => [r.archHash, f(r)]));
  const cvs = rows.map((r) => coefficientOfVariation(r.processP50Ms)).sort((a, b) => a - b);
  return {
    measuredAt: new Date().toISOString(),
    ...how,
    latency: errorSummary(map((r) => r.predicted.latencyMs), map((r) => r.latencyP50Ms)),
    memory: errorSummary(map((r) => r.predicted.peakMemoryBytes), map((r) => r.peakMemoryBytes)),
    processCv: {
      median: cvs.length ? cvs[(cvs.length - 1) >> 1] : NaN,
      max: cvs.length ? cvs[cvs.length - 1] : NaN,
    },
  };
}

/** What {@linkcode validateCostModel} takes. */
export interface ValidateInput {
  calibration: Calibration;
  /** Space options of the preset (default none: the calibration's preset as it is). */
  space?: SpaceOptions;
  /** Held-out architectures (1–10000) and their sampling seed. */
  sample: number;
  seed: number;
  /** Fresh processes per architecture (default 3, at least 3 for a median). */
  processRepeats?: number;
  /** Profiler settings besides the calibration's own (timeouts). */
  settings?: Partial<ProfileSettings>;
  cache?: ProfileCache | false;
  onProgress?: (done: number, total: number, result: ProfileResult) => void;
  signal?: AbortSignal;
}

/**
 * Measures held-out architectures for real and compares them with the calibration's
 * predictions. Run it on the device the calibration describes.
 *
 * @example
 * ```ts ignore
 * import { validateCostModel } from "./validate.ts";
 * import { calibrateCostModel } from "./calibrate.ts";
 * const calibration = await calibrateCostModel({ preset: "lts-gpt2" });
 * const report = await validateCostModel({ calibration, sample: 20, seed: 1 });
 * report.summary.latency.within5;
 * ```
 */
export async function validateCostModel(input: ValidateInput): Promise<ValidationReport> {
  const started = performance.now();
  const sample = integerInRange(input.sample, "sample", 1, 10_000);
  const seed = integerInRange(input.seed, "seed", 0);
  const processRepeats = integerInRange(input.processRepeats ?? 3, "processRepeats", 3, 100);
  const cal = input.calibration;
  const space = getSpace(cal.preset, input.space ?? {});
  const exclude = new Set(cal.models.map((m) => m.archHash));
  const archs = heldOutSample(space, sample, seed, exclude);
  const predictions = new Map(archs.map((a) => [archHash(a), predictCost(cal, a)]));
  const { processRepeats: _p, ...calSettings } = cal.settings as Record<string, unknown>;
  const settings = { ...input.settings, ...calSettings, processRepeats } as Partial<
    ProfileSettings
  >;
  const rows: ValidationRow[] = [];
  const failures: ValidationReport["failures"] = [];
  let done = 0;
  const results = profileMany(archs, settings, {
    ...(input.cache === undefined ? {} : { cache: input.cache }),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  const byHash = new Map(archs.map((a) => [archHash(a), a]));
  for await (const r of results) {
    input.onProgress?.(++done, archs.length, r);
    if (!r.ok) {
      failures.push({ archHash: r.archHash, reason: r.reason });
      continue;
    }
    rows.push({
      archHash: r.archHash,
      arch: byHash.get(r.archHash)!,
      predicted: predictions.get(r.archHash)!,
      latencyP50Ms: r.latencyMs.p50,
      peakMemoryBytes: r.peakMemoryBytes,
      processP50Ms: r.processes?.p50Ms ?? [r.latencyMs.p50],
    });
  }
  return {
    rows,
    summary: summarizeValidation(rows, { sample, seed, processRepeats }),
    failures,
    wallMs: performance.now() - started,
  };
}

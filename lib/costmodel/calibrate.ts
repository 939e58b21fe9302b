/**
 * Calibrating the cost model on this device: the design's models (`design.ts`) are measured with
 * the profiler (the same emitter, child processes and settings as any candidate), then the
 * latency and memory coefficients are fitted (`fit.ts`) and recorded with everything that
 * decides whether the calibration applies: device fingerprint, settings, space and graph version.
 *
 * @module
 */
import { archHash } from "../arch/hash.ts";
import { GPT2_GRAPH_VERSION } from "../onnx/gpt2.ts";
import type { ProfileCache } from "../profile/cache.ts";
import { detectDevice, deviceFingerprint, fingerprintHash } from "../profile/fingerprint.ts";
import { profileMany } from "../profile/profile.ts";
import type { ProfileResult } from "../profile/result.ts";
import {
  measurementSettings,
  type ProfileSettings,
  type RecordedSettings,
  validateProfileSettings,
} from "../profile/settings.ts";
import { getSpace, type SpaceOptions } from "../space/presets.ts";
import type { SearchSpace } from "../space/types.ts";
import { InputError } from "../util/errors.ts";
import { contentHash } from "../util/hash.ts";
import { errorSummary } from "./accuracy.ts";
import { calibrationDesign } from "./design.ts";
import { fitTerms } from "./fit.ts";
import { evaluateTerms, latencyTerms, memoryTerms } from "./terms.ts";
import { type Calibration, CALIBRATION_VERSION, type CalibrationModel } from "./types.ts";

/** What {@linkcode calibrateCostModel} takes. */
export interface CalibrateInput {
  /** Space preset and its options. */
  preset: string;
  space?: SpaceOptions;
  /** Profiler settings (defaults: seq len 192, batch 1, 1 thread); `processRepeats` is ignored. */
  settings?: Partial<ProfileSettings>;
  /** Profiler cache (default the project's); `false` measures everything again. */
  cache?: ProfileCache | false;
  /** After each measured model. */
  onProgress?: (done: number, total: number, result: ProfileResult) => void;
  signal?: AbortSignal;
}

/** The fields of a space that decide a calibration (the genes a block or embedding can take). */
const COST_FIELDS = [
  "backbone",
  "nLayer",
  "dModel",
  "nHead",
  "dInner",
  "dInnerRatio",
  "dEmbed",
  "divVal",
  "vocabSize",
  "nPositions",
  "cutoffs",
  "tieWeight",
] as const;

/**
 * The part of a space a calibration depends on: its genes (layer counts, blocks, embeddings).
 * Not its name, parameter bounds or homogeneity: costs add up over layers, so one calibration
 * serves the heterogeneous and homogeneous variants and any parameter cap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { costSpace } from "./calibrate.ts";
 * import { getSpace } from "../space/mod.ts";
 * assert.deepEqual(costSpace(getSpace("lts-gpt2")), costSpace(getSpace("lts-gpt2", { homogeneous: true, maxDecoderParams: 1e7 })));
 * ```
 */
export function costSpace(space: SearchSpace): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of COST_FIELDS) out[key] = JSON.parse(JSON.stringify(space[key]));
  return out;
}

/**
 * The settings a calibration measures with: `settings` validated, one process per model, and
 * no generation (the cost model predicts the forward pass). Throws {@linkcode InputError}
 * for settings it cannot calibrate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrationSettings } from "./calibrate.ts";
 * assert.equal(calibrationSettings({ processRepeats: 3 }).processRepeats, 1);
 * ```
 */
export function calibrationSettings(settings: Partial<ProfileSettings> = {}): ProfileSettings {
  const s = validateProfileSettings(settings);
  if (s.generation) {
    throw new InputError(
      "generation: the cost model predicts the forward pass only; measure generation with lts profile",
    );
  }
  return { ...s, processRepeats: 1 };
}

/**
 * The key of a calibration: a hash of the device fingerprint, the recorded settings, the space
 * definition and the emitter's graph version. Equal keys: the calibration applies as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrationKey } from "./calibrate.ts";
 * const a = calibrationKey("f1", { seqLen: 192 } as never, { name: "s" }, 2);
 * assert.notEqual(a, calibrationKey("f2", { seqLen: 192 } as never, { name: "s" }, 2));
 * assert.match(a, /^[0-9a-f]{16}$/);
 * ```
 */
export function calibrationKey(
  fingerprintHash: string,
  settings: RecordedSettings,
  space: Record<string, unknown>,
  graphVersion: number,
): string {
  return contentHash({ v: CALIBRATION_VERSION, fingerprintHash, settings, space, graphVersion });
}

/**
 * The calibration models whose latency is far off the first fit: a ratio `predicted / measured`
 * more than `max(8 %, 4 × its median spread)` from the median ratio, at most the worst 10 %
 * of the models. Such a model was most likely disturbed while measured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyOutliers } from "./calibrate.ts";
 * const ratios = new Map([["a", 1.01], ["b", 0.99], ["c", 1.0], ["d", 1.02], ["e", 0.98], ["f", 0.7]]);
 * assert.deepEqual([...latencyOutliers(ratios)], ["f"]);
 * ```
 */
export function latencyOutliers(ratios: ReadonlyMap<string, number>): Set<string> {
  const values = [...ratios.values()].sort((a, b) => a - b);
  if (values.length < 5) return new Set();
  const median = (xs: number[]) => {
    const n = xs.length;
    return n % 2 ? xs[n >> 1] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
  };
  const m = median(values);
  const off = (r: number) => Math.abs(r / m - 1);
  const mad = median(values.map(off).sort((a, b) => a - b));
  const limit = Math.max(0.08, 4 * mad);
  const far = [...ratios].filter(([, r]) => off(r) > limit).sort((a, b) => off(b[1]) - off(a[1]));
  return new Set(far.slice(0, Math.ceil(0.1 * values.length)).map(([id]) => id));
}

/**
 * Measures the calibration design of a preset on this device and fits the cost model: 99
 * models for `lts-gpt2` (two to three minutes on a 2-vCPU machine at seq len 192). A model
 * that fails to measure fails the calibration (a gap would bias every prediction that uses it).
 * A model far off the first fit ({@linkcode latencyOutliers}) is measured in two more processes
 * and the median of its three p50s is fitted instead (`latencyProcesses: 3` in its entry).
 *
 * @example
 * ```ts ignore
 * import { calibrateCostModel } from "./calibrate.ts";
 * const calibration = await calibrateCostModel({ preset: "lts-gpt2", settings: { seqLen: 192 } });
 * calibration.models.length; // 99
 * ```
 */
export async function calibrateCostModel(input: CalibrateInput): Promise<Calibration> {
  const started = performance.now();
  const space = getSpace(input.preset, input.space ?? {});
  const settings = calibrationSettings(input.settings);
  if (settings.seqLen > space.nPositions) {
    throw new InputError(
      `seqLen: ${settings.seqLen} is above the space's ${space.nPositions} positions`,
    );
  }
  const design = calibrationDesign(space);
  const archs = design.models.map((m) => m.arch);
  const measured: ProfileResult[] = [];
  const results = profileMany(archs, settings, {
    ...(input.cache === undefined ? {} : { cache: input.cache }),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  for await (const r of results) {
    measured.push(r);
    input.onProgress?.(measured.length, archs.length, r);
    if (!r.ok) {
      throw new Error(
        `calibration model ${measured.length}/${archs.length} (${r.archHash}) failed: ${r.reason}`,
      );
    }
  }
  const shape = { seqLen: settings.seqLen, batch: settings.batch };
  const rows: {
    model: (typeof design.models)[number];
    latencyP50Ms: number;
    peakMemoryBytes: number;
    /** Processes `latencyP50Ms` is the median of, when measured again. */
    remeasured?: number;
  }[] = design.models.map((m, i) => {
    const r = measured[i];
    if (!r.ok || r.archHash !== archHash(m.arch)) {
      throw new Error("calibration: results out of step");
    }
    return { model: m, latencyP50Ms: r.latencyMs.p50, peakMemoryBytes: r.peakMemoryBytes };
  });
  const fitLatency = () =>
    fitTerms(rows.map((row) => ({
      terms: latencyTerms(row.model.arch, design.basis),
      value: row.latencyP50Ms,
    }))).coefficients;
  let latency = fitLatency();
  // A model far off the fit was most likely disturbed while measured (a VM hiccup): it is
  // measured in two more processes, the median of its three p50s replaces it, and the model is
  // fitted again.
  const outliers = latencyOutliers(
    new Map(rows.map((row) => [
      archHash(row.model.arch),
      evaluateTerms(latencyTerms(row.model.arch, design.basis), latency)! / row.latencyP50Ms,
    ])),
  );
  if (outliers.size > 0) {
    const again = rows.filter((row) => outliers.has(archHash(row.model.arch)));
    const total = archs.length + again.length;
    let done = archs.length;
    const repeated = profileMany(again.map((row) => row.model.arch), {
      ...settings,
      processRepeats: 2,
    }, {
      cache: false,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    for await (const r of repeated) {
      const row = again[done - archs.length];
      input.onProgress?.(++done, total, r);
      if (!r.ok || r.archHash !== archHash(row.model.arch)) {
        throw new Error(`calibration model ${r.archHash} failed when measured again`);
      }
      const p50s = [row.latencyP50Ms, ...(r.processes?.p50Ms ?? [r.latencyMs.p50])];
      row.latencyP50Ms = p50s.sort((a, b) => a - b)[p50s.length >> 1];
      row.remeasured = p50s.length;
    }
    latency = fitLatency();
  }
  const memory = fitTerms(rows.map((row) => ({
    terms: memoryTerms(row.model.arch, shape),
    value: row.peakMemoryBytes,
  }))).coefficients;
  const models: CalibrationModel[] = rows.map((row) => {
    const model: CalibrationModel = {
      archHash: archHash(row.model.arch),
      role: row.model.role,
      latencyP50Ms: row.latencyP50Ms,
      peakMemoryBytes: row.peakMemoryBytes,
      predictedLatencyMs: evaluateTerms(latencyTerms(row.model.arch, design.basis), latency)!,
      predictedPeakMemoryBytes: evaluateTerms(memoryTerms(row.model.arch, shape), memory)!,
    };
    if (row.remeasured) model.latencyProcesses = row.remeasured;
    return model;
  });
  const byHash = (key: keyof CalibrationModel) =>
    new Map(models.map((m) => [m.archHash, m[key] as number]));
  const device = await detectDevice();
  const fingerprint = deviceFingerprint(device, settings);
  const fpHash = fingerprintHash(fingerprint);
  const recorded = measurementSettings(settings);
  const definition = costSpace(space);
  return {
    version: CALIBRATION_VERSION,
    key: calibrationKey(fpHash, recorded, definition, GPT2_GRAPH_VERSION),
    preset: input.preset,
    space: definition,
    settings: recorded,
    fingerprint,
    fingerprintHash: fpHash,
    graphVersion: GPT2_GRAPH_VERSION,
    basis: design.basis,
    latency,
    memory,
    models,
    fit: {
      latency: errorSummary(byHash("predictedLatencyMs"), byHash("latencyP50Ms")),
      memory: errorSummary(byHash("predictedPeakMemoryBytes"), byHash("peakMemoryBytes")),
    },
    measuredAt: new Date().toISOString(),
    calibrationMs: performance.now() - started,
    runtimeVersion: device.runtimeVersion,
  };
}

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
import type { Calibration, CalibrationModel } from "./types.ts";

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
  return contentHash({ v: 1, fingerprintHash, settings, space, graphVersion });
}

/**
 * Measures the calibration design of a preset on this device and fits the cost model. About
 * 143 models for `lts-gpt2` (about three minutes on a 2-vCPU machine at seq len 192). A model
 * that fails to measure fails the calibration (a gap would bias every prediction that uses it).
 *
 * @example
 * ```ts
 * import { calibrateCostModel } from "./calibrate.ts";
 * const calibration = await calibrateCostModel({ preset: "lts-gpt2", settings: { seqLen: 192 } });
 * calibration.models.length; // 143
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
  const rows = design.models.map((m, i) => {
    const r = measured[i];
    if (!r.ok || r.archHash !== archHash(m.arch)) {
      throw new Error("calibration: results out of step");
    }
    return { model: m, result: r };
  });
  const latency = fitTerms(rows.map(({ model, result }) => ({
    terms: latencyTerms(model.arch, design.basis),
    value: result.latencyMs.p50,
  }))).coefficients;
  const memory = fitTerms(rows.map(({ model, result }) => ({
    terms: memoryTerms(model.arch, shape),
    value: result.peakMemoryBytes,
  }))).coefficients;
  const models: CalibrationModel[] = rows.map(({ model, result }) => ({
    archHash: result.archHash,
    role: model.role,
    latencyP50Ms: result.latencyMs.p50,
    peakMemoryBytes: result.peakMemoryBytes,
    predictedLatencyMs: evaluateTerms(latencyTerms(model.arch, design.basis), latency)!,
    predictedPeakMemoryBytes: evaluateTerms(memoryTerms(model.arch, shape), memory)!,
  }));
  const byHash = (key: keyof CalibrationModel) =>
    new Map(models.map((m) => [m.archHash, m[key] as number]));
  const device = await detectDevice();
  const fingerprint = deviceFingerprint(device, settings);
  const fpHash = fingerprintHash(fingerprint);
  const recorded = measurementSettings(settings);
  const definition = costSpace(space);
  return {
    version: 1,
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

/**
 * Predicted latency and peak memory of an architecture from a calibration: a sum of calibrated
 * terms (`terms.ts`), in microseconds, with nothing emitted or run.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { InputError } from "../util/errors.ts";
import { contentHash } from "../util/hash.ts";
import { evaluateTerms, latencyTerms, memoryTerms, type Terms, uncoveredReason } from "./terms.ts";
import type { Calibration, CostPrediction } from "./types.ts";

/**
 * Why a calibration cannot predict `arch` (a d_model outside its knots, a head count or a kind
 * of embedding it never measured), or `undefined` when it can.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { predictionGap } from "./predict.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const cal = { basis: { knots: [128], heads: [2] }, latency: {}, memory: {} } as never;
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 256, nHead: 2, dInner: 512 });
 * assert.match(predictionGap(cal, arch) ?? "", /dModel 256/);
 * ```
 */
export function predictionGap(
  calibration: Pick<Calibration, "basis" | "latency">,
  arch: Arch,
): string | undefined {
  const terms = coveredLatencyTerms(calibration, arch);
  return typeof terms === "string" ? terms : undefined;
}

/** The latency terms of `arch` when the calibration covers every one, else why not. */
function coveredLatencyTerms(
  calibration: Pick<Calibration, "basis" | "latency">,
  arch: Arch,
): Terms | string {
  const why = uncoveredReason(arch, calibration.basis);
  if (why) return why;
  const terms = latencyTerms(arch, calibration.basis);
  const missing = Object.keys(terms).filter((t) => terms[t] !== 0 && !(t in calibration.latency));
  return missing.length > 0 ? `not calibrated: ${missing.join(", ")}` : terms;
}

/**
 * Predicts the forward p50 (ms) and peak memory (bytes) of `arch` with a calibration, under the
 * calibration's settings. Throws {@linkcode InputError} when the calibration does not cover it
 * ({@linkcode predictionGap}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { predictCost } from "./predict.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import { latencyTerms, memoryTerms } from "./terms.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 512, vocabSize: 1000 });
 * const basis = { knots: [128], heads: [2] };
 * // Coefficients of 1 µs per unit of every latency term and 1 byte per byte of memory.
 * const ones = (t: Record<string, number>) => Object.fromEntries(Object.keys(t).map((k) => [k, 1e-3]));
 * const shape = { seqLen: 192, batch: 1 };
 * const cal = { basis, settings: shape, latency: ones(latencyTerms(arch, basis)),
 *   memory: Object.fromEntries(Object.keys(memoryTerms(arch, shape)).map((k) => [k, 1])) } as never;
 * const p = predictCost(cal, arch);
 * const sum = Object.values(latencyTerms(arch, basis)).reduce((a, b) => a + b, 0);
 * assert.ok(Math.abs(p.latencyMs - 1e-3 * sum) < 1e-9);
 * ```
 */
export function predictCost(
  calibration: Pick<Calibration, "basis" | "latency" | "memory" | "settings">,
  arch: Arch,
): CostPrediction {
  const latency = coveredLatencyTerms(calibration, arch);
  if (typeof latency === "string") {
    throw new InputError(`costmodel: cannot predict this architecture: ${latency}`);
  }
  const latencyMs = evaluateTerms(latency, calibration.latency)!;
  const shape = { seqLen: calibration.settings.seqLen, batch: calibration.settings.batch };
  const terms = memoryTerms(arch, shape);
  const peakMemoryBytes = evaluateTerms(terms, calibration.memory);
  if (peakMemoryBytes === undefined) {
    throw new InputError("costmodel: the calibration has no memory coefficients for these terms");
  }
  return { latencyMs, peakMemoryBytes };
}

/**
 * The identity of what a calibration predicts: a hash of its key (device, settings, genes,
 * graphs) and its fitted coefficients. A re-calibration of the same device gets a new id; a
 * validation recorded in the file afterwards keeps it. A search records it with every predicted
 * cost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrationId } from "./predict.ts";
 * const cal = { key: "k", basis: { knots: [128], heads: [2] }, latency: { base: 1 }, memory: { session: 1 } };
 * assert.match(calibrationId(cal), /^[0-9a-f]{16}$/);
 * assert.notEqual(calibrationId(cal), calibrationId({ ...cal, latency: { base: 2 } }));
 * ```
 */
export function calibrationId(
  calibration: Pick<Calibration, "key" | "basis" | "latency" | "memory">,
): string {
  const { key, basis, latency, memory } = calibration;
  return contentHash({ key, basis, latency, memory });
}

/**
 * Where a search's costs come from (`lts search --cost`):
 *
 * - `measured`: every candidate is measured by the profiler on this device (the paper's way);
 * - `predicted`: every candidate's latency and peak memory are predicted by a calibrated cost
 *   model (`lib/costmodel`), nothing is measured;
 * - `verified`: the search runs on predicted costs, then the candidates on or near the predicted
 *   frontier are measured for real (`./verify.ts`) and the final frontier is computed from the
 *   measurements alone.
 *
 * The near-frontier margin comes from the calibration's held-out validation error, so that a
 * model the prediction wrongly puts off the frontier is still measured.
 *
 * @module
 */
import type { Calibration, ErrorSummary } from "../costmodel/types.ts";
import { calibrationId, predictCost } from "../costmodel/predict.ts";
import { InputError } from "../util/errors.ts";
import { describeValue, isPlainObject } from "../util/validate.ts";
import type { Measure } from "./types.ts";

/** How a search obtains the latency and memory of its candidates. */
export type CostMode = "measured" | "predicted" | "verified";

/** The cost modes, in a fixed order. */
export const COST_MODES: readonly CostMode[] = ["measured", "predicted", "verified"];

/**
 * Relative margins of the verification: a candidate is measured when no other candidate with at
 * least its decoder parameters beats it by more than a factor `1 + latency` in latency and
 * `1 + memory` in memory (predicted values).
 */
export interface VerificationMargin {
  latency: number;
  memory: number;
}

/** How a run's costs were obtained, as recorded in its `run.json` (absent: all measured). */
export interface RunCost {
  mode: "predicted" | "verified";
  /** The calibration's key (device, settings, genes, graphs) and id (its coefficients). */
  calibrationKey: string;
  calibrationId: string;
  /** `verified`: the near-frontier margins and the most candidates measured. */
  margin?: VerificationMargin;
  verifyMax?: number;
}

/**
 * Default cap on the candidates a `verified` search measures. Chosen from `bench/RESULTS.md`
 * (2026-12-03, 2-vCPU EPYC, lts-gpt2, seed 1): on a 5 × 30 budget, 48 finalists kept 0.984 of the
 * measured search's hypervolume (16: 0.947; 100: 0.987), and a 30 × 100 search with 48 took 8.0
 * min, calibration included. With cost model version 2 (2026-12-04): 1.005 with 48 (24: 0.996),
 * and 5.4 min; with version 3 on a noisier VM (2026-12-06): 1.003 with 48 (24: 0.991), 8.3 min.
 * 48 stays: at the paper's budget it plots 48 measured points of a frontier predicted with over
 * 1,000 members, at about 1.5–2 minutes more than 24.
 */
export const DEFAULT_VERIFY_MAX = 48;

/** Upper bound of `--verify-max` and of a margin (a margin of 10 is a factor 11). */
export const VERIFY_MAX_LIMIT = 100_000;
export const MARGIN_LIMIT = 10;

/**
 * The calibrated cost model as the search's `measure`: the predicted p50 and peak memory, marked
 * `predicted` with the calibration's id. An architecture the calibration does not cover is a
 * failed candidate naming the gap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { predictedMeasure } from "./cost.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const cal = { key: "k", basis: { knots: [128], heads: [2] }, latency: {}, memory: {},
 *   settings: { seqLen: 192, batch: 1 } } as never;
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 256, nHead: 2, dInner: 512 });
 * const m = await predictedMeasure(cal)(arch);
 * assert.equal(m.ok, false);
 * ```
 */
export function predictedMeasure(
  calibration: Pick<Calibration, "key" | "basis" | "latency" | "memory" | "settings">,
): Measure {
  const id = calibrationId(calibration);
  return (arch) => {
    try {
      const p = predictCost(calibration, arch);
      return Promise.resolve({
        ok: true,
        latencyMs: { p50: p.latencyMs },
        peakMemoryBytes: Math.round(p.peakMemoryBytes),
        costSource: "predicted",
        calibrationId: id,
      });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      return Promise.resolve({ ok: false, reason: e.message });
    }
  };
}

/** A margin with where it came from, for the run's log. */
export interface DerivedMargin extends VerificationMargin {
  /** `validation` (held-out), `fit` (in-sample: optimistic) or `flag` (the user's). */
  from: "validation" | "fit" | "flag";
}

/**
 * The verification margin of a calibration. With a relative error of at most `e` per model, a
 * prediction may be `e` too high for one model and `e` too low for another, so a model that the
 * prediction puts up to a factor `(1 + e)²` behind another may truly be ahead of it: the margin
 * is `(1 + e)² − 1`. A common bias changes no dominance, so `e` is the error left once the bias
 * is taken out, at its 95th percentile (`relativeSpread95` of the summary; its largest error for
 * a summary recorded without it): a largest error is set by one outlier, often a disturbed
 * measurement of the truth. The summary is the held-out validation's when the calibration has
 * one, else the in-sample fit's (optimistic: the caller warns). An explicit `margin` overrides
 * both objectives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verificationMargin } from "./cost.ts";
 * const summary = (e: number) => ({ maxAbsError: 0.5, relativeSpread95: e }) as never;
 * const cal = { fit: { latency: summary(0.05), memory: summary(0.01) },
 *   validation: { latency: summary(0.1), memory: summary(0.02) } } as never;
 * const m = verificationMargin(cal);
 * assert.equal(m.from, "validation");
 * assert.ok(Math.abs(m.latency - 0.21) < 1e-12);
 * assert.equal(verificationMargin(cal, 0.3).latency, 0.3);
 * ```
 */
export function verificationMargin(
  calibration: Pick<Calibration, "fit" | "validation">,
  margin?: number,
): DerivedMargin {
  if (margin !== undefined) return { latency: margin, memory: margin, from: "flag" };
  const source = calibration.validation ?? calibration.fit;
  const widen = (s: ErrorSummary) =>
    Math.min(MARGIN_LIMIT, (1 + (s.relativeSpread95 ?? s.maxAbsError)) ** 2 - 1);
  return {
    latency: widen(source.latency),
    memory: widen(source.memory),
    from: calibration.validation ? "validation" : "fit",
  };
}

function fail(where: string, field: string, why: string): never {
  throw new InputError(`${where}: cost.${field}: ${why}`);
}

/**
 * Checks the `cost` part of a `run.json` read back from disk. Throws {@linkcode InputError}
 * naming the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRunCost } from "./cost.ts";
 * assert.throws(() => validateRunCost({ mode: "guessed" }, "run.json"), /run.json: cost.mode/);
 * ```
 */
export function validateRunCost(value: unknown, where: string): RunCost {
  if (!isPlainObject(value)) fail(where, "", `expected an object, got ${describeValue(value)}`);
  const v = value as Record<string, unknown>;
  const known = ["mode", "calibrationKey", "calibrationId", "margin", "verifyMax"];
  const extra = Object.keys(v).find((k) => !known.includes(k));
  if (extra) fail(where, extra, "unknown field");
  if (v.mode !== "predicted" && v.mode !== "verified") {
    fail(where, "mode", `expected "predicted" or "verified", got ${describeValue(v.mode)}`);
  }
  for (const k of ["calibrationKey", "calibrationId"]) {
    if (typeof v[k] !== "string" || !/^[0-9a-f]{16}$/.test(v[k] as string)) {
      fail(where, k, `expected 16 lowercase hex digits, got ${describeValue(v[k])}`);
    }
  }
  const cost: RunCost = {
    mode: v.mode as RunCost["mode"],
    calibrationKey: v.calibrationKey as string,
    calibrationId: v.calibrationId as string,
  };
  if (cost.mode === "predicted") {
    if (v.margin !== undefined) fail(where, "margin", "only a verified run has one");
    if (v.verifyMax !== undefined) fail(where, "verifyMax", "only a verified run has one");
    return cost;
  }
  const margin = v.margin as Record<string, unknown> | undefined;
  if (!isPlainObject(margin)) {
    fail(where, "margin", `expected { latency, memory }, got ${describeValue(margin)}`);
  }
  for (const k of ["latency", "memory"]) {
    const x = margin![k];
    if (typeof x !== "number" || !(x >= 0 && x <= MARGIN_LIMIT)) {
      fail(
        where,
        `margin.${k}`,
        `expected a number in [0, ${MARGIN_LIMIT}], got ${describeValue(x)}`,
      );
    }
  }
  const max = v.verifyMax;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > VERIFY_MAX_LIMIT) {
    fail(
      where,
      "verifyMax",
      `expected an integer in [1, ${VERIFY_MAX_LIMIT}], got ${describeValue(max)}`,
    );
  }
  cost.margin = { latency: margin!.latency as number, memory: margin!.memory as number };
  cost.verifyMax = max as number;
  return cost;
}

/** What {@linkcode runCostOf} takes besides the mode and calibration. */
export interface RunCostOptions {
  /** `--verify-margin`: one relative margin for both objectives (default: from the calibration). */
  margin?: number;
  /** `--verify-max` (default {@linkcode DEFAULT_VERIFY_MAX}). */
  verifyMax?: number;
}

/**
 * The `cost` part of a run's configuration for a mode and calibration (`undefined` for
 * `measured`), with the margin it derived.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCostOf } from "./cost.ts";
 * const summary = (e: number) => ({ maxAbsError: e, relativeSpread95: e }) as never;
 * const cal = { key: "0123456789abcdef", basis: { knots: [128], heads: [2] }, latency: {}, memory: {},
 *   fit: { latency: summary(0.1), memory: summary(0) } } as never;
 * assert.equal(runCostOf("measured", cal).cost, undefined);
 * assert.equal(runCostOf("verified", cal, { verifyMax: 5 }).cost?.verifyMax, 5);
 * ```
 */
export function runCostOf(
  mode: CostMode,
  calibration: Pick<Calibration, "key" | "basis" | "latency" | "memory" | "fit" | "validation">,
  options: RunCostOptions = {},
): { cost?: RunCost; margin?: DerivedMargin } {
  if (mode === "measured") return {};
  const cost: RunCost = {
    mode,
    calibrationKey: calibration.key,
    calibrationId: calibrationId(calibration),
  };
  if (mode === "predicted") return { cost };
  const margin = verificationMargin(calibration, options.margin);
  cost.margin = { latency: margin.latency, memory: margin.memory };
  cost.verifyMax = options.verifyMax ?? DEFAULT_VERIFY_MAX;
  return { cost, margin };
}

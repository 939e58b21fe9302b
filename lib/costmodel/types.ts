/**
 * Plain data of the cost model: a calibration (what was measured, how, on which device, and the
 * fitted coefficients), the accuracy summaries, and a prediction.
 *
 * @module
 */
import type { DeviceFingerprint } from "../profile/fingerprint.ts";
import type { RecordedSettings } from "../profile/settings.ts";
import type { TermBasis } from "./terms.ts";

/**
 * The version of the cost model's design and terms. Version 3 (2026-12-06): per-knot d² and
 * d·d_inner block terms, and an adaptive embedding smooth in its widths instead of an intercept
 * per (d_embed, k). Version 2 (2026-12-04): 40 full-depth calibration models, 6 d_model knots,
 * the d_inner² term and the adaptive embedding's projections as emitted; version 1 had 12, 15
 * knots and d_inner·√d, d^1.5.
 */
export const CALIBRATION_VERSION = 3;

/** Accuracy of predictions against measurements, per objective. */
export interface ErrorSummary {
  /** Models compared. */
  n: number;
  /** Share of models predicted within ±5 % and ±10 % of the measurement. */
  within5: number;
  within10: number;
  /** Median and largest |predicted / measured − 1|. */
  medianAbsError: number;
  maxAbsError: number;
  /** Mean of predicted / measured − 1 (the bias; positive: predictions too high). */
  meanSignedError: number;
  /**
   * The 95th percentile of |r / median(r) − 1|, r = predicted / measured: the error left once a
   * common bias is taken out. A bias (a device running uniformly slower that day) moves every
   * prediction alike and changes no ranking or dominance; this spread is what can. Absent in
   * summaries recorded before it existed.
   */
  relativeSpread95?: number;
  /** Spearman ρ between predicted and measured. */
  spearman: number;
}

/** One calibration model as measured, and as the fit predicts it. */
export interface CalibrationModel {
  archHash: string;
  role: "blocks" | "embedding" | "sample";
  latencyP50Ms: number;
  peakMemoryBytes: number;
  predictedLatencyMs: number;
  predictedPeakMemoryBytes: number;
  /** Processes its `latencyP50Ms` is the median of, when it was measured again (an outlier). */
  latencyProcesses?: number;
}

/** The held-out check of a calibration, as recorded in it by `validate`. */
export interface CalibrationValidation {
  /** When it was measured. */
  measuredAt: string;
  /** Held-out architectures, their sampling seed and the fresh processes each was measured in. */
  sample: number;
  seed: number;
  processRepeats: number;
  latency: ErrorSummary;
  memory: ErrorSummary;
  /** Median and largest coefficient of variation of one model's p50 over its processes. */
  processCv: { median: number; max: number };
}

/**
 * A calibration of the cost model for one device, preset and set of measurement settings.
 * Stored as JSON (`lib/costmodel/store.ts`).
 */
export interface Calibration {
  /**
   * Version of the cost model's form (its design and terms, {@linkcode CALIBRATION_VERSION}); a
   * file of another version was fitted on other terms and is refused.
   */
  version: typeof CALIBRATION_VERSION;
  /** Content hash of everything that decides whether it applies (device, settings, space, graphs). */
  key: string;
  /** The space preset it was calibrated for, and the genes it covers (`costSpace`). */
  preset: string;
  space: Record<string, unknown>;
  /** The profiler settings of every measurement (processRepeats excluded). */
  settings: RecordedSettings;
  /** The device it was measured on. */
  fingerprint: DeviceFingerprint;
  fingerprintHash: string;
  /** The emitter's graph version the models were measured with. */
  graphVersion: number;
  /** d_model knots and head counts covered. */
  basis: TermBasis;
  /** Fitted coefficients of the latency terms (ms per unit) and memory terms (bytes per unit). */
  latency: Record<string, number>;
  memory: Record<string, number>;
  /** The calibration models (never held out in a validation). */
  models: CalibrationModel[];
  /** In-sample accuracy on the calibration models (optimistic: use `validation`). */
  fit: { latency: ErrorSummary; memory: ErrorSummary };
  /** The latest held-out validation, once `validate` has run. */
  validation?: CalibrationValidation;
  /** When and how long (wall ms) the calibration was measured. */
  measuredAt: string;
  calibrationMs: number;
  /** onnxruntime-node version, for the reader's eye (also in `fingerprint`). */
  runtimeVersion: string;
}

/** A predicted cost. */
export interface CostPrediction {
  /** Predicted forward-pass p50 (ms). */
  latencyMs: number;
  /** Predicted peak memory (bytes). */
  peakMemoryBytes: number;
}

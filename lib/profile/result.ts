/**
 * The plain-data result of profiling one architecture. Failures are results too
 * (`ok: false` with a reason), so that a search can record them and go on.
 *
 * @module
 */
import type { DeviceFingerprint } from "./fingerprint.ts";
import type { GenerationResult } from "./generation.ts";
import type { LatencySummary, StopReason } from "./latency.ts";
import type { RecordedSettings } from "./settings.ts";

export type { RecordedSettings };

/** Where the wall-clock time of one measurement went (ms), for overhead accounting. */
export interface ProfileTimings {
  /** Waiting for the ONNX file(s) to be written (≈ 0 when emitted during the previous candidate). */
  emitMs: number;
  /** Waiting for the child's runtime import after sending the job (≈ 0 for a pre-spawned child). */
  childReadyMs: number;
  /**
   * Creating the inference session(s) in the child. With `profileMany`'s `"pipelined"` schedule
   * (the default) it starts when the previous candidate's timed runs end, with `"overlapped"`
   * when they start, so part of it may lie before this candidate's start (the sum of the parts
   * can exceed `totalMs`).
   */
  sessionMs: number;
  /** Untimed warm-up runs. */
  warmupMs: number;
  /** The timed runs (the forward pass and, with generation, the generation repeats). */
  timedMs: number;
  /** Everything, as the caller saw it; `totalMs − timedMs` is the per-candidate overhead. */
  totalMs: number;
}

/** A successful measurement. */
export interface ProfileSuccess {
  ok: true;
  /** `archHash` of the architecture. */
  archHash: string;
  /** Cache key: arch hash, settings hash and fingerprint hash. */
  cacheKey: string;
  settings: RecordedSettings;
  fingerprint: DeviceFingerprint;
  fingerprintHash: string;
  /** Forward pass latency (batch × seqLen tokens), ms. */
  latencyMs: LatencySummary;
  /** Why the timing loop stopped. */
  stopReason: StopReason;
  /** Peak resident memory of the measuring child above its baseline after importing the runtime (bytes). */
  peakMemoryBytes: number;
  /** The child's resident set at the baseline (bytes), for reference. */
  baselineMemoryBytes: number;
  /** Size of the model on disk: the .onnx file plus its external weights (bytes). */
  modelBytes: number;
  /**
   * With `processRepeats` above 1: every process's forward p50 (ms) and peak memory (bytes), in
   * the order measured. `latencyMs`, `stopReason` and the memory fields are the median
   * process's (by p50).
   */
  processes?: { p50Ms: number[]; peakMemoryBytes: number[] };
  /** Generation latency, when asked for. */
  generation?: GenerationResult;
  timings: ProfileTimings;
  /** Whether this came from the cache (no child ran). */
  cached: boolean;
  /** ISO time of the measurement. */
  measuredAt: string;
}

/** A failed measurement: the model could not be built, loaded or run, or it timed out. */
export interface ProfileFailure {
  ok: false;
  archHash: string;
  settings: RecordedSettings;
  fingerprint?: DeviceFingerprint;
  /** One line saying what went wrong. */
  reason: string;
  cached: false;
  measuredAt: string;
}

/** The result of profiling one architecture. */
export type ProfileResult = ProfileSuccess | ProfileFailure;

/**
 * Plain data of an architecture search: what a measurement returns, what is recorded for every
 * candidate, and what is reported after each iteration.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import type { Rng } from "../util/rng.ts";

/**
 * Latency statistics of one candidate, in milliseconds; `p50` is the search objective. The
 * profiler adds `p10`, `p90`, `mean` and the timed runs `n`, and, measured in several fresh
 * processes, `processMin` and `processMax` (the spread of the processes' p50s).
 */
export interface LatencyStats {
  p50: number;
  [stat: string]: number;
}

/**
 * Where a candidate's latency and peak memory come from: measured on the device by the profiler,
 * or predicted by a calibrated cost model (`lib/costmodel`).
 */
export type CostSource = "measured" | "predicted";

/**
 * What measuring one architecture gives: its latency and peak memory, or why it failed. A
 * prediction says so (`costSource: "predicted"`, with the `calibrationId` it came from); without
 * `costSource` it is a measurement.
 */
export type Measurement =
  | {
    ok: true;
    latencyMs: LatencyStats;
    peakMemoryBytes: number;
    costSource?: CostSource;
    calibrationId?: string;
  }
  | { ok: false; reason: string };

/**
 * Measures one architecture (the profiler in the CLI, a fake in tests). A thrown error counts as
 * a failed measurement, except an `AbortError`, which stops the search like a kill.
 */
export type Measure = (arch: Arch) => Promise<Measurement>;

/**
 * Measures several architectures one after another, yielding one result per architecture in
 * order (lets a profiler overlap set-up work with the previous measurement). An error thrown by
 * the stream fails the architecture being measured; the rest go to a new stream.
 */
export type MeasureMany = (archs: readonly Arch[]) => AsyncIterable<Measurement>;

/**
 * The operators the evolutionary search needs from a search space. Each returns a valid
 * architecture of the space (or throws when it cannot find one).
 */
export interface SearchOperators {
  /** A uniformly random architecture. */
  sample(rng: Rng): Arch;
  /** A copy of `parent` with each gene re-drawn with probability `probability`. */
  mutate(parent: Arch, rng: Rng, probability: number): Arch;
  /** Uniform crossover: each gene from `a` or `b` with equal odds. */
  crossover(a: Arch, b: Arch, rng: Rng): Arch;
}

/** How a candidate came to be. */
export type Origin =
  | { kind: "random" }
  | { kind: "mutation"; parent: string }
  | { kind: "crossover"; parents: [string, string] };

/** Outcome of a candidate: measured and eligible, measured but over a budget, or failed. */
export type CandidateStatus = "ok" | "over-budget" | "failed";

/** One proposed-and-measured architecture, as recorded in `candidates.jsonl`. */
export interface CandidateRecord {
  /** `archHash` of the architecture. */
  id: string;
  /** Position in the run (0, 1, 2, … in proposal order). */
  index: number;
  /** Iteration that proposed it (0 is the initial random population). */
  iteration: number;
  origin: Origin;
  /**
   * The validated architecture (per-layer `nHead` and `dInner`). On disk (`candidates.jsonl`) it
   * is stored compact (`compactArch`); `candidateLine` and `parseCandidateLines` convert.
   */
  arch: Arch;
  /** Decoder (non-embedding) parameters: the perplexity proxy, maximised. */
  decoderParams: number;
  status: CandidateStatus;
  /** Latency statistics (ms) when measured. */
  latencyMs?: LatencyStats;
  /** Peak memory (bytes) when measured. */
  peakMemoryBytes?: number;
  /**
   * Whether `latencyMs` and `peakMemoryBytes` were measured or predicted (absent in runs recorded
   * before cost models: measured).
   */
  costSource?: CostSource;
  /** The calibration a prediction came from (`calibrationId` of `lib/costmodel`). */
  calibrationId?: string;
  /** Why it failed or which budget it exceeded. */
  reason?: string;
}

/** A frontier member with its three objectives (a {@linkcode CandidateRecord} reduced to them). */
export interface FrontierPoint {
  id: string;
  decoderParams: number;
  /** Median latency (ms): `latencyMs.p50` of the record. */
  latencyP50Ms: number;
  peakMemoryBytes: number;
}

/** One line of `frontier.jsonl`: the state after an iteration. */
export interface IterationSummary {
  iteration: number;
  /** New candidates this iteration, by origin. */
  proposed: { random: number; mutation: number; crossover: number };
  /** Parent ids drawn from the previous frontier (with repeats), empty for random proposals. */
  parents: string[];
  /** Candidates recorded so far, in this and every earlier iteration (a running total). */
  candidatesSoFar: number;
  /** Of them, so far: measured and eligible, over a budget, failed (running totals). */
  okSoFar: number;
  overBudgetSoFar: number;
  failedSoFar: number;
  /** The Pareto frontier over every eligible candidate so far, by ascending latency. */
  frontierPoints: FrontierPoint[];
}

/** What `onProgress` receives, after every candidate and iteration. */
export interface SearchProgress {
  /** Current iteration (0-based) and how many there are. */
  iteration: number;
  iterations: number;
  /** Candidates recorded so far (replayed ones included) and an upper bound for the whole run. */
  candidates: number;
  candidatesMax: number;
  /** Candidates measured in this session (not replayed from a checkpoint). */
  measuredNow: number;
  /** Frontier size after the last finished iteration. */
  frontierSize: number;
  /** Estimated time left (ms), from this session's mean time per measurement; undefined early on. */
  etaMs?: number;
  /** The candidate just recorded, if any. */
  last?: CandidateRecord;
}

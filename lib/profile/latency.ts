/**
 * Timing: summary statistics of latency samples and the adaptive timing loop.
 *
 * Stopping rule of {@linkcode timeRuns}: after each timed run the p50 of all samples so far is
 * recorded. The loop stops as soon as
 * - at least `minRuns` runs are done and the p50 after each of the last `stableWindow` runs is
 *   within `stableTolerance` (relative) of the current p50 ("stable"), or
 * - at least `minRuns` runs are done and the timed runs took `maxTimedMs` in all ("time"), or
 * - `maxRuns` runs are done ("runs").
 *
 * @module
 */

/** Summary of latency samples in milliseconds. */
export interface LatencySummary {
  /** Median. */
  p50: number;
  /** 10th percentile. */
  p10: number;
  /** 90th percentile. */
  p90: number;
  /** Arithmetic mean. */
  mean: number;
  /** Number of samples. */
  n: number;
}

/**
 * Quantile `q` ∈ [0, 1] of ascending sorted values, linearly interpolated between order
 * statistics (R's type 7, numpy's default).
 *
 * @example
 * ```ts
 * import { quantileSorted } from "./latency.ts";
 * quantileSorted([1, 2, 3, 4], 0.5); // 2.5
 * ```
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantileSorted: no values");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantileSorted: q ${q} outside [0, 1]`);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * p50, p10, p90, mean and n of latency samples (ms).
 *
 * @example
 * ```ts
 * import { summarizeLatency } from "./latency.ts";
 * summarizeLatency([3, 1, 2]); // { p50: 2, p10: 1.2, p90: 2.8, mean: 2, n: 3 }
 * ```
 */
export function summarizeLatency(samplesMs: readonly number[]): LatencySummary {
  if (samplesMs.length === 0) throw new RangeError("summarizeLatency: no samples");
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return {
    p50: quantileSorted(sorted, 0.5),
    p10: quantileSorted(sorted, 0.1),
    p90: quantileSorted(sorted, 0.9),
    mean,
    n: sorted.length,
  };
}

/** Options of {@linkcode timeRuns}. */
export interface TimingOptions {
  warmupRuns: number;
  minRuns: number;
  maxRuns: number;
  stableTolerance: number;
  stableWindow: number;
  maxTimedMs: number;
  /** Clock in ms; default `performance.now`. */
  now?: () => number;
}

/** Why the timing loop stopped. */
export type StopReason = "stable" | "time" | "runs";

/** Samples and the reason the loop stopped. */
export interface TimingResult {
  samplesMs: number[];
  stopReason: StopReason;
}

/** Inserts `x` into an ascending array, keeping it sorted. */
function insertSorted(sorted: number[], x: number): void {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, x);
}

/**
 * The stopping decision after a run, given the p50 after every run so far (`p50History`,
 * one entry per timed run) and the time taken so far. Pure; see the module doc for the rule.
 *
 * @example
 * ```ts
 * import { stopReason } from "./latency.ts";
 * const opts = { minRuns: 3, maxRuns: 10, stableTolerance: 0.01, stableWindow: 2, maxTimedMs: 1e9 };
 * stopReason([5, 4, 4.01, 4.0], 17, opts); // "stable"
 * stopReason([5, 4], 9, opts); // undefined: fewer than minRuns
 * ```
 */
export function stopReason(
  p50History: readonly number[],
  elapsedMs: number,
  options: Pick<
    TimingOptions,
    "minRuns" | "maxRuns" | "stableTolerance" | "stableWindow" | "maxTimedMs"
  >,
): StopReason | undefined {
  const n = p50History.length;
  if (n >= options.maxRuns) return "runs";
  if (n < options.minRuns) return undefined;
  if (n > options.stableWindow) {
    const current = p50History[n - 1];
    let stable = true;
    for (let i = n - 1 - options.stableWindow; i < n - 1; i++) {
      if (Math.abs(p50History[i] - current) > options.stableTolerance * current) {
        stable = false;
        break;
      }
    }
    if (stable) return "stable";
  }
  if (elapsedMs >= options.maxTimedMs) return "time";
  return undefined;
}

/**
 * Runs `run` `warmupRuns` times untimed, then times it until {@linkcode stopReason} says stop.
 *
 * @example
 * ```ts
 * import { timeRuns } from "./latency.ts";
 * const { samplesMs, stopReason } = await timeRuns(() => {}, {
 *   warmupRuns: 1, minRuns: 5, maxRuns: 20, stableTolerance: 0.01, stableWindow: 3, maxTimedMs: 1000,
 * });
 * ```
 */
export async function timeRuns(
  run: () => unknown,
  options: TimingOptions,
): Promise<TimingResult> {
  const now = options.now ?? (() => performance.now());
  for (let i = 0; i < options.warmupRuns; i++) await run();
  const samplesMs: number[] = [];
  const sorted: number[] = [];
  const p50History: number[] = [];
  let elapsedMs = 0;
  while (true) {
    const t0 = now();
    await run();
    const ms = now() - t0;
    samplesMs.push(ms);
    elapsedMs += ms;
    insertSorted(sorted, ms);
    p50History.push(quantileSorted(sorted, 0.5));
    const reason = stopReason(p50History, elapsedMs, options);
    if (reason) return { samplesMs, stopReason: reason };
  }
}

/**
 * Generation latency for text prediction, with the KV-cache graph.
 *
 * Definitions. One repeat = one prompt pass (`promptLen` tokens, empty cache; its time is the
 * prompt latency PL) followed by `newTokens − 1` token passes (one token each, the cache of
 * every earlier token given; each time is one token latency TL). The latency per generated
 * token of a repeat is `latencyPerToken(n) = (PL + Σ TL) / n = (PL + (n − 1)·mean TL) / n` with
 * n = `newTokens`. (The text-prediction study reports the same formula per *character*, with
 * its own tokenizer's characters; ours counts tokens, since no tokenizer is involved here.) Over R timed repeats (after one untimed warm-up repeat) the result holds
 * the PL distribution, the distribution of all R·(n − 1) token latencies, and p50/p95 of the
 * R per-repeat latencyPerToken values.
 *
 * @module
 */
import { type LatencySummary, quantileSorted, summarizeLatency } from "./latency.ts";

/** The pass times of one repeat (ms). */
export interface GenerationRepeat {
  promptMs: number;
  tokenMs: number[];
}

/** latencyPerToken over the repeats (ms). */
export interface LatencyPerTokenSummary {
  p50: number;
  p95: number;
  mean: number;
  n: number;
}

/** Generation latency of one architecture. */
export interface GenerationResult {
  promptLen: number;
  newTokens: number;
  /** Prompt latency PL (past = 0, seq = promptLen), one sample per repeat. */
  promptLatencyMs: LatencySummary;
  /** Token latency TL (seq = 1, past = context so far), every token pass; null when n = 1. */
  tokenLatencyMs: LatencySummary | null;
  /** latencyPerToken(newTokens) per repeat: p50 and p95. */
  latencyPerTokenMs: LatencyPerTokenSummary;
  /** Peak resident memory of the generation child above its baseline (bytes). */
  peakMemoryBytes: number;
}

/**
 * latencyPerToken(n) of one repeat: (PL + Σ TL) / n, with n = 1 + the number of token passes.
 *
 * @example
 * ```ts
 * import { latencyPerToken } from "./generation.ts";
 * latencyPerToken({ promptMs: 40, tokenMs: [10, 10, 10] }); // (40 + 30) / 4 = 17.5
 * ```
 */
export function latencyPerToken(repeat: GenerationRepeat): number {
  const tokens = repeat.tokenMs.reduce((s, x) => s + x, 0);
  return (repeat.promptMs + tokens) / (1 + repeat.tokenMs.length);
}

/**
 * Summarises timed repeats into a {@linkcode GenerationResult}.
 *
 * @example
 * ```ts
 * import { summarizeGeneration } from "./generation.ts";
 * const g = summarizeGeneration(
 *   [{ promptMs: 40, tokenMs: [10, 12] }, { promptMs: 42, tokenMs: [11, 11] }],
 *   { promptLen: 64, newTokens: 3 },
 *   1 << 20,
 * );
 * g.latencyPerTokenMs.p50 <= g.latencyPerTokenMs.p95; // true
 * ```
 */
export function summarizeGeneration(
  repeats: readonly GenerationRepeat[],
  settings: { promptLen: number; newTokens: number },
  peakMemoryBytes: number,
): GenerationResult {
  if (repeats.length === 0) throw new RangeError("summarizeGeneration: no repeats");
  for (const r of repeats) {
    if (r.tokenMs.length !== settings.newTokens - 1) {
      throw new RangeError(
        `summarizeGeneration: a repeat has ${r.tokenMs.length} token passes, expected ${
          settings.newTokens - 1
        }`,
      );
    }
  }
  const perToken = repeats.map(latencyPerToken).sort((a, b) => a - b);
  const tokens = repeats.flatMap((r) => r.tokenMs);
  return {
    promptLen: settings.promptLen,
    newTokens: settings.newTokens,
    promptLatencyMs: summarizeLatency(repeats.map((r) => r.promptMs)),
    tokenLatencyMs: tokens.length > 0 ? summarizeLatency(tokens) : null,
    latencyPerTokenMs: {
      p50: quantileSorted(perToken, 0.5),
      p95: quantileSorted(perToken, 0.95),
      mean: perToken.reduce((s, x) => s + x, 0) / perToken.length,
      n: perToken.length,
    },
    peakMemoryBytes,
  };
}

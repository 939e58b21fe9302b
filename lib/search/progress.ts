/**
 * A one-line text rendering of search progress, for the CLI's progress bar (and notebooks).
 *
 * @module
 */
import type { SearchProgress } from "./types.ts";

/**
 * Formats a duration in ms as `42s`, `3m05s` or `2h10m`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./progress.ts";
 * assert.equal(formatDuration(185_000), "3m05s");
 * ```
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * The part of a progress line that a progress bar over the candidates does not already show:
 * iteration, candidates measured in this session, frontier size and ETA.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { searchProgressNote } from "./progress.ts";
 * const note = searchProgressNote({
 *   iteration: 2, iterations: 30, candidates: 260, candidatesMax: 2420, measuredNow: 60,
 *   frontierSize: 14, etaMs: 600_000,
 * });
 * assert.equal(note, "iter 3/30, 60 measured now, frontier 14, eta 10m00s");
 * ```
 */
export function searchProgressNote(p: SearchProgress): string {
  const eta = p.etaMs === undefined ? "" : `, eta ${formatDuration(p.etaMs)}`;
  return `iter ${p.iteration + 1}/${p.iterations}, ${p.measuredNow} measured now, ` +
    `frontier ${p.frontierSize}${eta}`;
}

/**
 * Renders search progress as one line: iteration, a bar over the candidate budget, candidates
 * recorded (and measured in this session), frontier size and ETA.
 *
 * @example
 * ```ts
 * import { renderSearchProgress } from "./progress.ts";
 * renderSearchProgress({
 *   iteration: 2, iterations: 30, candidates: 260, candidatesMax: 2420, measuredNow: 60,
 *   frontierSize: 14, etaMs: 600_000,
 * }, 10);
 * // "iter 3/30 [#---------] 260/2420 candidates (60 measured now) frontier 14 eta 10m00s"
 * ```
 */
export function renderSearchProgress(p: SearchProgress, width = 20): string {
  const frac = p.candidatesMax > 0 ? Math.min(1, p.candidates / p.candidatesMax) : 1;
  const filled = Math.round(frac * width);
  const bar = "#".repeat(filled) + "-".repeat(width - filled);
  let text = `iter ${p.iteration + 1}/${p.iterations} [${bar}] ${p.candidates}/${p.candidatesMax}` +
    ` candidates (${p.measuredNow} measured now) frontier ${p.frontierSize}`;
  if (p.etaMs !== undefined) text += ` eta ${formatDuration(p.etaMs)}`;
  return text;
}
